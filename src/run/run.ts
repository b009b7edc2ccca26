// One run of the action: its settings, the clients built once and passed down, the report it fills, the
// deadline of wait-timeout, and the preflight that every mode awaits before its first write.
import * as core from "@actions/core";
import type { Settings } from "../inputs/settings.ts";
import type { Octokit } from "../github/client.ts";
import { createOctokit } from "../github/client.ts";
import type { Arm } from "../azure/arm.ts";
import { createArm } from "../azure/arm.ts";
import { CLOUDS } from "../azure/clouds.ts";
import { createCredential, githubAssertion, type GitHubAssertion } from "../azure/credential.ts";
import { preflight } from "../azure/preflight.ts";
import { newReport, type Report } from "../report/report.ts";

export interface Run {
  readonly settings: Settings;
  readonly octokit: Octokit;
  readonly arm: Arm;
  readonly report: Report;
  /** Progress heartbeat cadence. */
  readonly intervalMs: number;
  /** When wait-timeout runs out, on the monotonic clock (performance.now()): wall-clock jumps do not end waits. */
  readonly deadline: number;
  /** The preflight, started with the run: settles before any write (see observe). */
  readonly checks: Promise<void>;
}

/** Builds the clients (nothing is sent yet but the preflight's reads) and starts the preflight beside the mode's own reads. */
export function startRun(settings: Settings): { readonly run: Run; readonly assertion: GitHubAssertion } {
  const assertion = githubAssertion(settings.azure.audience);
  const arm = createArm(createCredential(settings.azure, assertion), settings.cluster, settings.azure.armEndpoint);
  const octokit = createOctokit(settings.git);
  const repository = `${settings.git.owner}/${settings.git.repo}`;
  const report = newReport(settings.mode, settings.cluster, arm.clusterId, repository, CLOUDS[settings.azure.cloud].portal);
  const deadline = performance.now() + settings.waitTimeoutMs;
  const checks = preflight(arm, settings, deadline, settings.mode === "apply").then((checked) => {
    for (const warning of checked.warnings) core.warning(warning);
    for (const namespace of checked.registered) report.notes.push(`Resource provider registered: ${namespace}.`);
  });
  checks.catch(() => undefined);
  return { run: { settings, octokit, arm, report, intervalMs: settings.progressIntervalMs, deadline, checks }, assertion };
}
