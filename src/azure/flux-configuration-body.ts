// The fluxConfiguration the settings ask for, and what differs from the one on the cluster (pure).
import type {
  FluxConfiguration,
  FluxConfigurationPatch,
  KustomizationDefinition,
  RepositoryRefDefinition,
} from "@azure/arm-kubernetesconfiguration";
import type { FluxSettings, Git, Kustomization } from "../inputs/settings.ts";

/** One field that differs between what is and what is wanted (the report shows it as a FieldChange). */
export interface FieldDiff {
  readonly field: string;
  readonly from: unknown;
  readonly to: unknown;
}

/** The change line for a new private key (its value is never shown): "(new key)", or "(changes)" in a plan. */
export function keyChange(to: "(new key)" | "(changes)" = "(new key)"): FieldDiff {
  return { field: "configurationProtectedSettings.sshPrivateKey", from: "(hidden)", to };
}

export function repositoryUrl(git: Git): string {
  const host = git.sshPort === 22 ? git.sshHost : `${git.sshHost}:${git.sshPort}`;
  return `ssh://git@${host}/${git.fullName}.git`;
}

export function repositoryRef(git: Git, defaultBranch: string): RepositoryRefDefinition {
  const ref = git.ref;
  switch (ref.kind) {
    case "branch":
      return { branch: ref.branch ?? defaultBranch };
    case "tag":
      return { tag: ref.tag };
    case "semver":
      return { semver: ref.semver };
    case "commit":
      return { commit: ref.commit, branch: ref.branch ?? defaultBranch };
  }
}

function kustomizationBody(k: Kustomization): KustomizationDefinition {
  return {
    path: k.path === "" ? "./" : `./${k.path}`,
    dependsOn: [...k.dependsOn],
    prune: k.prune,
    force: k.force,
    wait: k.wait,
    ...(k.timeoutSeconds === undefined ? {} : { timeoutInSeconds: k.timeoutSeconds }),
    ...(k.syncIntervalSeconds === undefined ? {} : { syncIntervalInSeconds: k.syncIntervalSeconds }),
    ...(k.retryIntervalSeconds === undefined ? {} : { retryIntervalInSeconds: k.retryIntervalSeconds }),
    ...(k.postBuild === undefined
      ? {}
      : {
          postBuild: {
            ...(k.postBuild.substitute ? { substitute: { ...k.postBuild.substitute } } : {}),
            ...(k.postBuild.substituteFrom
              ? { substituteFrom: k.postBuild.substituteFrom.map((s) => ({ kind: s.kind, name: s.name, optional: s.optional ?? false })) }
              : {}),
          },
        }),
  };
}

/** The desired configuration without protected settings (those are added only when the key changes). */
export function desiredConfiguration(flux: FluxSettings, git: Git, defaultBranch: string, knownHosts: string): FluxConfiguration {
  return {
    scope: flux.scope,
    namespace: flux.namespace,
    sourceKind: "GitRepository",
    suspend: flux.suspend,
    gitRepository: {
      url: repositoryUrl(git),
      repositoryRef: repositoryRef(git, defaultBranch),
      sshKnownHosts: Buffer.from(knownHosts, "utf8").toString("base64"),
      ...(flux.syncIntervalSeconds === undefined ? {} : { syncIntervalInSeconds: flux.syncIntervalSeconds }),
      ...(flux.timeoutSeconds === undefined ? {} : { timeoutInSeconds: flux.timeoutSeconds }),
    },
    kustomizations: Object.fromEntries(flux.kustomizations.map((k) => [k.name, kustomizationBody(k)])),
  };
}

/** Deep equality that ignores fields the desired side leaves undefined (Azure fills defaults). */
function covers(actual: unknown, desired: unknown): boolean {
  if (desired === undefined) return true;
  if (Array.isArray(desired)) {
    return Array.isArray(actual) && actual.length === desired.length && desired.every((d, i) => covers(actual[i], d));
  }
  if (desired && typeof desired === "object") {
    if (!actual || typeof actual !== "object") return false;
    return Object.entries(desired).every(([key, value]) => covers((actual as Record<string, unknown>)[key], value));
  }
  return actual === desired;
}

function normalisePath(path: string | undefined): string {
  return (path ?? "./").replace(/^\.?\/*/, "./").replace(/\/+$/, "") || "./";
}

/** What differs in one kustomization, field by field (`kustomizations.cluster.path: ./clusters/a → ./clusters/b`). */
function kustomizationChanges(name: string, actual: KustomizationDefinition, desired: KustomizationDefinition): FieldDiff[] {
  const { path, ...rest } = desired;
  const changes: FieldDiff[] = [];
  if (normalisePath(actual.path) !== normalisePath(path))
    changes.push({ field: `kustomizations.${name}.path`, from: actual.path, to: path });
  const current: Record<string, unknown> = { ...actual, dependsOn: actual.dependsOn ?? [] };
  for (const [key, value] of Object.entries(rest))
    if (!covers(current[key], value)) changes.push({ field: `kustomizations.${name}.${key}`, from: current[key], to: value });
  return changes;
}

export interface ConfigurationDiff {
  readonly changes: readonly FieldDiff[];
  /** Only what differs; undefined when nothing does. */
  readonly patch: FluxConfigurationPatch | undefined;
  /** Create-only fields that differ: these need destroy and apply again. */
  readonly immutable: readonly FieldDiff[];
}

export function diffConfiguration(actual: FluxConfiguration, desired: FluxConfiguration): ConfigurationDiff {
  const changes: FieldDiff[] = [];
  const immutable: FieldDiff[] = [];
  for (const field of ["scope", "namespace"] as const) {
    if ((actual[field] ?? "").toLowerCase() !== (desired[field] ?? "").toLowerCase()) {
      immutable.push({ field, from: actual[field], to: desired[field] });
    }
  }
  const gitPatch: Record<string, unknown> = {};
  const actualGit = actual.gitRepository ?? {};
  for (const [key, value] of Object.entries(desired.gitRepository ?? {})) {
    const current = (actualGit as Record<string, unknown>)[key];
    const same = key === "repositoryRef" ? covers(current, value) && covers(value, current ?? {}) : covers(current, value);
    if (!same) {
      gitPatch[key] = value;
      changes.push({
        field: `gitRepository.${key}`,
        from: key === "sshKnownHosts" ? "(known hosts)" : current,
        to: key === "sshKnownHosts" ? "(verified known hosts)" : value,
      });
    }
  }
  const kustomizationPatch: Record<string, KustomizationDefinition | null> = {};
  const actualKs = actual.kustomizations ?? {};
  for (const [name, body] of Object.entries(desired.kustomizations ?? {})) {
    if (!body) continue;
    const current = actualKs[name];
    const differs = current ? kustomizationChanges(name, current, body) : [{ field: `kustomizations.${name}`, from: "(absent)", to: body }];
    if (differs.length > 0) {
      kustomizationPatch[name] = body;
      changes.push(...differs);
    }
  }
  for (const name of Object.keys(actualKs)) {
    if (!(name in (desired.kustomizations ?? {}))) {
      kustomizationPatch[name] = null;
      changes.push({ field: `kustomizations.${name}`, from: actualKs[name], to: "(removed)" });
    }
  }
  const suspendChanged = (actual.suspend ?? false) !== (desired.suspend ?? false);
  if (suspendChanged) changes.push({ field: "suspend", from: actual.suspend ?? false, to: desired.suspend });
  const sourceChanged = (actual.sourceKind ?? "GitRepository") !== desired.sourceKind;
  if (sourceChanged) changes.push({ field: "sourceKind", from: actual.sourceKind, to: desired.sourceKind });
  const patch: FluxConfigurationPatch = {
    ...(sourceChanged ? { sourceKind: desired.sourceKind } : {}),
    ...(suspendChanged ? { suspend: desired.suspend } : {}),
    ...(Object.keys(gitPatch).length > 0 ? { gitRepository: gitPatch } : {}),
    ...(Object.keys(kustomizationPatch).length > 0 ? { kustomizations: kustomizationPatch } : {}),
  };
  return { changes, immutable, patch: changes.length > 0 ? patch : undefined };
}
