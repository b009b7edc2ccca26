// One run of the action: its settings, the clients built once and passed down, the report it fills, the
// deadline of wait-timeout, and the preflight that every mode awaits before its first write.
import * as core from "@actions/core";
import type { Settings } from "../inputs/settings.ts";
import type { Octokit } from "../github/client.ts";
import { createOctokit } from "../github/client.ts";
import type { Arm } from "../azure/arm.ts";
import { createArm } from "../azure/arm.ts";
import { CLOUDS } from "../clouds.ts";
import { createCredential, githubAssertion, type GitHubAssertion } from "../azure/credential.ts";
import { preflight } from "../azure/preflight.ts";
import { newReport, type Report } from "../report/report.ts";
import { progressLines } from "../report/progress.ts";
import type { Show } from "../poll.ts";
import type { WriteOptions } from "../azure/flux-configuration.ts";
import { WriteGate } from "../write-gate.ts";
import { expiryWarning, TokenExpiry } from "../github/token.ts";
import type { RunMarker } from "../github/key-titles.ts";
import { Ledger } from "./ledger.ts";

export interface Run {
  readonly settings: Settings;
  readonly octokit: Octokit;
  readonly arm: Arm;
  readonly report: Report;
  /** Progress heartbeat cadence. */
  readonly intervalMs: number;
  /** Opens a progress line at that cadence: every wait is shown with it (poll.ts, watched). */
  readonly show: Show;
  /** When wait-timeout runs out, on the monotonic clock (performance.now()): wall-clock jumps do not end waits. */
  readonly deadline: number;
  /** The preflight, started with the run: settles before any write (see observe). */
  readonly checks: Promise<void>;
  /** Closed on cancel: no new write starts. */
  readonly gate: WriteGate;
  /** What this run created (deploy keys), for a cancel's clean-up. */
  readonly ledger: Ledger;
  /** The workflow run, written into the titles of the keys this run makes (undefined outside Actions). */
  readonly marker: RunMarker | undefined;
  /** When the github-token expires, once GitHub said so. */
  readonly tokenExpiry: TokenExpiry;
}

/** GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT, as the runner sets them (docs.github.com, "Variables reference"). */
function runMarker(env: NodeJS.ProcessEnv): RunMarker | undefined {
  const id = env["GITHUB_RUN_ID"]?.trim() ?? "";
  const attempt = Number(env["GITHUB_RUN_ATTEMPT"] ?? "1");
  return /^\d+$/.test(id) ? { id, attempt: Number.isInteger(attempt) && attempt > 0 ? attempt : 1 } : undefined;
}

/** Builds the clients (nothing is sent yet but the preflight's reads) and starts the preflight beside the mode's own reads. */
export function startRun(settings: Settings): { readonly run: Run; readonly assertion: GitHubAssertion } {
  const assertion = githubAssertion(settings.azure.audience);
  const gate = new WriteGate();
  // Every wait ends by then: Azure's operations, Flux, and rate limits (GitHub's and ARM's, see rate-limits.ts).
  const deadline = performance.now() + settings.waitTimeoutMs;
  const arm = createArm(createCredential(settings.azure, assertion), settings.cluster, settings.azure.armEndpoint, gate, deadline);
  // When wait-timeout could end, on the wall clock (GitHub's expiry is a wall-clock time).
  const waitEnds = new Date(Date.now() + settings.waitTimeoutMs);
  const tokenExpiry = new TokenExpiry((at) => {
    const warning = expiryWarning(at, waitEnds);
    if (warning) core.warning(warning, { title: "GitHub token expires before wait-timeout" });
  });
  const octokit = createOctokit(settings.git, { gate, tokenExpiry, deadline });
  const repository = settings.git.fullName;
  const report = newReport(settings.mode, settings.cluster, arm.clusterId, repository, CLOUDS[settings.azure.cloud].portal);
  const checks = preflight(arm, settings, deadline, settings.mode === "apply").then((checked) => {
    for (const warning of checked.warnings) core.warning(warning);
    for (const namespace of checked.registered) report.notes.push(`Resource provider registered: ${namespace}.`);
  });
  checks.catch(() => undefined);
  const run: Run = {
    settings,
    octokit,
    arm,
    report,
    intervalMs: settings.progressIntervalMs,
    show: progressLines(settings.progressIntervalMs),
    deadline,
    checks,
    gate,
    ledger: new Ledger(),
    marker: runMarker(process.env),
    tokenExpiry,
  };
  return { run, assertion };
}

/** What a write needs of the run: its deadline and progress lines, and who wants to know Azure accepted it. */
export function writing(run: Run, onAccepted?: () => void): WriteOptions {
  return { deadline: run.deadline, show: run.show, ...(onAccepted ? { onAccepted } : {}) };
}
