// Microsoft.KubernetesConfiguration (api-version 2023-05-01): extensions and fluxConfigurations under
// managed and connected clusters, with long-running operations tracked through Azure-AsyncOperation.
import type { Request, Response, Route } from "../http.ts";
import { jsonBody } from "../http.ts";
import { API_VERSION, armError, guard, isPrincipal } from "./arm-state.ts";
import type { ArmState, Principal, ResourceKind, StoredResource } from "./arm-state.ts";
import { clusterNotFound } from "./arm.ts";
import { asyncHeaders, busyRefusal, operationStatus, startOperation } from "./operations.ts";
import type { ConfigurationHooks } from "./operations.ts";
import { extensionFromPatch, extensionFromPut, fluxFromPatch, fluxFromPut } from "./resource-bodies.ts";
import type { Built } from "./resource-bodies.ts";

const NAMESPACE = "Microsoft.KubernetesConfiguration";
const COLLECTION: Readonly<Record<ResourceKind, string>> = { extension: "extensions", fluxConfiguration: "fluxConfigurations" };

function publicBody(resource: StoredResource): unknown {
  return {
    id: resource.id,
    name: resource.name,
    type: `${NAMESPACE}/${COLLECTION[resource.kind]}`,
    ...(resource.identity ? { identity: resource.identity } : {}),
    systemData: resource.systemData,
    properties: { ...resource.properties, configurationProtectedSettings: {} },
  };
}

interface Target {
  readonly kind: ResourceKind;
  readonly clusterId: string;
  readonly id: string | undefined;
  readonly name: string | undefined;
}

function put(
  state: ArmState,
  hooks: ConfigurationHooks,
  request: Request,
  target: Target & { id: string; name: string },
  who: Principal,
): Response {
  const key = target.id.toLowerCase();
  const existing = state.resources.get(key);
  if (existing && !["Succeeded", "Failed", "Canceled"].includes(String(existing.properties["provisioningState"]))) {
    return busyRefusal(state, target.kind, target.name, String(existing.properties["provisioningState"]));
  }
  const body = jsonBody(request);
  const cluster = state.clusters.get(target.clusterId.toLowerCase());
  const built: Built | Response =
    target.kind === "extension" ? extensionFromPut(body, existing, cluster?.type ?? "managedClusters") : fluxFromPut(body, existing);
  if ("status" in built) return built;
  const now = new Date().toISOString();
  const resource: StoredResource = existing ?? {
    kind: target.kind,
    id: target.id,
    name: target.name,
    clusterId: target.clusterId,
    identity: undefined,
    properties: {},
    protectedSettings: {},
    systemData: { createdBy: who.clientId, createdByType: "Application", createdAt: now },
    generation: 0,
    operationId: undefined,
  };
  resource.identity = built.identity;
  resource.properties = { ...built.properties, provisioningState: existing ? "Updating" : "Creating" };
  resource.protectedSettings = built.protectedSettings;
  resource.systemData = { ...resource.systemData, lastModifiedBy: who.clientId, lastModifiedByType: "Application", lastModifiedAt: now };
  resource.generation += 1;
  state.resources.set(key, resource);
  const operationId = startOperation(state, hooks, resource, false);
  return { status: existing ? 200 : 201, headers: asyncHeaders(state, resource, operationId), body: publicBody(resource) };
}

function patch(
  state: ArmState,
  hooks: ConfigurationHooks,
  request: Request,
  target: Target & { id: string; name: string },
  who: Principal,
): Response {
  const resource = state.resources.get(target.id.toLowerCase());
  if (!resource) return notFound(target);
  const state_ = String(resource.properties["provisioningState"]);
  if (!["Succeeded", "Failed", "Canceled"].includes(state_)) {
    return busyRefusal(state, target.kind, target.name, state_);
  }
  const body = jsonBody(request);
  const built = target.kind === "extension" ? extensionFromPatch(body, resource) : fluxFromPatch(body, resource);
  if ("status" in built) return built;
  const unchanged =
    JSON.stringify([built.properties, built.protectedSettings]) === JSON.stringify([resource.properties, resource.protectedSettings]);
  if (unchanged && state_ === "Succeeded") return { status: 200, body: publicBody(resource) };
  resource.properties = { ...built.properties, provisioningState: "Updating" };
  resource.protectedSettings = built.protectedSettings;
  resource.systemData = {
    ...resource.systemData,
    lastModifiedBy: who.clientId,
    lastModifiedByType: "Application",
    lastModifiedAt: new Date().toISOString(),
  };
  resource.generation += 1;
  const operationId = startOperation(state, hooks, resource, false);
  return { status: 202, headers: asyncHeaders(state, resource, operationId), body: publicBody(resource) };
}

function remove(state: ArmState, hooks: ConfigurationHooks, request: Request, target: Target & { id: string }): Response {
  const resource = state.resources.get(target.id.toLowerCase());
  state.deletions.push({ resourceId: target.id, forceDelete: request.url.searchParams.get("forceDelete") === "true" });
  if (!resource) return { status: 204 };
  const running = String(resource.properties["provisioningState"]);
  if (state.agent.deleteWhileBusy === "refused" && ["Creating", "Updating"].includes(running)) {
    return busyRefusal(state, target.kind, resource.name, running);
  }
  resource.properties = { ...resource.properties, provisioningState: "Deleting" };
  resource.generation += 1;
  const operationId = startOperation(state, hooks, resource, true);
  return {
    status: 202,
    headers: {
      ...asyncHeaders(state, resource, operationId),
      location: `${state.origin}${resource.id}/operations/${operationId}?api-version=${API_VERSION}`,
    },
  };
}

function notFound(target: Target): Response {
  const rg = /\/resourceGroups\/([^/]+)/i.exec(target.clusterId)?.[1] ?? "";
  return armError(
    404,
    "ResourceNotFound",
    `The Resource '${NAMESPACE}/${COLLECTION[target.kind]}/${target.name ?? ""}' under resource group '${rg}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

function list(state: ArmState, request: Request, target: Target): Response {
  const prefix = `${target.clusterId}/providers/${NAMESPACE}/${COLLECTION[target.kind]}/`.toLowerCase();
  const all = [...state.resources.values()].filter((r) => r.id.toLowerCase().startsWith(prefix));
  const skip = Number(request.url.searchParams.get("$skipToken") ?? "0") || 0;
  const page = all.slice(skip, skip + state.listPageSize);
  const next =
    skip + state.listPageSize < all.length
      ? `${state.origin}${target.clusterId}/providers/${NAMESPACE}/${COLLECTION[target.kind]}?api-version=${API_VERSION}&$skipToken=${skip + state.listPageSize}`
      : null;
  return { status: 200, body: { value: page.map(publicBody), nextLink: next } };
}

function handle(state: ArmState, hooks: ConfigurationHooks, request: Request): Response {
  const { sub = "", rg = "", rp = "", type = "", cluster = "", collection = "", name, op } = request.params;
  const kind: ResourceKind = collection.toLowerCase() === "extensions" ? "extension" : "fluxConfiguration";
  const clusterPath = `/subscriptions/${sub}/resourceGroups/${rg}/providers/${rp}/${type}/${cluster}`;
  const id = name === undefined ? undefined : `${clusterPath}/providers/${NAMESPACE}/${COLLECTION[kind]}/${name}`;
  const verb = op !== undefined ? "operations/read" : request.method === "GET" ? "read" : request.method === "DELETE" ? "delete" : "write";
  const checked = guard(state, request, {
    action: `${NAMESPACE}/${COLLECTION[kind]}/${verb}`,
    scope: id ?? `${clusterPath}/providers/${NAMESPACE}/${COLLECTION[kind]}`,
    subscriptionId: sub,
    apiVersion: API_VERSION,
    resourceType: COLLECTION[kind],
    namespace: NAMESPACE,
    resourceGroup: rg,
  });
  if (!isPrincipal(checked)) return checked;
  const known = state.clusters.get(clusterPath.toLowerCase());
  const validRp =
    (type.toLowerCase() === "managedclusters" && rp.toLowerCase() === "microsoft.containerservice") ||
    (type.toLowerCase() === "connectedclusters" && rp.toLowerCase() === "microsoft.kubernetes");
  if (!known || !validRp) return clusterNotFound(type, cluster, rg);
  const target = { kind, clusterId: known.id, id: id && `${known.id}/providers/${NAMESPACE}/${COLLECTION[kind]}/${name}`, name };
  if (op !== undefined) {
    const operation = state.operations.get(op);
    if (!operation || operation.resourceId.toLowerCase() !== (target.id ?? "").toLowerCase()) {
      return armError(404, "OperationNotFound", `The operation '${op}' could not be found.`);
    }
    return operationStatus(state, operation);
  }
  if (target.id === undefined || target.name === undefined) {
    return request.method === "GET"
      ? list(state, request, target)
      : armError(405, "MethodNotAllowed", `The requested resource does not support http method '${request.method}'.`);
  }
  const named = { ...target, id: target.id, name: target.name };
  switch (request.method) {
    case "GET": {
      const resource = state.resources.get(named.id.toLowerCase());
      return resource ? { status: 200, body: publicBody(resource) } : notFound(named);
    }
    case "PUT":
      return put(state, hooks, request, named, checked);
    case "PATCH":
      return patch(state, hooks, request, named, checked);
    case "DELETE":
      return remove(state, hooks, request, named);
    default:
      return armError(405, "MethodNotAllowed", `The requested resource does not support http method '${request.method}'.`);
  }
}

export function kubernetesConfigurationRoutes(state: ArmState, hooks: ConfigurationHooks): Route[] {
  return [
    {
      method: "*",
      pattern:
        /^\/subscriptions\/(?<sub>[^/]+)\/resourceGroups\/(?<rg>[^/]+)\/providers\/(?<rp>[^/]+)\/(?<type>[^/]+)\/(?<cluster>[^/]+)\/providers\/Microsoft\.KubernetesConfiguration\/(?<collection>extensions|fluxConfigurations)(?:\/(?<name>[^/]+)(?:\/operations\/(?<op>[^/]+))?)?$/i,
      handler: (r) => handle(state, hooks, r),
    },
  ];
}
