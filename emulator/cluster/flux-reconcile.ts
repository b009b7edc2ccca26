// One reconciliation of one flux configuration by the stand-in agent: decide whether Flux would act (a new
// GitRepository / Kustomization generation, a key change, a scheduled fetch), fetch with real git over SSH, and land
// the report(s) Flux's objects go through.
import type { AgentBehaviour } from "./agent-behaviour.ts";
import { heldClusterKey } from "./cluster-key.ts";
import type { ClusterKey } from "./cluster-key.ts";
import { fetchSource } from "./flux-source.ts";
import { describe, signature, waiting } from "./flux-status.ts";
import type { AgentReport, AgentView } from "./flux-status.ts";

export interface AgentReportRecord {
  /** = the report's statusUpdatedAt. */
  readonly at: string;
  readonly generation: number;
  readonly complianceState: string;
  readonly sourceSyncedCommitId: string;
  /** The report rests on a fetch (not a Suspended / Pending report). */
  readonly fetched: boolean;
  /** SHA256:… of the key that fetch used. */
  readonly keyFingerprint?: string;
  /** One of the reports showing kustomizations still being applied. */
  readonly progressing: boolean;
}

export interface AgentFetchRecord {
  /** When the fetch started (when the key was offered to the git host). */
  readonly at: string;
  readonly generation: number;
  readonly keyFingerprint?: string;
  readonly ok: boolean;
}

/** What the agent remembers of a configuration: the spec it last acted on and what it last reported. */
export interface Memory {
  generation: number;
  source: string;
  kustomizations: string;
  key: string;
  waiting: "Pending" | "Suspended" | undefined;
  fetchedAt: number | undefined;
  sha: string | undefined;
  fetchedKustomizations: string | undefined;
  reported: string | undefined;
  /** The pair the agent made for this configuration (generateKeys); forgotten with the configuration. */
  clusterKey: ClusterKey | undefined;
  /** Source fetches failed in a row (the rate limiter's count); a success resets it. */
  failures: number;
  /** When the failed fetch is retried (Date.now() ms); undefined when none is due. */
  retryAt: number | undefined;
}

export interface ReconcileContext {
  readonly view: (id: string) => AgentView | undefined;
  /** Lands a report; false when it was dropped (an older generation, or the configuration is gone). */
  readonly report: (id: string, generation: number, report: AgentReport) => boolean;
  /** The agent has processed `generation`: made its first report for it (`reported`), or decided to make none. */
  readonly processed: (id: string, generation: number, reported: boolean) => void;
  readonly behaviour: () => AgentBehaviour;
  readonly memory: Map<string, Memory>;
  readonly reports: (id: string) => AgentReportRecord[];
  readonly fetches: (id: string) => AgentFetchRecord[];
  readonly pause: (ms: number) => Promise<void>;
  readonly stopped: () => boolean;
  readonly tmpRoot?: string;
}

/** generation: a new spec handed over by the RP; poke: the cluster's Flux extension changed; force: reconcileNow / periodic pass. */
export type Trigger = "generation" | "poke" | "force";

const now = (): string => new Date().toISOString();

/** Flux's GitRepository spec as the agent writes it: a change bumps its generation, and source-controller reconciles. */
function sourceSpec(view: AgentView): string {
  return JSON.stringify([view.url, view.ref, view.syncIntervalInSeconds, view.timeoutInSeconds, view.sshKnownHosts ?? "", view.suspend]);
}

function land(
  ctx: ReconcileContext,
  id: string,
  generation: number,
  report: AgentReport,
  meta: { fetched: boolean; keyFingerprint?: string | undefined; progressing: boolean },
): boolean {
  if (!ctx.report(id, generation, report)) return false;
  const memory = ctx.memory.get(id.toLowerCase());
  if (memory) memory.reported = signature(report);
  ctx.reports(id).push({
    at: report.statusUpdatedAt,
    generation,
    complianceState: report.complianceState,
    sourceSyncedCommitId: report.sourceSyncedCommitId,
    fetched: meta.fetched,
    ...(meta.keyFingerprint ? { keyFingerprint: meta.keyFingerprint } : {}),
    progressing: meta.progressing,
  });
  return true;
}

/**
 * Fetches and reports. `always`: report even when nothing changed (a new GitRepository generation moves its
 * status.observedGeneration, so Azure's agent has something to push). A new or changed source first goes through
 * `progressingReports` reports `progressStepMs` apart. `onFirst` runs once, after the first report (or when none is made).
 */
export async function fetchAndReport(
  ctx: ReconcileContext,
  id: string,
  view: AgentView,
  always: boolean,
  onFirst: (reported: boolean) => void = () => undefined,
): Promise<void> {
  const memory = ctx.memory.get(id.toLowerCase());
  if (!memory) return onFirst(false);
  memory.retryAt = undefined;
  const sshPrivateKey = view.sshPrivateKey ?? (await heldClusterKey(memory, ctx.behaviour(), view.url, ctx.tmpRoot))?.privateKey;
  const at = now();
  const result = await fetchSource({
    url: view.url,
    ref: view.ref,
    ...(sshPrivateKey ? { sshPrivateKey } : {}),
    ...(view.sshKnownHosts ? { sshKnownHosts: view.sshKnownHosts } : {}),
    paths: Object.values(view.kustomizations).map((k) => k.path ?? ""),
    timeoutMs: Math.min(view.timeoutInSeconds, 120) * 1000,
    ...(ctx.tmpRoot ? { tmpRoot: ctx.tmpRoot } : {}),
  });
  memory.fetchedAt = Date.now();
  // A failed reconcile is requeued rate-limited (retryMinMs doubling up to retryMaxMs); a success forgets the count.
  const { retryMinMs, retryMaxMs } = ctx.behaviour();
  memory.retryAt = result.ok ? undefined : Date.now() + Math.min(retryMinMs * 2 ** Math.min(memory.failures, 40), retryMaxMs);
  memory.failures = result.ok ? 0 : memory.failures + 1;
  ctx
    .fetches(id)
    .push({ at, generation: view.generation, ...(result.keyFingerprint ? { keyFingerprint: result.keyFingerprint } : {}), ok: result.ok });
  const kustomizations = JSON.stringify(view.kustomizations);
  // New or changed source: first successful fetch, a new commit, or changed kustomizations. Terminal failures
  // (fetch denied, host key, missing path) are in the first report already: no progressing phase for a failed fetch.
  const fresh = result.ok && (memory.sha !== result.sha || memory.fetchedKustomizations !== kustomizations);
  if (result.ok) memory.sha = result.sha;
  memory.fetchedKustomizations = kustomizations;
  // Only kustomizations that can still be applied progress; a missing path is final from the first report.
  const progressable = result.ok && Object.values(view.kustomizations).some((k) => !result.missingPaths.includes(k.path ?? ""));
  const steps = fresh && progressable ? Math.max(0, ctx.behaviour().progressingReports) : 0;
  const meta = { fetched: true, keyFingerprint: result.keyFingerprint };
  let first = true;
  const emit = (report: AgentReport, progressing: boolean): void => {
    const landed = land(ctx, id, view.generation, report, { ...meta, progressing });
    if (first) onFirst(landed);
    first = false;
  };
  let current = view;
  for (let step = 0; step <= steps; step += 1) {
    if (step > 0) {
      await ctx.pause(ctx.behaviour().progressStepMs);
      const next = ctx.view(id);
      // A newer generation (or deletion) supersedes this sequence; its own processing reports.
      if (ctx.stopped() || !next || next.generation !== view.generation) return first ? onFirst(false) : undefined;
      current = next;
    }
    if (step < steps) {
      emit(describe(current, result, now(), step, ctx.behaviour().helmFailures), true);
      continue;
    }
    const final = describe(current, result, now(), undefined, ctx.behaviour().helmFailures);
    if (!always && !fresh && signature(final) === memory.reported) return first ? onFirst(false) : undefined;
    emit(final, false);
  }
}

/** Remembers the spec of `view`; returns it with what the agent remembered before (the spec it last acted on). */
function remember(ctx: ReconcileContext, id: string, view: AgentView): { previous: Memory | undefined; memory: Memory } {
  const key = id.toLowerCase();
  const known = ctx.memory.get(key);
  // A lower generation is a re-created configuration: nothing of the old one carries over.
  const previous = known && known.generation <= view.generation ? known : undefined;
  const memory: Memory = {
    fetchedAt: undefined,
    sha: undefined,
    fetchedKustomizations: undefined,
    reported: undefined,
    waiting: undefined,
    clusterKey: undefined,
    failures: 0,
    retryAt: undefined,
    ...previous,
    generation: view.generation,
    source: sourceSpec(view),
    kustomizations: JSON.stringify(view.kustomizations),
    key: view.sshPrivateKey ?? "",
  };
  ctx.memory.set(key, memory);
  return { previous: previous && { ...previous }, memory };
}

export async function reconcile(ctx: ReconcileContext, id: string, trigger: Trigger): Promise<void> {
  const view = ctx.view(id);
  if (!view) return;
  const { previous, memory } = remember(ctx, id, view);
  const processed = (reported: boolean): void => ctx.processed(id, view.generation, reported);
  if (view.suspend || !view.fluxInstalled) {
    const state = view.suspend ? "Suspended" : "Pending";
    if (trigger === "poke" && previous?.waiting === state) return processed(false);
    memory.waiting = state;
    return processed(land(ctx, id, view.generation, waiting(view, state, now()), { fetched: false, progressing: false }));
  }
  memory.waiting = undefined;
  const first = !previous || previous.waiting !== undefined || previous.fetchedAt === undefined;
  const specChanged = first || previous.source !== memory.source || previous.kustomizations !== memory.kustomizations;
  const keyChanged = !first && previous.key !== memory.key;
  // Key-only change: source-controller does not watch Secrets (GenerationChangedPredicate), so under "lazy" the
  // new key waits for the next sync interval or a GitRepository spec change. An unchanged spec: nothing for Flux to do.
  const acts = trigger === "force" || specChanged || (keyChanged && ctx.behaviour().keyFetch === "eager");
  if (!acts) return processed(false);
  await fetchAndReport(ctx, id, view, trigger !== "poke" || specChanged, processed);
}

/** A fetch at the sync interval, or the retry of a failed one: reports only what changed (on-change). */
export async function scheduledFetch(ctx: ReconcileContext, id: string): Promise<void> {
  const view = ctx.view(id);
  const memory = ctx.memory.get(id.toLowerCase());
  if (!view || !memory || view.generation !== memory.generation || view.suspend || !view.fluxInstalled) return;
  await fetchAndReport(ctx, id, view, false);
}
