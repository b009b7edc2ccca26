// `npm run bench`: runs the bundled action (dist/index.js; `npm run build` first) against the local cloud with
// fixed server-side latencies and prints the overhead ratio, cold start, requests and polling, bundle size and
// fleet scaling as tables and as JSON. Loopback only; bounded in runs and time (about 3 minutes by default).
//   node scripts/bench.ts [--runs 5] [--critical 10] [--retry-after 1,0] [--arm-latency 40] [--github-latency 60]
//                         [--cold-runs 15] [--fleet 20] [--json file]
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { PHASES, round, spread, type Latencies, type Spread } from "./bench/analyse.ts";
import { measureApply, measureBareNode, measureFleet, measurePlan, type ApplyRun, type Breakdown } from "./bench/measure.ts";
import { BUNDLE, freshScenario, runBundle, startBenchCloud } from "./bench/run.ts";

const { values: flags } = parseArgs({
  options: {
    runs: { type: "string", default: "5" },
    critical: { type: "string", default: "10" },
    "retry-after": { type: "string", default: "1,0" },
    "arm-latency": { type: "string", default: "40" },
    "github-latency": { type: "string", default: "60" },
    "cold-runs": { type: "string", default: "15" },
    fleet: { type: "string", default: "20" },
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
const retryAfters = (flags["retry-after"] ?? "1").split(",").map((v) => bounded("retry-after", v, 0, 10));
const fleetSize = bounded("fleet", flags.fleet, 0, 40);
const coldRuns = bounded("cold-runs", flags["cold-runs"], 1, 20);

/**
 * The server-side phases split the critical seconds 55 : 15 : 15 : 15 (extension install; configuration hand-over to the
 * agent; the agent's start; the operation's end after its first report, as Azure records it).
 */
function latencies(retryAfterSeconds: number): Latencies {
  const ms = criticalSeconds * 1000;
  return {
    extensionInstallMs: Math.round(ms * 0.55),
    configurationMs: Math.round(ms * 0.15),
    reconciliationMs: Math.round(ms * 0.15),
    operationEndMs: Math.round(ms * 0.15),
    githubRequestMs: bounded("github-latency", flags["github-latency"], 0, 1000),
    armRequestMs: bounded("arm-latency", flags["arm-latency"], 0, 1000),
    retryAfterSeconds,
  };
}

function bytesOf(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    return sum + (entry.isDirectory() ? bytesOf(path) : statSync(path).size);
  }, 0);
}

function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]): string =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(cells[0] ?? []), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

const s3 = (s: Spread, digits = 0): string[] => [round(s.min, digits), round(s.median, digits), round(s.max, digits)].map(String);
const rounded = (s: Spread, digits = 0): Spread => ({
  min: round(s.min, digits),
  median: round(s.median, digits),
  max: round(s.max, digits),
});

if (!existsSync(BUNDLE)) {
  console.error("dist/index.js is missing: run `npm run build` first.");
  process.exit(1);
}

const startedAt = Date.now();
const bench = await startBenchCloud();
const json: Record<string, unknown> = {};
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

  const overhead: Record<string, unknown>[] = [];
  const singleWall = new Map<number, number>();
  for (const retryAfter of retryAfters) {
    const l = latencies(retryAfter);
    bench.setLatencies(l);
    const results: ApplyRun[] = [];
    for (let i = 0; i < runs; i += 1) results.push(await measureApply(bench, l, `ra${retryAfter}`));
    const wall = spread(results.map((r) => r.wallMs));
    singleWall.set(retryAfter, wall.median);
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
      latencies: l,
      criticalPathMs: rounded(spread(results.map((r) => r.criticalMs))),
      criticalPathFormula: results[0]?.formula,
      wallMs: rounded(wall),
      ratio: rounded(spread(results.map((r) => r.ratio)), 3),
      agentGitFetchMs: rounded(spread(results.map((r) => r.agentFetchMs))),
      breakdownMs: breakdown,
      requestsByPhase: requests,
      requestsTotal: spread(results.map((r) => r.total)).median,
      polling: polls,
    });
  }
  json["overhead"] = overhead;

  if (fleetSize > 0) {
    const retryAfter = retryAfters[0] ?? 0;
    bench.setLatencies(latencies(retryAfter));
    const fleet = await measureFleet(bench, fleetSize);
    const one = singleWall.get(retryAfter) ?? Number.NaN;
    json["fleet"] = {
      runs: fleet.runs,
      failed: fleet.failed,
      retryAfterSeconds: retryAfter,
      totalMs: Math.round(fleet.totalMs),
      oneRunMs: Math.round(one),
      ratio: round(fleet.totalMs / one, 3),
      runWallMs: rounded(spread(fleet.wallsMs)),
    };
  }
  const dist = join(BUNDLE, "..");
  const files = Object.fromEntries(readdirSync(dist).map((name) => [name, statSync(join(dist, name)).size]));
  json["bundle"] = { distBytes: bytesOf(dist), indexJsBytes: statSync(BUNDLE).size, files };
  json["node"] = process.version;
  json["benchSeconds"] = Math.round((Date.now() - startedAt) / 1000);
} finally {
  await bench.cloud.close();
}

// Tables.
console.log(`aks-flux-bootstrap benchmark (node ${process.version}; ${runs} runs per setting; min / median / max)\n`);
for (const o of json["overhead"] as {
  latencies: Latencies;
  criticalPathMs: Spread;
  criticalPathFormula: string;
  wallMs: Spread;
  ratio: Spread;
  agentGitFetchMs: Spread;
  breakdownMs: Record<string, Spread>;
  requestsByPhase: Record<string, number>;
  requestsTotal: number;
  polling: {
    what: string;
    polls: number;
    intervalMs: Spread;
    retryAfterMs: number | null;
    fasterThanAsked: number;
    firstAfterWriteMs: Spread | null;
  }[];
}[]) {
  const l = o.latencies;
  console.log(
    `== apply, Retry-After ${l.retryAfterSeconds} s: extension ${l.extensionInstallMs} ms, configuration hand-over ${l.configurationMs} ms, agent start ${l.reconciliationMs} ms, operation end ${l.operationEndMs} ms, GitHub ${l.githubRequestMs} ms/request, Azure ${l.armRequestMs} ms/request`,
  );
  console.log(`critical path = ${o.criticalPathFormula}`);
  console.log(
    table(
      ["", "min", "median", "max"],
      [
        ["critical path ms", ...s3(o.criticalPathMs)],
        ["wall ms", ...s3(o.wallMs)],
        ["overhead ratio", ...s3(o.ratio, 3)],
        ...Object.entries(o.breakdownMs).map(([k, v]) => [`  ${k} ms`, ...s3(v)]),
      ],
    ),
  );
  console.log();
  console.log(
    table(["requests (median)", ...Object.keys(o.requestsByPhase), "total"], [["", ...Object.values(o.requestsByPhase), o.requestsTotal]]),
  );
  console.log();
  console.log(
    table(
      ["polling", "polls", "first gap after write", "gap min", "gap median", "gap max", "Retry-After", "faster than asked"],
      o.polling.map((p) => [
        p.what,
        p.polls,
        p.firstAfterWriteMs ? round(p.firstAfterWriteMs.median) : "-",
        ...s3(p.intervalMs),
        p.retryAfterMs ?? "none",
        p.fasterThanAsked,
      ]),
    ),
  );
  console.log();
}
const c = json["coldStart"] as {
  runs: number;
  firstRequestMs: Spread;
  firstGitHubRequestMs: Spread;
  planRunMs: Spread;
  bareNodeMs: Spread;
};
console.log(
  table(
    [`cold start (plan, warm local cloud, ${c.runs} runs)`, "min", "median", "max"],
    [
      ["spawn → first request ms", ...s3(c.firstRequestMs)],
      ["spawn → first GitHub request ms", ...s3(c.firstGitHubRequestMs)],
      ["whole run ms", ...s3(c.planRunMs)],
      ["node -e 0 ms (baseline)", ...s3(c.bareNodeMs)],
    ],
  ),
);
console.log();
const f = json["fleet"] as
  { runs: number; failed: number; totalMs: number; oneRunMs: number; ratio: number; runWallMs: Spread } | undefined;
if (f) {
  console.log(
    table(
      ["fleet", "runs", "failed", "total ms", "one run ms", "total / one", "run wall min", "median", "max"],
      [["concurrent applies", f.runs, f.failed, f.totalMs, f.oneRunMs, f.ratio, ...s3(f.runWallMs)]],
    ),
  );
  console.log();
}
const b = json["bundle"] as { distBytes: number; indexJsBytes: number; files: Record<string, number> };
console.log(`bundle: dist/ ${b.distBytes} bytes (index.js ${b.indexJsBytes})`);
console.log(table(["dist/ file", "bytes"], Object.entries(b.files)));
console.log(`\nJSON:\n${JSON.stringify(json, null, 2)}`);
if (flags.json) writeFileSync(flags.json, `${JSON.stringify(json, null, 2)}\n`);
