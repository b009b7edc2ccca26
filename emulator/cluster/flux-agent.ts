// Stand-in for the Flux agents on the cluster (fluxconfig-agent + source-controller + kustomize-controller): takes
// each new generation the RP hands over, reconciles on the sync interval, and reports back what Flux shows.
// Reconciliations of one configuration run one at a time, in order.
import type { AgentBehaviour } from "./agent-behaviour.ts";
import { reconcile, scheduledFetch } from "./flux-reconcile.ts";
import type { AgentFetchRecord, AgentReportRecord, Memory, ReconcileContext, Trigger } from "./flux-reconcile.ts";
import type { AgentReport, AgentView } from "./flux-status.ts";

export type { AgentFetchRecord, AgentReportRecord };

export interface FluxAgentOptions {
  /** Reads a configuration by resource id; undefined once it is gone or while a new generation is not handed over yet. */
  readonly view: (id: string) => AgentView | undefined;
  /** Lands a report; false when it was dropped. */
  readonly report: (id: string, generation: number, report: AgentReport) => boolean;
  /** The agent has processed a generation (its first report, when it made one). */
  readonly processed: (id: string, generation: number, reported: boolean) => void;
  /** All configuration ids, for the scheduled fetches. */
  readonly ids: () => readonly string[];
  readonly delays: () => { readonly reconciliationMs: number; readonly reconcileIntervalMs: number };
  readonly behaviour: () => AgentBehaviour;
  /** Where fetches make their temp dirs (default: the OS temp dir). */
  readonly tmpRoot?: string;
}

export interface FluxAgent {
  /** The RP handed over a new generation: process it after the reconciliation delay. */
  readonly handoff: (id: string) => void;
  /** The cluster's Flux extension changed: look again (after the reconciliation delay). */
  readonly poke: (id: string) => void;
  /** The configuration is gone: forget what the cluster kept for it (its spec, its key pair). */
  readonly forget: (id: string) => void;
  /** Fetch and report every configuration now (like `flux reconcile --with-source`), then wait until idle. */
  readonly reconcileNow: () => Promise<void>;
  /** Resolves when no reconciliation is running or scheduled. */
  readonly idle: () => Promise<void>;
  readonly reports: (id: string) => readonly AgentReportRecord[];
  readonly fetches: (id: string) => readonly AgentFetchRecord[];
  /** The public half of the pair the agent made for a configuration (generateKeys), while it lives; never the private half. */
  readonly clusterKey: (id: string) => { readonly publicKey: string; readonly fingerprint: string } | undefined;
  readonly stop: () => void;
}

const TICK_MS = 25;

export function createFluxAgent(options: FluxAgentOptions): FluxAgent {
  const memory = new Map<string, Memory>();
  const reports = new Map<string, AgentReportRecord[]>();
  const fetches = new Map<string, AgentFetchRecord[]>();
  const chains = new Map<string, Promise<void>>();
  const timers = new Set<NodeJS.Timeout>();
  const pauses = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();
  let stopped = false;
  const list = <T>(map: Map<string, T[]>, id: string): T[] => {
    const key = id.toLowerCase();
    const found = map.get(key) ?? [];
    map.set(key, found);
    return found;
  };
  const ctx: ReconcileContext = {
    view: options.view,
    report: options.report,
    processed: options.processed,
    behaviour: options.behaviour,
    memory,
    reports: (id) => list(reports, id),
    fetches: (id) => list(fetches, id),
    pause: (ms) =>
      new Promise<void>((resolve) => {
        const entry = {
          timer: setTimeout(() => {
            pauses.delete(entry);
            resolve();
          }, ms),
          resolve,
        };
        pauses.add(entry);
      }),
    stopped: () => stopped,
    ...(options.tmpRoot ? { tmpRoot: options.tmpRoot } : {}),
  };

  const enqueue = (id: string, task: () => Promise<void>): void => {
    if (stopped) return;
    const key = id.toLowerCase();
    const tail = (chains.get(key) ?? Promise.resolve()).then(() => (stopped ? undefined : task())).catch(() => undefined);
    chains.set(key, tail);
    void tail.then(() => {
      if (chains.get(key) === tail) chains.delete(key);
    });
  };
  const later = (id: string, trigger: Trigger): void => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      enqueue(id, () => reconcile(ctx, id, trigger));
    }, options.delays().reconciliationMs);
    timers.add(timer);
  };

  // Scheduled fetches. The behaviour in force at each tick decides, so setAgent / setDelays are obeyed at once.
  // "on-change": each configuration is fetched every sync interval from its last fetch, and reports only a change.
  // "periodic": every reconcileIntervalMs every configuration is fetched and re-reported (a heartbeat).
  let lastPass = Date.now();
  const tick = (): void => {
    if (stopped) return;
    const ids = options.ids();
    const present = new Set(ids.map((id) => id.toLowerCase()));
    for (const key of memory.keys()) if (!present.has(key)) memory.delete(key);
    const behaviour = options.behaviour();
    // A failed fetch's retry is due (retryMinMs doubling up to retryMaxMs; see flux-reconcile.ts), in either reporting mode.
    for (const id of ids) {
      const known = memory.get(id.toLowerCase());
      if (known?.retryAt === undefined || Date.now() < known.retryAt || known.waiting !== undefined || chains.has(id.toLowerCase()))
        continue;
      if (options.view(id)?.generation === known.generation) enqueue(id, () => scheduledFetch(ctx, id));
    }
    if (behaviour.reporting === "periodic") {
      if (Date.now() - lastPass >= options.delays().reconcileIntervalMs) {
        lastPass = Date.now();
        for (const id of ids) if (!chains.has(id.toLowerCase())) enqueue(id, () => reconcile(ctx, id, "force"));
      }
    } else {
      lastPass = Date.now();
      for (const id of ids) {
        const known = memory.get(id.toLowerCase());
        if (!known || known.fetchedAt === undefined || known.waiting !== undefined || chains.has(id.toLowerCase())) continue;
        const view = options.view(id);
        if (!view) continue;
        const interval = behaviour.syncIntervalMs ?? view.syncIntervalInSeconds * 1000;
        if (Date.now() - known.fetchedAt >= interval) enqueue(id, () => scheduledFetch(ctx, id));
      }
    }
    periodic = setTimeout(tick, TICK_MS);
    periodic.unref();
  };
  let periodic = setTimeout(tick, TICK_MS);
  periodic.unref();

  const idle = async (): Promise<void> => {
    while (chains.size > 0 || timers.size > 0) {
      await Promise.all([...chains.values()]);
      if (timers.size > 0) await new Promise((r) => setTimeout(r, 5));
    }
  };
  return {
    handoff: (id) => later(id, "generation"),
    poke: (id) => later(id, "poke"),
    forget: (id) => void memory.delete(id.toLowerCase()),
    reconcileNow: async () => {
      for (const id of options.ids()) enqueue(id, () => reconcile(ctx, id, "force"));
      await idle();
    },
    idle,
    reports: (id) => [...(reports.get(id.toLowerCase()) ?? [])],
    fetches: (id) => [...(fetches.get(id.toLowerCase()) ?? [])],
    clusterKey: (id) => {
      const key = memory.get(id.toLowerCase())?.clusterKey;
      return key && { publicKey: key.publicKey, fingerprint: key.fingerprint };
    },
    stop: () => {
      stopped = true;
      clearTimeout(periodic);
      for (const t of timers) clearTimeout(t);
      timers.clear();
      for (const p of pauses) {
        clearTimeout(p.timer);
        p.resolve();
      }
      pauses.clear();
    },
  };
}
