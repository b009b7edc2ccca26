// The benchmark's tables: what scripts/bench.ts measured, printed for people (the JSON follows them).
import { round, type Latencies, type Spread, type TraceLine } from "./analyse.ts";

export interface OverheadFigures {
  readonly variant: string;
  /** The variant's latencies before phasing. */
  readonly latencies: Latencies;
  /** How phased() moved each run's extension and operation ends (the moved latencies, min / median / max). */
  readonly phasing: {
    readonly runs: number;
    readonly extensionInstallMs: Spread;
    readonly operationEndMs: Spread;
    readonly note: string;
  };
  readonly criticalPathMs: Spread;
  readonly criticalPathFormula: string | undefined;
  readonly wallMs: Spread;
  readonly ratio: Spread;
  readonly agentGitFetchMs: Spread;
  readonly breakdownMs: Record<string, Spread>;
  readonly requestsByPhase: Record<string, number>;
  readonly requestsTotal: number;
  /** ARM GET requests per apply (reads counted against ARM's read limits), min / median / max. */
  readonly armReads: Spread;
  /** Polls of an operation sooner than the Retry-After its last answer asked for, over all runs. */
  readonly earlyPolls: number;
  readonly polling: readonly {
    readonly what: string;
    readonly polls: number;
    readonly intervalMs: Spread;
    readonly retryAfterMs: number | null;
    readonly fasterThanAsked: number;
    readonly firstAfterWriteMs: Spread | null;
  }[];
}

export function table(header: readonly string[], rows: readonly (readonly (string | number)[])[]): string {
  const cells = [header, ...rows].map((row) => row.map(String));
  const widths = header.map((_, i) => Math.max(...cells.map((row) => (row[i] ?? "").length)));
  const line = (row: readonly string[]): string =>
    row.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join("  ");
  return [line(cells[0] ?? []), widths.map((w) => "-".repeat(w)).join("  "), ...cells.slice(1).map(line)].join("\n");
}

export const s3 = (s: Spread, digits = 0): string[] => [round(s.min, digits), round(s.median, digits), round(s.max, digits)].map(String);

export function printOverhead(o: OverheadFigures): void {
  const l = o.latencies;
  const p = o.phasing;
  console.log(
    `== ${o.variant}: apply, ${l.retryAfterSeconds > 0 ? `Retry-After ${l.retryAfterSeconds} s` : "no Retry-After"}, phased over ${p.runs} runs: extension ${l.extensionInstallMs} ms (runs ${p.extensionInstallMs.min}–${p.extensionInstallMs.max}), configuration hand-over ${l.configurationMs} ms, agent start ${l.reconciliationMs} ms, operation end ${l.operationEndMs} ms (runs ${p.operationEndMs.min}–${p.operationEndMs.max}), GitHub ${l.githubRequestMs} ms/request, Azure ${l.armRequestMs} ms/request`,
  );
  console.log(`phased: ${p.note}`);
  console.log(`critical path (first run) = ${o.criticalPathFormula ?? "?"}`);
  console.log(
    table(
      ["", "min", "median", "max"],
      [
        ["critical path ms", ...s3(o.criticalPathMs)],
        ["wall ms", ...s3(o.wallMs)],
        ["overhead ratio", ...s3(o.ratio, 3)],
        ["ARM reads per apply", ...s3(o.armReads)],
        ...Object.entries(o.breakdownMs).map(([k, v]) => [`  ${k} ms`, ...s3(v)]),
      ],
    ),
  );
  console.log(`polls sooner than Retry-After (all runs): ${o.earlyPolls}`);
  console.log();
  console.log(
    table(["requests (median)", ...Object.keys(o.requestsByPhase), "total"], [["", ...Object.values(o.requestsByPhase), o.requestsTotal]]),
  );
  console.log();
  console.log(
    table(
      ["polling", "reads", "first gap after write", "gap min", "gap median", "gap max", "Retry-After", "faster than asked"],
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

export function printRest(json: Record<string, unknown>): void {
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
    { runs: number; failed: number; totalMs: number; oneRunMs: number; ratio: number; runWallMs: Spread; armReads: number } | undefined;
  if (f) {
    console.log(
      table(
        ["fleet", "runs", "failed", "total ms", "one run ms", "total / one", "run wall min", "median", "max", "ARM reads"],
        [["concurrent applies", f.runs, f.failed, f.totalMs, f.oneRunMs, f.ratio, ...s3(f.runWallMs), f.armReads]],
      ),
    );
    console.log();
  }
  const t = json["throttledFleet"] as
    | {
        divisor: number;
        buckets: Record<string, { size: number; refillPerSecond: number }>;
        runs: number;
        failed: number;
        totalMs: number;
        runWallMs: Spread;
        armReads: number;
        armReadsPerSecond: number;
        armReadsAnsweredPerSecond: number;
        armWrites: number;
        throttled: number;
        throttledReads: number;
        failures: readonly string[];
      }
    | undefined;
  if (t) {
    const buckets = Object.entries(t.buckets)
      .map(([k, b]) => `${k} ${b.size} + ${round(b.refillPerSecond, 2)}/s`)
      .join(", ");
    console.log(`fleet under ARM's throttling: ARM's buckets ÷ ${t.divisor}, shared by the fleet (one subscription): ${buckets}`);
    console.log(
      table(
        [
          "throttled fleet",
          "runs",
          "failed",
          "total ms",
          "run wall median",
          "max",
          "ARM reads",
          "reads/s",
          "not 429/s",
          "ARM writes",
          "429s",
          "of them reads",
        ],
        [
          [
            "concurrent applies",
            t.runs,
            t.failed,
            t.totalMs,
            round(t.runWallMs.median),
            round(t.runWallMs.max),
            t.armReads,
            t.armReadsPerSecond,
            t.armReadsAnsweredPerSecond,
            t.armWrites,
            t.throttled,
            t.throttledReads,
          ],
        ],
      ),
    );
    for (const failure of t.failures) console.log(`  failed: ${failure}`);
    console.log();
  }
  const b = json["bundle"] as { distBytes: number; indexJsBytes: number; files: Record<string, number> };
  console.log(`bundle: dist/ ${b.distBytes} bytes (index.js ${b.indexJsBytes})`);
  console.log(table(["dist/ file", "bytes"], Object.entries(b.files)));
}

/** Every request of one apply, as the local cloud answered it: for reading the critical path. */
export function printTrace(variant: string, trace: readonly TraceLine[]): void {
  console.log(`trace: first ${variant} apply, one line per request (ms since spawn, when answered; … = the cluster's resource id)`);
  const width = (f: (t: TraceLine) => string | number): number => Math.max(0, ...trace.map((t) => String(f(t)).length));
  const [ms, service, method] = [width((t) => t.ms), width((t) => t.service), width((t) => t.method)];
  for (const t of trace) {
    console.log(
      `${String(t.ms).padStart(ms)}  ${t.service.padEnd(service)}  ${t.method.padEnd(method)}  ${String(t.status).padStart(3)}  ${t.path}`,
    );
  }
  console.log();
}
