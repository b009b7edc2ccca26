// The benchmark's tables: what scripts/bench.ts measured, printed for people (the JSON follows them).
import { round, type Latencies, type Spread } from "./analyse.ts";

export interface OverheadFigures {
  readonly variant: string;
  readonly latencies: Latencies;
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
  console.log(
    `== ${o.variant}: apply, ${l.retryAfterSeconds > 0 ? `Retry-After ${l.retryAfterSeconds} s` : "no Retry-After"}: extension ${l.extensionInstallMs} ms, configuration hand-over ${l.configurationMs} ms, agent start ${l.reconciliationMs} ms, operation end ${l.operationEndMs} ms, GitHub ${l.githubRequestMs} ms/request, Azure ${l.armRequestMs} ms/request`,
  );
  console.log(`critical path = ${o.criticalPathFormula ?? "?"}`);
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
}
