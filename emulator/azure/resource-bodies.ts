// Turns PUT/PATCH request bodies into stored extension and flux configuration properties,
// with the defaults and the validation the resource provider applies.
import { randomUUID } from "node:crypto";
import type { Response } from "../http.ts";
import { armError } from "./arm-state.ts";
import type { ClusterType, StoredResource } from "./arm-state.ts";

export interface Built {
  readonly identity: Record<string, unknown> | undefined;
  readonly properties: Record<string, unknown>;
  readonly protectedSettings: Record<string, string>;
}

type Json = Record<string, unknown>;

function object(value: unknown): Json | undefined {
  return value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : undefined;
}

function stringMap(value: unknown): Record<string, string> {
  const map = object(value) ?? {};
  return Object.fromEntries(Object.entries(map).filter(([, v]) => typeof v === "string")) as Record<string, string>;
}

function badRequest(message: string): Response {
  return armError(400, "BadRequest", message);
}

function createOnly(existing: StoredResource | undefined, properties: Json, fields: readonly string[], kind: string): Response | undefined {
  if (!existing) return undefined;
  for (const field of fields) {
    if (properties[field] !== undefined && JSON.stringify(properties[field]) !== JSON.stringify(existing.properties[field])) {
      return badRequest(
        `Property '${field}' of ${kind} '${existing.name}' cannot be changed after creation. Delete and recreate the ${kind} instead.`,
      );
    }
  }
  return undefined;
}

function extensionVersionRules(properties: Json): Response | undefined {
  if (properties["version"] && properties["autoUpgradeMinorVersion"] !== false) {
    return badRequest("Version can be set only when autoUpgradeMinorVersion is false.");
  }
  if (properties["releaseTrain"] && properties["autoUpgradeMinorVersion"] === false) {
    return badRequest("ReleaseTrain can be set only when autoUpgradeMinorVersion is true.");
  }
  return undefined;
}

export function extensionFromPut(body: unknown, existing: StoredResource | undefined, clusterType: ClusterType): Built | Response {
  const properties = object(object(body)?.["properties"]);
  const extensionType = properties?.["extensionType"];
  if (!properties || typeof extensionType !== "string" || !extensionType)
    return badRequest("The request body must contain properties.extensionType.");
  if (existing && String(existing.properties["extensionType"]).toLowerCase() !== extensionType.toLowerCase()) {
    return badRequest(`Property 'extensionType' of extension '${existing.name}' cannot be changed after creation.`);
  }
  const immutable = createOnly(existing, properties, ["scope"], "extension");
  if (immutable) return immutable;
  const autoUpgradeMinorVersion = properties["autoUpgradeMinorVersion"] !== false;
  const rules = extensionVersionRules({ ...properties, autoUpgradeMinorVersion });
  if (rules) return rules;
  const identityIn = object(object(body)?.["identity"]);
  const identity = identityIn
    ? {
        ...identityIn,
        principalId: existing?.identity?.["principalId"] ?? randomUUID(),
        tenantId: existing?.identity?.["tenantId"] ?? randomUUID(),
      }
    : undefined;
  return {
    identity,
    protectedSettings: stringMap(properties["configurationProtectedSettings"]),
    properties: {
      extensionType,
      autoUpgradeMinorVersion,
      releaseTrain: autoUpgradeMinorVersion ? (properties["releaseTrain"] ?? "Stable") : null,
      version: properties["version"] ?? null,
      scope: existing?.properties["scope"] ?? properties["scope"] ?? { cluster: { releaseNamespace: "flux-system" } },
      configurationSettings: stringMap(properties["configurationSettings"]),
      configurationProtectedSettings: {},
      provisioningState: "Creating",
      statuses: [],
      errorInfo: null,
      customLocationSettings: null,
      packageUri: null,
      aksAssignedIdentity: clusterType === "managedClusters" ? { principalId: null, tenantId: null, type: null } : null,
      isSystemExtension: false,
      currentVersion: existing?.properties["currentVersion"] ?? null,
    },
  };
}

export function extensionFromPatch(body: unknown, existing: StoredResource): Built | Response {
  const patch = object(object(body)?.["properties"]) ?? {};
  const properties: Json = { ...existing.properties };
  for (const field of ["autoUpgradeMinorVersion", "releaseTrain", "version"]) {
    if (patch[field] !== undefined) properties[field] = patch[field];
  }
  if (patch["configurationSettings"] !== undefined) {
    const merged: Record<string, unknown> = { ...stringMap(existing.properties["configurationSettings"]) };
    for (const [k, v] of Object.entries(object(patch["configurationSettings"]) ?? {})) {
      if (v === null) delete merged[k];
      else merged[k] = v;
    }
    properties["configurationSettings"] = merged;
  }
  const rules = extensionVersionRules(properties);
  if (rules) return rules;
  return {
    identity: existing.identity,
    properties,
    protectedSettings:
      patch["configurationProtectedSettings"] === undefined || patch["configurationProtectedSettings"] === null
        ? existing.protectedSettings
        : stringMap(patch["configurationProtectedSettings"]),
  };
}

function kustomization(name: string, spec: Json): Json {
  return {
    name,
    path: spec["path"] ?? "",
    dependsOn: spec["dependsOn"] ?? [],
    timeoutInSeconds: spec["timeoutInSeconds"] ?? 600,
    syncIntervalInSeconds: spec["syncIntervalInSeconds"] ?? 600,
    retryIntervalInSeconds: spec["retryIntervalInSeconds"] ?? null,
    prune: spec["prune"] ?? false,
    force: spec["force"] ?? false,
    wait: spec["wait"] ?? true,
    postBuild: spec["postBuild"] ?? null,
  };
}

function gitRepository(spec: Json): Json {
  return {
    url: spec["url"] ?? null,
    timeoutInSeconds: spec["timeoutInSeconds"] ?? 600,
    syncIntervalInSeconds: spec["syncIntervalInSeconds"] ?? 600,
    repositoryRef: spec["repositoryRef"] ?? null,
    sshKnownHosts: spec["sshKnownHosts"] ?? null,
    httpsUser: spec["httpsUser"] ?? null,
    httpsCACert: spec["httpsCACert"] ?? null,
    localAuthRef: spec["localAuthRef"] ?? null,
  };
}

function validateFlux(properties: Json): Response | undefined {
  if (properties["sourceKind"] !== "GitRepository") return undefined;
  const git = object(properties["gitRepository"]);
  const url = git?.["url"];
  if (typeof url !== "string" || !url) return badRequest("gitRepository.url is required when sourceKind is GitRepository.");
  if (!/^(http|https|ssh):\/\//.test(url))
    return badRequest(`Invalid URL '${url}': the URL must start with 'http://', 'https://' or 'ssh://'.`);
  const ref = object(git?.["repositoryRef"]);
  if (!ref || !["branch", "tag", "semver", "commit"].some((k) => typeof ref[k] === "string" && ref[k])) {
    return badRequest("gitRepository.repositoryRef must set one of branch, tag, semver or commit.");
  }
  const names = Object.keys(object(properties["kustomizations"]) ?? {});
  for (const [name, spec] of Object.entries(object(properties["kustomizations"]) ?? {})) {
    for (const dep of (object(spec)?.["dependsOn"] as unknown[] | undefined) ?? []) {
      if (!names.includes(String(dep))) return badRequest(`Kustomization '${name}' depends on unknown kustomization '${String(dep)}'.`);
    }
  }
  return undefined;
}

export function fluxFromPut(body: unknown, existing: StoredResource | undefined): Built | Response {
  const properties = object(object(body)?.["properties"]);
  if (!properties) return badRequest("The request body must contain properties.");
  const immutable = createOnly(existing, properties, ["scope", "namespace"], "flux configuration");
  if (immutable) return immutable;
  const kustomizations = Object.fromEntries(
    Object.entries(object(properties["kustomizations"]) ?? {})
      .filter(([, v]) => object(v))
      .map(([k, v]) => [k, kustomization(k, object(v) ?? {})]),
  );
  const built: Json = {
    scope: existing?.properties["scope"] ?? properties["scope"] ?? "cluster",
    namespace: existing?.properties["namespace"] ?? properties["namespace"] ?? "default",
    sourceKind: properties["sourceKind"] ?? "GitRepository",
    suspend: properties["suspend"] ?? false,
    gitRepository: object(properties["gitRepository"]) ? gitRepository(object(properties["gitRepository"]) ?? {}) : null,
    bucket: properties["bucket"] ?? null,
    azureBlob: properties["azureBlob"] ?? null,
    kustomizations,
    configurationProtectedSettings: {},
    statuses: existing?.properties["statuses"] ?? [],
    repositoryPublicKey: existing?.properties["repositoryPublicKey"] ?? "",
    sourceSyncedCommitId: existing?.properties["sourceSyncedCommitId"] ?? "",
    sourceUpdatedAt: existing?.properties["sourceUpdatedAt"] ?? null,
    statusUpdatedAt: existing?.properties["statusUpdatedAt"] ?? null,
    waitForReconciliation: properties["waitForReconciliation"] ?? null,
    reconciliationWaitDuration: properties["reconciliationWaitDuration"] ?? null,
    complianceState: existing?.properties["complianceState"] ?? "Pending",
    provisioningState: "Creating",
    errorMessage: existing?.properties["errorMessage"] ?? "",
  };
  const invalid = validateFlux(built);
  if (invalid) return invalid;
  return { identity: undefined, properties: built, protectedSettings: stringMap(properties["configurationProtectedSettings"]) };
}

export function fluxFromPatch(body: unknown, existing: StoredResource): Built | Response {
  const patch = object(object(body)?.["properties"]) ?? {};
  const properties: Json = { ...existing.properties };
  for (const field of ["sourceKind", "suspend", "bucket", "azureBlob"]) {
    if (patch[field] !== undefined) properties[field] = patch[field];
  }
  const gitPatch = object(patch["gitRepository"]);
  if (gitPatch) {
    const merged: Json = { ...(object(existing.properties["gitRepository"]) ?? gitRepository({})) };
    for (const [k, v] of Object.entries(gitPatch)) {
      if (k === "repositoryRef" && object(v)) merged[k] = { ...(object(merged[k]) ?? {}), ...(object(v) ?? {}) };
      else if (v !== undefined) merged[k] = v;
    }
    properties["gitRepository"] = merged;
  }
  const kustomizationPatch = object(patch["kustomizations"]);
  if (kustomizationPatch) {
    const merged: Json = { ...(object(existing.properties["kustomizations"]) ?? {}) };
    for (const [name, spec] of Object.entries(kustomizationPatch)) {
      if (spec === null) delete merged[name];
      else if (object(spec)) merged[name] = kustomization(name, { ...(object(merged[name]) ?? {}), ...(object(spec) ?? {}) });
    }
    properties["kustomizations"] = merged;
  }
  const invalid = validateFlux(properties);
  if (invalid) return invalid;
  const protectedPatch = patch["configurationProtectedSettings"];
  return {
    identity: undefined,
    properties,
    protectedSettings: protectedPatch === undefined || protectedPatch === null ? existing.protectedSettings : stringMap(protectedPatch),
  };
}
