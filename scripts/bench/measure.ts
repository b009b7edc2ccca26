// One measured scenario each: an apply against fixed server-side latencies (overhead, requests, polling),
// the cold start of `mode: plan`, and a fleet of concurrent runs.
import { spawn } from "node:child_process";
import { performance } from "node:perf_hooks";
import { scaledArmThrottling, type LoggedRequest } from "../../emulator/index.ts";
import {
  countByPhase,
  criticalPath,
  pollSeries,
  phasesOf,
  traceOf,
  type Latencies,
  type Phase,
  type PollSeries,
  type TraceLine,
} from "./analyse.ts";
import { freshScenario, runBundle, type BenchCloud, type TimedRun } from "./run.ts";

/** Where the time beyond the critical path went (ms). */
export interface Breakdown {
  /** Spawn to the first request handled, less that request's own latency: Node, the bundle, reading inputs. */
  readonly startUp: number;
  /** First request to the extension PUT, less the unavoidable Entra + list + PUT latencies. */
  readonly beforeExtension: number;
  /** Extension finished on the server until the action's poll saw it. */
  readonly extensionLag: number;
  /** Extension seen (or deploy key added, whichever was later) to the configuration PUT, less its latency. */
  readonly beforeConfiguration: number;
  readonly configurationLag: number;
  /** Compliant reported and the operation ended, until the action's read saw it. */
  readonly reconciliationLag: number;
  /** Last poll to process exit: summary, outputs, exit. */
  readonly exit: number;
}

export interface ApplyRun {
  /** The server-side latencies this run had (phased: its own extension and operation ends). */
  readonly latencies: Latencies;
  readonly wallMs: number;
  readonly criticalMs: number;
  readonly formula: string;
  readonly ratio: number;
  readonly agentFetchMs: number;
  readonly breakdown: Breakdown;
  readonly requests: Record<Phase, number>;
  readonly total: number;
  /** ARM GET requests: what counts against ARM's subscription read limit. */
  readonly armReads: number;
  /** Polls of an operation sent sooner than the Retry-After of the answer before them (the write's, then each poll's). */
  readonly earlyPolls: number;
  readonly polls: readonly PollSeries[];
  /** Every request of the run, as answered (see traceOf). */
  readonly trace: readonly TraceLine[];
}

function fail(run: TimedRun, what: string): never {
  throw new Error(`${what}: the action exited with ${String(run.code)}\n${run.output.split("\n").slice(-30).join("\n")}`);
}

/** performance.now() of a wall-clock instant (the emulator's timestamps are Date.now()). */
function monotonic(wallMs: number): number {
  return wallMs - performance.timeOrigin;
}

export async function measureApply(bench: BenchCloud, l: Latencies, label: string): Promise<ApplyRun> {
  const scenario = await freshScenario(bench, label);
  const run = await runBundle(bench, scenario);
  if (run.code !== 0) fail(run, "apply");
  const log = run.requests;
  const phases = phasesOf(log);
  const at = (r: LoggedRequest | undefined): number => (r ? bench.loggedAt(r) : Number.NaN);
  const of = (phase: Phase): LoggedRequest[] => log.filter((_, i) => phases[i] === phase);
  const write = (phase: Phase): LoggedRequest | undefined =>
    of(phase).find((r) => r.method === "PUT" || r.method === "PATCH" || r.method === "POST");
  const lastPoll = (phase: Phase): LoggedRequest | undefined =>
    of(phase)
      .filter((r) => r.path.includes("/operations/"))
      .at(-1);

  const configuration = bench.cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system");
  const reconciledAt = monotonic(Date.parse(String(configuration?.properties["statusUpdatedAt"] ?? "")));
  const firstReport = monotonic(Date.parse(bench.cloud.azure.agentReports(scenario.clusterId, "flux-system")[0]?.at ?? ""));
  const extensionDone = at(write("extension")) + l.extensionInstallMs;
  const handedOver = at(write("configuration")) + l.configurationMs;
  const agentFetchMs = firstReport - handedOver - l.reconciliationMs;
  const configurationDone = firstReport + l.operationEndMs;
  const critical = criticalPath(l, agentFetchMs);
  const extensionSeen = at(lastPoll("extension"));
  const keyAdded = at(write("deploy key"));
  const lastWait = at(of("reconciliation").at(-1));
  const breakdown: Breakdown = {
    startUp: at(log[0]) - run.spawnedAt - l.githubRequestMs,
    beforeExtension: at(write("extension")) - at(log[0]) - 4 * l.armRequestMs,
    extensionLag: extensionSeen - extensionDone,
    beforeConfiguration: at(write("configuration")) - Math.max(extensionSeen, keyAdded) - l.armRequestMs,
    configurationLag: at(lastPoll("configuration")) - configurationDone,
    reconciliationLag: lastWait - Math.max(reconciledAt, configurationDone),
    exit: run.exitedAt - lastWait,
  };
  const requests = countByPhase(log);
  const polls = pollSeries(log, l.retryAfterSeconds, bench.loggedAt);
  return {
    latencies: l,
    wallMs: run.wallMs,
    criticalMs: critical.ms,
    formula: critical.formula,
    ratio: run.wallMs / critical.ms,
    agentFetchMs,
    breakdown,
    requests,
    total: log.length,
    armReads: log.filter((r) => r.service === "arm" && r.method === "GET").length,
    earlyPolls: polls.reduce((n, p) => n + p.tooFast, 0),
    polls,
    trace: traceOf(log, run.spawnedAt, bench.loggedAt, scenario.clusterId),
  };
}

export interface ColdRun {
  /** Spawn to the first request the local cloud handled. */
  readonly firstRequestMs: number;
  /** Spawn to the first GitHub REST request (the repository read), which must not wait for the Azure SDK. */
  readonly firstGitHubRequestMs: number;
  /** The whole `node dist/index.js` run of mode: plan. */
  readonly wallMs: number;
}

export async function measurePlan(bench: BenchCloud, scenario: Parameters<typeof runBundle>[1]): Promise<ColdRun> {
  const run = await runBundle(bench, scenario, { mode: "plan" });
  if (run.code !== 0) fail(run, "plan");
  const since = (r: LoggedRequest | undefined): number => (r ? bench.loggedAt(r) : Number.NaN) - run.spawnedAt;
  return {
    firstRequestMs: since(run.requests[0]),
    firstGitHubRequestMs: since(run.requests.find((r) => r.service === "github")),
    wallMs: run.wallMs,
  };
}

/** `node -e 0`: what Node itself costs before any of the action runs. */
export async function measureBareNode(): Promise<number> {
  const started = performance.now();
  const child = spawn(process.execPath, ["-e", "0"], { stdio: "ignore" });
  await new Promise((resolve) => child.on("close", resolve));
  return performance.now() - started;
}

export interface FleetRun {
  readonly runs: number;
  readonly totalMs: number;
  readonly wallsMs: readonly number[];
  readonly failed: number;
  /** Every request the local cloud answered while the fleet ran, all runs together. */
  readonly requests: readonly LoggedRequest[];
  /** The last error line of each failed run (what the action reported), at most 5. */
  readonly failures: readonly string[];
}

/** The last `::error::` line a run printed, or its last line. */
function lastError(output: string): string {
  const lines = output.split("\n").filter((l) => l.trim() !== "");
  const line = lines.filter((l) => l.startsWith("::error")).at(-1) ?? lines.at(-1) ?? "";
  return line.length > 300 ? `${line.slice(0, 300)}…` : line;
}

/**
 * `size` concurrent applies, each on its own cluster and repository, on one local cloud. seedScenario seeds every
 * cluster in one subscription for one principal, so ARM's subscription buckets (when throttling is on) are shared by
 * the whole fleet, as they are for a real fleet deployed by one workflow identity.
 */
export async function measureFleet(bench: BenchCloud, size: number, label = "fleet"): Promise<FleetRun> {
  const scenarios = [];
  for (let i = 0; i < size; i += 1) scenarios.push(await freshScenario(bench, label));
  // seedScenario gives its one token access to the last repository seeded only: let it see the whole fleet's.
  const first = scenarios[0];
  if (first) {
    bench.cloud.github.addToken(first.token, {
      repos: scenarios.map((s) => `${s.owner}/${s.repo}`),
      kind: "app",
      login: "flux-bootstrap[bot]",
      permissions: { administration: "write", metadata: "read", contents: "read", secrets: "write", environments: "write" },
    });
  }
  const since = bench.cloud.traffic.log.length;
  const started = performance.now();
  const runs = await Promise.all(scenarios.map((s) => runBundle(bench, s)));
  const totalMs = performance.now() - started;
  const failedRuns = runs.filter((r) => r.code !== 0);
  return {
    runs: size,
    totalMs,
    wallsMs: runs.map((r) => r.wallMs),
    failed: failedRuns.length,
    requests: bench.cloud.traffic.log.slice(since),
    failures: failedRuns.slice(0, 5).map((r) => lastError(r.output)),
  };
}

export interface ThrottledFleetRun extends FleetRun {
  /** The buckets the fleet shared (ARM's documented ones divided by the divisor). */
  readonly throttling: ReturnType<typeof scaledArmThrottling>;
  /** 429s ARM answered during the fleet (the local cloud's own counter). */
  readonly throttled: number;
}

/** measureFleet with ARM's subscription throttling on (ARM's buckets divided by `divisor`), switched off afterwards. */
export async function measureThrottledFleet(bench: BenchCloud, size: number, divisor: number): Promise<ThrottledFleetRun> {
  const throttling = scaledArmThrottling(divisor);
  bench.cloud.azure.setThrottling(throttling);
  try {
    const before = bench.cloud.azure.throttled();
    const fleet = await measureFleet(bench, size, "throttled");
    return { ...fleet, throttling, throttled: bench.cloud.azure.throttled() - before };
  } finally {
    bench.cloud.azure.setThrottling(undefined);
  }
}
