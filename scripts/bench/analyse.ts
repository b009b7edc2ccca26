// Pure arithmetic of the benchmark: the critical path of the server-side latencies, which phase each request
// of the traffic log belongs to, the polling intervals against the Retry-After the server sent, and statistics.
import type { LoggedRequest } from "../../emulator/index.ts";

/** Server-side latencies of one run, all in milliseconds. */
export interface Latencies {
  readonly extensionInstallMs: number;
  readonly configurationMs: number;
  readonly reconciliationMs: number;
  /** From the Flux agent's first report to the end of the configuration's operation (recorded on Azure: 10–24 s). */
  readonly operationEndMs: number;
  /** Added before every GitHub request is handled (REST and the Actions OIDC token service). */
  readonly githubRequestMs: number;
  /** Added before every Azure request is handled (ARM and Entra ID). */
  readonly armRequestMs: number;
  readonly retryAfterSeconds: number;
}

export interface CriticalPath {
  readonly ms: number;
  readonly formula: string;
}

/**
 * The least time any client could take, given the latencies it cannot avoid:
 *   extension side = OIDC token (G) + Entra discovery and token (2A) + extension list (A) + extension PUT (A) + install
 *   key side       = repository, /meta and deploy keys read in parallel (G) + deploy key POST (G)
 *   then             configuration PUT (A) + hand-over to the agent + the agent's start + its git fetch, its first report,
 *                    the operation's end after that report, and one read of the configuration (A) that shows the result.
 * A poll that observes a finished state can be sent so that it is handled the moment the state changes, so the
 * polls themselves add nothing here; everything the action spends beyond this is its overhead.
 */
export function criticalPath(l: Latencies, agentFetchMs: number): CriticalPath {
  const extensionSide = l.githubRequestMs + 4 * l.armRequestMs + l.extensionInstallMs;
  const keySide = 2 * l.githubRequestMs;
  const ms =
    Math.max(extensionSide, keySide) + 2 * l.armRequestMs + l.configurationMs + l.reconciliationMs + agentFetchMs + l.operationEndMs;
  const formula =
    `max(G + 4A + extension ${l.extensionInstallMs}, 2G) + A + configuration ${l.configurationMs} + reconciliation ${l.reconciliationMs}` +
    ` + agent git fetch ${Math.round(agentFetchMs)} + operation end ${l.operationEndMs} + A (G=${l.githubRequestMs}, A=${l.armRequestMs})`;
  return { ms, formula };
}

export type Phase = "sign-in" | "preflight" | "read" | "extension" | "deploy key" | "configuration" | "reconciliation" | "other";
export const PHASES: readonly Phase[] = [
  "sign-in",
  "preflight",
  "read",
  "extension",
  "deploy key",
  "configuration",
  "reconciliation",
  "other",
];

const CONFIGURATION = /\/fluxConfigurations\/[^/?]+/i;
const EXTENSIONS = /\/extensions(\/|\?|$)/i;

/** Which phase each request of one run belongs to, in log order. */
export function phasesOf(log: readonly LoggedRequest[]): Phase[] {
  let configurationWritten = false;
  return log.map((r): Phase => {
    if (r.service === "oidc" || r.service === "entra") return "sign-in";
    if (r.service === "github") return r.method === "GET" ? "read" : "deploy key";
    if (EXTENSIONS.test(r.path)) return r.method === "GET" && !r.path.includes("/extensions/") ? "read" : "extension";
    if (CONFIGURATION.test(r.path)) {
      if (r.method !== "GET" || r.path.includes("/operations/")) {
        configurationWritten = true;
        return "configuration";
      }
      return configurationWritten ? "reconciliation" : "read";
    }
    if (r.service === "arm" && r.method === "GET") return "preflight";
    return "other";
  });
}

export function countByPhase(log: readonly LoggedRequest[]): Record<Phase, number> {
  const counts = Object.fromEntries(PHASES.map((p) => [p, 0])) as Record<Phase, number>;
  for (const phase of phasesOf(log)) counts[phase] += 1;
  return counts;
}

export interface PollSeries {
  /** "extension", "configuration" or "reconciliation". */
  readonly what: string;
  readonly polls: number;
  /** Gaps between the write and the first poll, then between successive polls (ms). */
  readonly intervalsMs: readonly number[];
  /** What the server asked for (ms), or undefined when it sent no Retry-After. */
  readonly retryAfterMs: number | undefined;
  /** Gaps shorter than the server asked for. */
  readonly tooFast: number;
}

/** Polls of each long-running operation (by its operation URL) and of the reconciliation wait. */
export function pollSeries(log: readonly LoggedRequest[], retryAfterSeconds: number, times: (r: LoggedRequest) => number): PollSeries[] {
  const series: PollSeries[] = [];
  const phases = phasesOf(log);
  for (const what of ["extension", "configuration"] as const) {
    const write = log.find((r, i) => phases[i] === what && (r.method === "PUT" || r.method === "PATCH"));
    if (!write) continue;
    const polls = log.filter((r) => r.path.includes("/operations/") && phases[log.indexOf(r)] === what);
    const stamps = [write, ...polls].map(times);
    const intervalsMs = stamps.slice(1).map((t, i) => t - (stamps[i] ?? t));
    const retryAfterMs = retryAfterSeconds > 0 ? retryAfterSeconds * 1000 : undefined;
    series.push({
      what,
      polls: polls.length,
      intervalsMs,
      retryAfterMs,
      tooFast: retryAfterMs === undefined ? 0 : intervalsMs.filter((g) => g < retryAfterMs).length,
    });
  }
  const waits = log.filter((_, i) => phases[i] === "reconciliation");
  const stamps = waits.map(times);
  const intervalsMs = stamps.slice(1).map((t, i) => t - (stamps[i] ?? t));
  if (waits.length > 0) series.push({ what: "reconciliation", polls: waits.length, intervalsMs, retryAfterMs: undefined, tooFast: 0 });
  return series;
}

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return { min: Number.NaN, median: Number.NaN, max: Number.NaN };
  const mid = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  return { min: sorted[0] ?? 0, median, max: sorted[sorted.length - 1] ?? 0 };
}

export function round(value: number, digits = 0): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** The least stride from 2 up that is coprime to n: i ↦ (stride·i + 1) mod n then visits every residue once. */
function coprimeStride(n: number): number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let stride = 2;
  while (gcd(stride, n) !== 1) stride += 1;
  return stride;
}

/** The shortest an extension install is moved to by `phased` (unless it was shorter already). */
export const MIN_PHASED_EXTENSION_MS = 1000;

/**
 * Run i of n moves the extension's end and the operation's end each by a different part of ±1 s: the centre of
 * stratum i (extension) and of stratum (stride·i + 1) mod n (operation end), two permutations of the n strata, so that
 * over n runs each end meets the poll grid at every phase once and the two ends are not moved alike. The median lag
 * is then the expected one, not the luck of one fixed phase (with fixed latencies every run meets the grid at the
 * same point). A moved extension install stays at least MIN_PHASED_EXTENSION_MS, an operation's end at least 0.
 */
export function phased(l: Latencies, i: number, n: number): Latencies {
  const shift = (k: number): number => Math.round((((k % n) + 0.5) / n) * 2000 - 1000);
  const floor = Math.min(l.extensionInstallMs, MIN_PHASED_EXTENSION_MS);
  return {
    ...l,
    extensionInstallMs: Math.max(floor, l.extensionInstallMs + shift(i)),
    operationEndMs: Math.max(0, l.operationEndMs + shift(coprimeStride(n) * i + 1)),
  };
}

export interface TraceLine {
  /** When the local cloud answered, since spawn (ms). */
  readonly ms: number;
  readonly service: string;
  readonly method: string;
  readonly status: number;
  /** Path and query, the cluster's resource id at its start replaced by "…". */
  readonly path: string;
}

/** One line per request of a run, for reading its critical path. */
export function traceOf(
  log: readonly LoggedRequest[],
  spawnedAt: number,
  times: (r: LoggedRequest) => number,
  clusterId: string,
): TraceLine[] {
  const prefix = clusterId.toLowerCase();
  return log.map((r) => {
    let path = r.path;
    if (path.toLowerCase().startsWith(prefix)) path = `…${path.slice(prefix.length)}`;
    return { ms: Math.round(times(r) - spawnedAt), service: r.service, method: r.method, status: r.status, path };
  });
}
