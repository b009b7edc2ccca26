// Stand-in for the Flux agents on the cluster: reconciles each flux configuration whose provisioning
// succeeded (and whose cluster runs a Succeeded microsoft.flux extension), and reports back what
// source-controller and kustomize-controller would: compliance, statuses[] and the synced commit.
import { randomBytes } from "node:crypto";
import { fetchSource, normalizePath } from "./flux-source.ts";
import type { RepositoryRef, SourceResult } from "./flux-source.ts";

export interface KustomizationSpec {
  readonly path?: string;
  readonly dependsOn?: readonly string[] | null;
}

/** The parts of a stored flux configuration the agent reads. */
export interface AgentView {
  readonly name: string;
  readonly namespace: string;
  readonly suspend: boolean;
  readonly url: string;
  readonly ref: RepositoryRef;
  readonly sshKnownHosts?: string;
  readonly sshPrivateKey?: string;
  readonly timeoutInSeconds: number;
  readonly kustomizations: Readonly<Record<string, KustomizationSpec>>;
  /** A Succeeded microsoft.flux extension exists on the cluster. */
  readonly fluxInstalled: boolean;
  /** Bumped on every spec change; a report for an older generation is dropped. */
  readonly generation: number;
  readonly previous: { readonly sha: string; readonly sourceSyncedCommitId: string; readonly sourceUpdatedAt: string | null; readonly statuses: readonly ObjectStatus[] };
}

export interface StatusCondition {
  readonly type: string;
  readonly status: "True" | "False" | "Unknown";
  readonly reason: string;
  readonly message: string;
  readonly lastTransitionTime: string;
}

export interface ObjectStatus {
  readonly name: string;
  readonly namespace: string;
  readonly kind: "GitRepository" | "Kustomization";
  readonly complianceState: "Compliant" | "Non-Compliant" | "Pending" | "Suspended";
  readonly appliedBy: { readonly name: string; readonly namespace: string } | null;
  readonly statusConditions: readonly StatusCondition[];
  readonly helmReleaseProperties: null;
}

export interface AgentReport {
  readonly complianceState: "Compliant" | "Non-Compliant" | "Pending" | "Suspended";
  readonly statuses: readonly ObjectStatus[];
  readonly sourceSyncedCommitId: string;
  readonly sourceUpdatedAt: string | null;
  readonly statusUpdatedAt: string;
  readonly errorMessage: string;
  readonly repositoryPublicKey: string;
  readonly sha: string;
}

export interface FluxAgentOptions {
  /** Reads a configuration by resource id; undefined once it is gone. */
  readonly view: (id: string) => AgentView | undefined;
  readonly report: (id: string, generation: number, report: AgentReport) => void;
  /** All configuration ids, for the periodic pass. */
  readonly ids: () => readonly string[];
  readonly delays: () => { readonly reconciliationMs: number; readonly reconcileIntervalMs: number };
  /** Where fetches make their temp dirs (default: the OS temp dir). */
  readonly tmpRoot?: string;
}

export interface FluxAgent {
  /** Reconcile soon (after the reconciliation delay). */
  readonly schedule: (id: string) => void;
  /** Resolves when no reconciliation is running or scheduled. */
  readonly idle: () => Promise<void>;
  readonly stop: () => void;
}

function condition(previous: readonly ObjectStatus[], name: string, next: Omit<StatusCondition, "lastTransitionTime">, now: string): StatusCondition {
  const old = previous.find((s) => s.name === name)?.statusConditions.find((c) => c.type === "Ready");
  const lastTransitionTime = old && old.status === next.status ? old.lastTransitionTime : now;
  return { ...next, lastTransitionTime };
}

/** Turns a fetch result into the statuses Flux reports (pure). */
export function describe(view: AgentView, result: SourceResult, now: string): AgentReport {
  const prev = view.previous.statuses;
  const revision = result.ok ? `${result.refName ? `${result.refName}@` : ""}sha1:${result.sha}` : "";
  const source: ObjectStatus = {
    name: view.name,
    namespace: view.namespace,
    kind: "GitRepository",
    complianceState: result.ok ? "Compliant" : "Non-Compliant",
    appliedBy: null,
    statusConditions: [condition(prev, view.name, result.ok
      ? { type: "Ready", status: "True", reason: "Succeeded", message: `stored artifact for revision '${revision}'` }
      : { type: "Ready", status: "False", reason: "GitOperationFailed", message: result.message }, now)],
    helmReleaseProperties: null,
  };
  const ready = new Map<string, boolean>();
  const workdir = `/tmp/kustomization-${randomBytes(5).toString("hex")}`;
  const kustomizations = Object.entries(view.kustomizations).map(([key, spec]): ObjectStatus => {
    const name = `${view.name}-${key}`;
    const blocked = (spec.dependsOn ?? []).find((d) => ready.get(d) !== true);
    let next: Omit<StatusCondition, "lastTransitionTime">;
    if (!result.ok) {
      next = { type: "Ready", status: "False", reason: "ArtifactFailed", message: "Source artifact not found, retrying in 30s" };
    } else if (result.missingPaths.includes(spec.path ?? "")) {
      next = { type: "Ready", status: "False", reason: "ArtifactFailed",
        message: `kustomization path not found: stat ${workdir}/${normalizePath(spec.path ?? "")}: no such file or directory` };
    } else if (blocked !== undefined) {
      next = { type: "Ready", status: "False", reason: "DependencyNotReady", message: `dependency '${view.namespace}/${view.name}-${blocked}' is not ready` };
    } else {
      next = { type: "Ready", status: "True", reason: "ReconciliationSucceeded", message: `Applied revision: ${revision}` };
    }
    ready.set(key, next.status === "True");
    return {
      name, namespace: view.namespace, kind: "Kustomization",
      complianceState: next.status === "True" ? "Compliant" : "Non-Compliant",
      appliedBy: null, statusConditions: [condition(prev, name, next, now)], helmReleaseProperties: null,
    };
  });
  const statuses = [source, ...kustomizations];
  const failure = statuses.find((s) => s.complianceState !== "Compliant")?.statusConditions[0]?.message ?? "";
  const sha = result.ok ? result.sha : view.previous.sha;
  const refName = result.ok ? result.refName || "HEAD" : "";
  return {
    complianceState: failure ? "Non-Compliant" : "Compliant",
    statuses,
    sourceSyncedCommitId: result.ok ? `${refName}/${result.sha}` : view.previous.sourceSyncedCommitId,
    sourceUpdatedAt: result.ok && result.sha !== view.previous.sha ? now : view.previous.sourceUpdatedAt,
    statusUpdatedAt: now,
    errorMessage: failure,
    repositoryPublicKey: result.publicKey,
    sha,
  };
}

function waiting(view: AgentView, state: "Pending" | "Suspended", now: string): AgentReport {
  return {
    complianceState: state, statuses: view.previous.statuses, sourceSyncedCommitId: view.previous.sourceSyncedCommitId,
    sourceUpdatedAt: view.previous.sourceUpdatedAt, statusUpdatedAt: now, errorMessage: "", repositoryPublicKey: "", sha: view.previous.sha,
  };
}

async function reconcileOnce(options: FluxAgentOptions, id: string): Promise<void> {
  const view = options.view(id);
  if (!view) return;
  const now = (): string => new Date().toISOString();
  if (view.suspend) return options.report(id, view.generation, waiting(view, "Suspended", now()));
  if (!view.fluxInstalled) return options.report(id, view.generation, waiting(view, "Pending", now()));
  const paths = Object.values(view.kustomizations).map((k) => k.path ?? "");
  const result = await fetchSource({
    url: view.url, ref: view.ref, sshPrivateKey: view.sshPrivateKey, sshKnownHosts: view.sshKnownHosts,
    paths, timeoutMs: Math.min(view.timeoutInSeconds, 120) * 1000, ...(options.tmpRoot ? { tmpRoot: options.tmpRoot } : {}),
  });
  options.report(id, view.generation, describe(view, result, now()));
}

export function createFluxAgent(options: FluxAgentOptions): FluxAgent {
  const running = new Map<string, Promise<void>>();
  const again = new Set<string>();
  const timers = new Set<NodeJS.Timeout>();
  let stopped = false;

  const start = (id: string): void => {
    if (stopped) return;
    if (running.has(id)) {
      again.add(id);
      return;
    }
    const task = reconcileOnce(options, id).catch(() => undefined).finally(() => {
      running.delete(id);
      if (again.delete(id)) start(id);
    });
    running.set(id, task);
  };
  const schedule = (id: string): void => {
    if (stopped) return;
    const timer = setTimeout(() => {
      timers.delete(timer);
      start(id);
    }, options.delays().reconciliationMs);
    timers.add(timer);
  };
  // The periodic pass checks the interval in force at each moment, so a test that lengthens it is obeyed at once.
  let lastPass = Date.now();
  const tick = (): void => {
    if (stopped) return;
    if (Date.now() - lastPass >= options.delays().reconcileIntervalMs) {
      lastPass = Date.now();
      for (const id of options.ids()) if (!running.has(id)) start(id);
    }
    periodic = setTimeout(tick, Math.min(options.delays().reconcileIntervalMs, 250));
    periodic.unref();
  };
  let periodic = setTimeout(tick, Math.min(options.delays().reconcileIntervalMs, 250));
  periodic.unref();

  return {
    schedule,
    idle: async () => {
      while (running.size > 0 || timers.size > 0) {
        await Promise.all([...running.values()]);
        if (timers.size > 0) await new Promise((r) => setTimeout(r, 5));
      }
    },
    stop: () => {
      stopped = true;
      clearTimeout(periodic);
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
