// Long-running operations of Microsoft.KubernetesConfiguration writes: how they start, answer their status
// (Azure-AsyncOperation), end, and how a write is refused while one runs. Timelines follow the recordings in
// Azure/azure-powershell src/KubernetesConfiguration/test/AzKubernetesConfiguration.Recording.json and
// AzKubernetesConfigurationFlux.Recording.json (recorded tests, api 2022-03-01 and 2022-11-01).
import { randomUUID } from "node:crypto";
import type { Response } from "../http.ts";
import { API_VERSION, armError, later } from "./arm-state.ts";
import type { ArmState, Operation, ResourceKind, StoredResource } from "./arm-state.ts";
import { newestOnTrain, upgradeRefusal } from "./extension-versions.ts";
import { succeed } from "./operation-end.ts";

export interface ConfigurationHooks {
  /** The RP hands a flux configuration's new generation to the agent (provisioningMs after the write). */
  readonly fluxHandoff: (id: string) => void;
  /** An extension finished provisioning or was removed on this cluster. */
  readonly extensionChanged: (clusterId: string) => void;
  /** A flux configuration's deletion succeeded: the cluster drops what it kept for it (its key pair among them). */
  readonly fluxDeleted?: (id: string) => void;
}

const currentVersionOf = (resource: StoredResource): string | undefined =>
  typeof resource.properties["currentVersion"] === "string" ? resource.properties["currentVersion"] : undefined;

/** The version an extension write lands on: the pinned one, else (auto-upgrade) the newest of its train. */
function extensionTarget(state: ArmState, resource: StoredResource): string {
  const version = resource.properties["version"];
  if (typeof version === "string" && version) return version;
  const train = resource.properties["releaseTrain"];
  return newestOnTrain(state, typeof train === "string" ? train : undefined) ?? "1.24.1";
}

/** Headers of a write's 201/202. Retry-After only when set above 0: none was recorded (the client polled every ~30 s). */
export function asyncHeaders(state: ArmState, resource: StoredResource, operationId: string): Record<string, string> {
  return {
    "azure-asyncoperation": `${state.origin}${resource.id}/operations/${operationId}?api-version=${API_VERSION}`,
    ...retryAfter(state),
  };
}

function retryAfter(state: ArmState): Record<string, string> {
  return state.delays.retryAfterSeconds > 0 ? { "retry-after": String(state.delays.retryAfterSeconds) } : {};
}

/** The operation status answer. Recorded: `status` is the provisioning state while running (`Creating`, not `Running`). */
export function operationStatus(state: ArmState, operation: Operation): Response {
  const running = operation.status === "Running";
  const status = running && state.agent.runningStatus === "provisioning-state" ? operation.runningState : operation.status;
  return {
    status: 200,
    // As ARM does, a running operation's status answer repeats the Retry-After.
    headers: running ? retryAfter(state) : {},
    body: {
      id: operation.id,
      name: operation.name,
      status,
      properties: {},
      error: operation.error,
      startTime: operation.startTime,
      endTime: operation.endTime,
    },
  };
}

/**
 * A write while an operation runs. "AnotherOperationInProgress" is the stand-in's long-standing answer. "Conflict"
 * uses the plain code with a message naming the running state, worded on AKS's real refusal, e.g. cilium/cilium#25944
 * and Azure/azure-workload-identity#417: "Operation is not allowed: Another operation (nodepool1 - Updating) is in
 * progress, please wait for it to finish before starting a new operation." (code OperationNotAllowed there; App Service
 * answers code `Conflict`, "Cannot modify this web hosting plan because another operation is in progress", Azure/azure-sdk-for-java#1827).
 * No Microsoft.KubernetesConfiguration text for this case was found.
 */
export function busyRefusal(state: ArmState, kind: ResourceKind, name: string, provisioningState: string): Response {
  if (state.agent.busyError === "Conflict") {
    return armError(
      409,
      "Conflict",
      `Operation is not allowed: Another operation (${provisioningState}) is in progress, please wait for it to finish before starting a new operation.`,
    );
  }
  return armError(
    409,
    "AnotherOperationInProgress",
    `Another operation is in progress on ${kind} '${name}' (provisioningState '${provisioningState}'). Retry after it completes.`,
  );
}

function failedProperties(kind: ResourceKind, message: string): Record<string, unknown> {
  if (kind === "fluxConfiguration") return { provisioningState: "Failed", errorMessage: message };
  return {
    provisioningState: "Failed",
    errorInfo: { code: "ExtensionOperationFailed", message },
    statuses: [{ code: "InstallationFailed", displayStatus: "Failed", level: "Error", message, time: new Date().toISOString() }],
  };
}

/**
 * Starts a long-running operation. After provisioningMs (deletionMs) it fails if failNextOperation was armed.
 * Otherwise an extension or a deletion ends Succeeded; a flux configuration's new generation is handed to the agent
 * and the operation runs on until the agent has processed it (endFluxOperation) — recorded: the configuration's
 * statusUpdatedAt came before the operation's end, which "does not wait for the kustomizations to become healthy".
 */
export function startOperation(state: ArmState, hooks: ConfigurationHooks, resource: StoredResource, deleting: boolean): string {
  const name = randomUUID();
  const previous = resource.operationId ? state.operations.get(resource.operationId) : undefined;
  if (previous?.status === "Running") {
    previous.status = "Canceled";
    previous.endTime = new Date().toISOString();
  }
  // What an earlier failed operation left in errorMessage; cleared once a new generation reaches the agent.
  const failedBefore = previous?.status === "Failed" ? previous.error?.message : undefined;
  const armed = state.failNext.get(resource.kind)?.shift();
  state.operations.set(name, {
    id: `${resource.id}/operations/${name}`,
    name,
    resourceId: resource.id,
    status: "Running",
    runningState: String(resource.properties["provisioningState"]),
    error: null,
    startTime: new Date().toISOString(),
    endTime: undefined,
  });
  resource.operationId = name;
  const ms = deleting
    ? state.delays.deletionMs
    : resource.kind === "extension"
      ? (state.delays.extensionProvisioningMs ?? state.delays.provisioningMs)
      : state.delays.provisioningMs;
  later(state, ms, () => {
    const op = state.operations.get(name);
    if (!op || op.status !== "Running") return;
    const target = resource.kind === "extension" && !deleting ? extensionTarget(state, resource) : undefined;
    const failure = armed ?? (target === undefined ? undefined : upgradeRefusal(currentVersionOf(resource), target));
    if (failure !== undefined) {
      op.status = "Failed";
      op.endTime = new Date().toISOString();
      op.error = {
        code: resource.kind === "extension" ? "ExtensionOperationFailed" : "FluxConfigurationOperationFailed",
        message: failure,
      };
      resource.properties = { ...resource.properties, ...failedProperties(resource.kind, failure) };
      return;
    }
    if (deleting) {
      op.status = "Succeeded";
      op.endTime = new Date().toISOString();
      state.resources.delete(resource.id.toLowerCase());
      if (resource.kind === "extension") hooks.extensionChanged(resource.clusterId);
      else hooks.fluxDeleted?.(resource.id);
      return;
    }
    if (resource.kind === "fluxConfiguration") {
      resource.handedGeneration = resource.generation;
      if (failedBefore !== undefined && resource.properties["errorMessage"] === failedBefore)
        resource.properties = { ...resource.properties, errorMessage: "" };
      hooks.fluxHandoff(resource.id);
      return;
    }
    succeed(state, resource, op);
    resource.properties = {
      ...resource.properties,
      currentVersion: target,
      statuses: [],
      errorInfo: null,
    };
    hooks.extensionChanged(resource.clusterId);
  });
  return name;
}

/** The agent has processed `generation` of a flux configuration: its operation ends Succeeded operationEndMs later. */
export function endFluxOperation(state: ArmState, id: string, generation: number): void {
  const resource = state.resources.get(id.toLowerCase());
  const op = resource?.operationId ? state.operations.get(resource.operationId) : undefined;
  if (
    !resource ||
    !op ||
    op.status !== "Running" ||
    op.ending ||
    resource.generation !== generation ||
    resource.handedGeneration !== generation
  )
    return;
  op.ending = true;
  later(state, state.agent.operationEndMs, () => {
    if (op.status !== "Running" || resource.generation !== generation) return;
    succeed(state, resource, op);
  });
}
