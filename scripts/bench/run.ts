// Running the bundled action against the local cloud for the benchmark: a cloud whose extension install,
// configuration hand-over, agent start, operation end and per-request latencies are fixed, monotonic timestamps for
// every logged request, and one spawned `node dist/index.js` timed from spawn to exit.
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type LoggedRequest, type Scenario } from "../../emulator/index.ts";
import { actionDefaults } from "../../emulator/runner-env.ts";
import type { Latencies } from "./analyse.ts";

const root = new URL("../../", import.meta.url).pathname;
/** The bundle to run: dist/index.js, or another build with BENCH_BUNDLE=path/to/index.js (e.g. a copy of an older dist/). */
export const BUNDLE = process.env["BENCH_BUNDLE"] ? resolve(process.env["BENCH_BUNDLE"]) : join(root, "dist/index.js");

export interface BenchCloud {
  readonly cloud: LocalCloud;
  /** performance.now() at which each request was logged (the emulator's `at` is wall-clock). */
  readonly loggedAt: (r: LoggedRequest) => number;
  readonly setLatencies: (l: Latencies) => void;
}

export async function startBenchCloud(): Promise<BenchCloud> {
  // No periodic re-reconciliation: it would add load the action did not cause.
  const cloud = await startLocalCloud({ delays: { reconcileIntervalMs: 3_600_000, deletionMs: 20, registrationMs: 20 } });
  const stamps = new WeakMap<LoggedRequest, number>();
  const log = cloud.traffic.log;
  const push = log.push.bind(log);
  log.push = (...entries: LoggedRequest[]): number => {
    const now = performance.now();
    for (const entry of entries) stamps.set(entry, now);
    return push(...entries);
  };
  return {
    cloud,
    loggedAt: (r) => stamps.get(r) ?? Number.NaN,
    setLatencies: (l) => {
      cloud.azure.setDelays({
        reconciliationMs: l.reconciliationMs,
        retryAfterSeconds: l.retryAfterSeconds,
        provisioningMs: l.configurationMs,
        extensionProvisioningMs: l.extensionInstallMs,
      });
      // Azure's recorded timeline (the emulator's default agent), with the operation's end after the first report fixed here.
      cloud.azure.setAgent({ operationEndMs: l.operationEndMs });
      Object.assign(cloud.traffic.latencyMs, {
        github: l.githubRequestMs,
        oidc: l.githubRequestMs,
        arm: l.armRequestMs,
        entra: l.armRequestMs,
      });
    },
  };
}

let serial = 0;

/** A fresh cluster and config repository, so no run sees another's state. */
export async function freshScenario(bench: BenchCloud, label: string): Promise<Scenario> {
  serial += 1;
  return seedScenario(bench.cloud, { clusterName: `aks-${label}-${serial}`, repo: `cfg-${label}-${serial}` });
}

export interface TimedRun {
  readonly code: number | null;
  /** performance.now() just before spawn and at exit. */
  readonly spawnedAt: number;
  readonly exitedAt: number;
  readonly wallMs: number;
  /** Requests logged between spawn and exit. */
  readonly requests: readonly LoggedRequest[];
  /** What it printed, without ::add-mask:: and ::debug:: lines. */
  readonly output: string;
}

const defaults = actionDefaults();

/** Spawns `node dist/index.js` with the runner's environment and waits for it to exit. */
export async function runBundle(bench: BenchCloud, scenario: Scenario, inputs: Record<string, string> = {}): Promise<TimedRun> {
  const dir = mkdtempSync(join(tmpdir(), "bench-run-"));
  const env: Record<string, string> = {
    ...Object.fromEntries(
      Object.entries(process.env).filter(
        (e): e is [string, string] => e[1] !== undefined && !/^(INPUT_|GITHUB_|ACTIONS_|RUNNER_)/.test(e[0]),
      ),
    ),
    ...defaults,
    // Bounded: a run that cannot finish fails after two minutes instead of the default wait-timeout.
    ...actionEnv(bench.cloud, scenario, { "wait-timeout": "2m", ...inputs }),
    GITHUB_OUTPUT: join(dir, "output"),
    GITHUB_STEP_SUMMARY: join(dir, "summary"),
  };
  writeFileSync(env.GITHUB_OUTPUT ?? "", "");
  writeFileSync(env.GITHUB_STEP_SUMMARY ?? "", "");
  const first = bench.cloud.traffic.log.length;
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [BUNDLE], { env, cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
  const exitedAt = performance.now();
  rmSync(dir, { recursive: true, force: true });
  // Never keep what the action masks (keys, tokens): it is printed when a run fails.
  output = output
    .split("\n")
    .filter((line) => !line.startsWith("::add-mask::") && !line.startsWith("::debug::"))
    .join("\n");
  // Every request logged while it ran (only meaningful when runs do not overlap).
  const requests = bench.cloud.traffic.log.slice(first);
  return { code, spawnedAt, exitedAt, wallMs: exitedAt - spawnedAt, requests, output };
}
