// `npm run bench`: runs the bundled action (dist/index.js; `npm run build` first) against the local cloud with
// fixed server-side latencies and prints the overhead ratio, cold start, requests and polling, bundle size and
// fleet scaling as tables and as JSON. Loopback only; bounded in runs and time (about 7 minutes by default).
// Two variants of Azure's timeline: "compressed" (today's short path, every operation answer with Retry-After) and
// "recorded" (Azure's recorded proportions compressed 4×, without Retry-After, as in the recordings); in both, each run
// moves the extension's end and the operation's end by a different part of ±1 s (phased(), scripts/bench/analyse.ts).
// The fleet runs twice: with ARM's throttling off, then with ARM's subscription token buckets on, scaled down by
// --fleet-throttle-divisor (0: skip) and shared by the whole fleet (one subscription, one principal).
// --trace prints every request of the first apply of each variant (ms since spawn, as answered).
// --az also runs the same apply scripted with the Azure CLI (scripts/bench/az.ts, az-apply.sh), --az-runs times per
// variant (default --runs), with the same latencies and phasing, and adds its ratio to each variant's table.
//   node scripts/bench.ts [--runs 5] [--variants compressed,recorded] [--critical 10] [--retry-after 1]
//                         [--arm-latency 40] [--github-latency 60] [--cold-runs 15] [--fleet 20]
//                         [--fleet-throttle-divisor 5] [--trace] [--az] [--az-runs N] [--json file]
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PHASES, MIN_PHASED_EXTENSION_MS, phased, round, spread, type Latencies, type Spread, type TraceLine } from "./bench/analyse.ts";
import { printOverhead, printRest, printTrace, type OverheadFigures } from "./bench/tables.ts";
import {
  measureApply,
  measureBareNode,
  measureFleet,
  measurePlan,
  measureThrottledFleet,
  type ApplyRun,
  type Breakdown,
} from "./bench/measure.ts";
import { BUNDLE, freshScenario, runBundle, startBenchCloud } from "./bench/run.ts";
import { azFigures, azVersion, measureAzApply, printAz, type AzFigures, type AzRun } from "./bench/az.ts";

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    critical: { type: "string", default: "10" },
    variants: { type: "string", default: "compressed,recorded" },
    "retry-after": { type: "string", default: "1" },
    "arm-latency": { type: "string", default: "40" },
    "github-latency": { type: "string", default: "60" },
    "cold-runs": { type: "string", default: "15" },
    fleet: { type: "string", default: "20" },
    "fleet-throttle-divisor": { type: "string", default: "5" },
    trace: { type: "boolean", default: false },
    az: { type: "boolean", default: false },
    "az-runs": { type: "string" },
    json: { type: "string" },
  },
});

function bounded(name: string, value: string | undefined, min: number, max: number): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < min || n > max) throw new Error(`--${name} must be a number from ${min} to ${max} (got ${String(value)})`);
  return n;
}

const runs = bounded("runs", flags.runs, 1, 15);
const criticalSeconds = bounded("critical", flags.critical, 1, 60);
const retryAfter = bounded("retry-after", flags["retry-after"], 0, 10);
const VARIANTS = ["compressed", "recorded"] as const;
type Variant = (typeof VARIANTS)[number];
const variants = (flags.variants ?? "").split(",").map((v): Variant => {
  const known = VARIANTS.find((k) => k === v.trim());
  if (!known) throw new Error(`--variants takes ${VARIANTS.join(", ")} (got ${v})`);
  return known;
});
const fleetSize = bounded("fleet", flags.fleet, 0, 40);
const coldRuns = bounded("cold-runs", flags["cold-runs"], 1, 20);
/**
 * ARM's documented read bucket (250, refilled at 25/s per subscription and principal) divided by this for the
 * throttled fleet. Default 5: 50 reads refilled at 5/s, well below what 20 concurrent applies ask for when they
 * poll about once a second each (the writes' bucket becomes 40, refilled at 2/s). 0 skips the throttled fleet.
 */
const throttleDivisor = bounded("fleet-throttle-divisor", flags["fleet-throttle-divisor"], 0, 250);

/**
 * compressed: the server-side phases split the --critical seconds 55 : 15 : 15 : 15 (extension install; configuration
 * hand-over to the agent; the agent's start; the operation's end after its first report), Retry-After on every answer.
 * recorded: real Azure's proportions compressed 4×, and no Retry-After. An extension install takes ~95 s and a flux
 * configuration ~64 s, of which the operation's end comes 10–24 s after the agent's first report (Az.KubernetesConfiguration's
 * recorded tests, Azure/azure-powershell src/KubernetesConfiguration/test/AzKubernetesExtension.Recording.json and
 * AzKubernetesConfigurationFlux.Recording.json; their write answers carry no Retry-After): 24 s, then 5 + 5 + 6 s.
 */
function latencies(variant: Variant): Latencies {
  const ms = criticalSeconds * 1000;
  const network = {
    githubRequestMs: bounded("github-latency", flags["github-latency"], 0, 1000),
    armRequestMs: bounded("arm-latency", flags["arm-latency"], 0, 1000),
  };
  if (variant === "recorded")
    return {
      extensionInstallMs: 24_000,
      configurationMs: 5_000,
      reconciliationMs: 5_000,
      operationEndMs: 6_000,
      ...network,
      retryAfterSeconds: 0,
    };
  return {
    extensionInstallMs: Math.round(ms * 0.55),
    configurationMs: Math.round(ms * 0.15),
    reconciliationMs: Math.round(ms * 0.15),
    operationEndMs: Math.round(ms * 0.15),
    ...network,
    retryAfterSeconds: retryAfter,
  };
}

function bytesOf(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    return sum + (entry.isDirectory() ? bytesOf(path) : statSync(path).size);
  }, 0);
}

const rounded = (s: Spread, digits = 0): Spread => ({
  min: round(s.min, digits),
  median: round(s.median, digits),
  max: round(s.max, digits),
});

if (!existsSync(BUNDLE)) {
  console.error("dist/index.js is missing: run `npm run build` first.");
  process.exit(1);
}

const azRuns = bounded("az-runs", flags["az-runs"] ?? String(runs), 1, 15);
const azureCli = flags.az ? azVersion() : undefined;
if (flags.az && !azureCli) console.error("--az: the Azure CLI (`az`) cannot be run here; the scripted-az figure is skipped.");

const startedAt = Date.now();
const bench = await startBenchCloud();
const scriptedAz = new Map<string, AzFigures>();
const json: Record<string, unknown> = {};
const overhead: OverheadFigures[] = [];
const traces = new Map<Variant, readonly TraceLine[]>();

/** What phased() did to this variant's runs, for the header line and the JSON. */
function phasingOf(l: Latencies, results: readonly ApplyRun[]): OverheadFigures["phasing"] {
  return {
    runs: results.length,
    extensionInstallMs: rounded(spread(results.map((r) => r.latencies.extensionInstallMs))),
    operationEndMs: rounded(spread(results.map((r) => r.latencies.operationEndMs))),
    note:
      `each run moves the extension's end (${l.extensionInstallMs} ms) and the operation's end (${l.operationEndMs} ms) ` +
      `by a different part of ±1 s, stratified over the runs; an install stays ≥ ${Math.min(l.extensionInstallMs, MIN_PHASED_EXTENSION_MS)} ms`,
  };
}
try {
  // Warm-up (file cache, TLS, the emulator's first git fetch); its cluster is the warm one `plan` reads.
  bench.setLatencies({
    extensionInstallMs: 50,
    configurationMs: 50,
    reconciliationMs: 20,
    operationEndMs: 30,
    githubRequestMs: 0,
    armRequestMs: 0,
    retryAfterSeconds: 0,
  });
  const warm = await freshScenario(bench, "warm");
  const warmRun = await runBundle(bench, warm);
  if (warmRun.code !== 0) throw new Error(`warm-up apply failed:\n${warmRun.output.split("\n").slice(-30).join("\n")}`);

  // Cold start: `mode: plan` of an already bootstrapped cluster, no added latency.
  const cold = [];
  const bare = [];
  for (let i = 0; i < coldRuns; i += 1) {
    cold.push(await measurePlan(bench, warm));
    bare.push(await measureBareNode());
  }
  const firstRequest = spread(cold.map((c) => c.firstRequestMs));
  const firstGitHubRequest = spread(cold.map((c) => c.firstGitHubRequestMs));
  const planWall = spread(cold.map((c) => c.wallMs));
  const bareNode = spread(bare);
  json["coldStart"] = {
    runs: coldRuns,
    firstRequestMs: rounded(firstRequest),
    firstGitHubRequestMs: rounded(firstGitHubRequest),
    planRunMs: rounded(planWall),
    bareNodeMs: rounded(bareNode),
  };

  const singleWall = new Map<Variant, number>();
  for (const variant of variants) {
    const l = latencies(variant);
    const results: ApplyRun[] = [];
    // Both variants phased: with fixed latencies every run would meet the poll grid at the same point.
    for (let i = 0; i < runs; i += 1) {
      const run = phased(l, i, runs);
      bench.setLatencies(run);
      results.push(await measureApply(bench, run, variant));
    }
    if (flags.trace) traces.set(variant, results[0]?.trace ?? []);
    if (azureCli) {
      const az: AzRun[] = [];
      for (let i = 0; i < azRuns; i += 1) {
        const run = phased(l, i, azRuns);
        bench.setLatencies(run);
        az.push(await measureAzApply(bench, run, `az-${variant}`));
      }
      scriptedAz.set(variant, azFigures(azureCli, az));
    }
    const wall = spread(results.map((r) => r.wallMs));
    singleWall.set(variant, wall.median);
    const breakdown = Object.fromEntries(
      (Object.keys(results[0]?.breakdown ?? {}) as (keyof Breakdown)[]).map((k) => [
        k,
        rounded(spread(results.map((r) => r.breakdown[k]))),
      ]),
    );
    const requests = Object.fromEntries(PHASES.map((p) => [p, spread(results.map((r) => r.requests[p])).median]));
    const polls = ["extension", "configuration", "reconciliation"].map((what) => {
      const series = results.flatMap((r) => r.polls.filter((p) => p.what === what));
      const intervals = series.flatMap((p) => p.intervalsMs);
      return {
        what,
        polls: spread(series.map((p) => p.polls)).median,
        intervalMs: rounded(spread(intervals)),
        retryAfterMs: series[0]?.retryAfterMs ?? null,
        fasterThanAsked: series.reduce((n, p) => n + p.tooFast, 0),
        firstAfterWriteMs: what === "reconciliation" ? null : rounded(spread(series.map((p) => p.intervalsMs[0] ?? Number.NaN))),
      };
    });
    overhead.push({
      variant,
      latencies: l,
      phasing: phasingOf(l, results),
      criticalPathMs: rounded(spread(results.map((r) => r.criticalMs))),
      criticalPathFormula: results[0]?.formula,
      wallMs: rounded(wall),
      ratio: rounded(spread(results.map((r) => r.ratio)), 3),
      agentGitFetchMs: rounded(spread(results.map((r) => r.agentFetchMs))),
      breakdownMs: breakdown,
      requestsByPhase: requests,
      requestsTotal: spread(results.map((r) => r.total)).median,
      armReads: spread(results.map((r) => r.armReads)),
      earlyPolls: results.reduce((n, r) => n + r.earlyPolls, 0),
      polling: polls,
    });
  }
  json["overhead"] = overhead.map((o) => ({ ...o, ...(scriptedAz.has(o.variant) ? { scriptedAz: scriptedAz.get(o.variant) } : {}) }));

  if (fleetSize > 0) {
    const variant = variants[0] ?? "compressed";
    bench.setLatencies(latencies(variant));
    const fleet = await measureFleet(bench, fleetSize);
    const one = singleWall.get(variant) ?? Number.NaN;
    json["fleet"] = {
      variant,
      runs: fleet.runs,
      failed: fleet.failed,
      totalMs: Math.round(fleet.totalMs),
      oneRunMs: Math.round(one),
      ratio: round(fleet.totalMs / one, 3),
      runWallMs: rounded(spread(fleet.wallsMs)),
      armReads: fleet.requests.filter((r) => r.service === "arm" && r.method === "GET").length,
    };
    if (throttleDivisor > 0) {
      bench.setLatencies(latencies(variant));
      const t = await measureThrottledFleet(bench, fleetSize, throttleDivisor);
      const armReads = t.requests.filter((r) => r.service === "arm" && r.method === "GET");
      json["throttledFleet"] = {
        variant,
        divisor: throttleDivisor,
        buckets: t.throttling,
        runs: t.runs,
        failed: t.failed,
        totalMs: Math.round(t.totalMs),
        runWallMs: rounded(spread(t.wallsMs)),
        armReads: armReads.length,
        armReadsPerSecond: round(armReads.length / (t.totalMs / 1000), 1),
        armReadsAnsweredPerSecond: round(armReads.filter((r) => r.status !== 429).length / (t.totalMs / 1000), 1),
        armWrites: t.requests.filter((r) => r.service === "arm" && r.method !== "GET" && r.method !== "HEAD").length,
        throttled: t.throttled,
        throttledReads: armReads.filter((r) => r.status === 429).length,
        failures: t.failures,
      };
    }
  }
  const dist = join(BUNDLE, "..");
  const files = Object.fromEntries(readdirSync(dist).map((name) => [name, statSync(join(dist, name)).size]));
  json["bundle"] = { distBytes: bytesOf(dist), indexJsBytes: statSync(BUNDLE).size, files };
  json["node"] = process.version;
  json["benchSeconds"] = Math.round((Date.now() - startedAt) / 1000);
} finally {
  await bench.cloud.close();
}

console.log(`aks-flux-bootstrap benchmark (node ${process.version}; ${runs} runs per variant; min / median / max)\n`);
for (const o of overhead) {
  printOverhead(o);
  const az = scriptedAz.get(o.variant);
  if (az) printAz(az);
  const trace = traces.get(o.variant as Variant);
  if (trace) printTrace(o.variant, trace);
}
printRest(json);
console.log(`\nJSON:\n${JSON.stringify(json, null, 2)}`);
if (flags.json) writeFileSync(flags.json, `${JSON.stringify(json, null, 2)}\n`);
