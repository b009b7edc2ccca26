// State of the ARM stand-in and the checks every ARM request goes through:
// bearer token, api-version, subscription, RBAC, provider registration, resource group, cluster.
import { DEFAULT_EXTENSION_VERSIONS } from "./extension-versions.ts";
import type { Request, Response } from "../http.ts";
import type { AgentBehaviour } from "../cluster/agent-behaviour.ts";
import type { AccessToken, EntraState } from "./entra.ts";
import { isAuthorized } from "./rbac.ts";
import type { RoleAssignment } from "./rbac.ts";

export interface AzureDelays {
  /** Creating/Updating -> Succeeded (or Failed) for extensions and flux configurations. */
  readonly provisioningMs: number;
  /** When set, the extension's own provisioning time (a Flux install takes minutes on Azure, a configuration seconds). */
  readonly extensionProvisioningMs?: number;
  /** Deleting -> gone. */
  readonly deletionMs: number;
  /** Provider Registering -> Registered. */
  readonly registrationMs: number;
  /** From the RP handing a flux configuration's new generation to the agent (provisioningMs after the write) to the
   *  agent acting on it; the operation runs on until the agent has processed it (see AgentBehaviour). */
  readonly reconciliationMs: number;
  /** Re-reconciliation of every flux configuration, under AgentBehaviour.reporting "periodic" only. */
  readonly reconcileIntervalMs: number;
  /** Sent as Retry-After on long-running operations when above 0 (the recordings show none). */
  readonly retryAfterSeconds: number;
}

export const DEFAULT_DELAYS: AzureDelays = {
  provisioningMs: 40,
  deletionMs: 40,
  registrationMs: 40,
  reconciliationMs: 20,
  reconcileIntervalMs: 2000,
  retryAfterSeconds: 0,
};

export type ClusterType = "managedClusters" | "connectedClusters";

export interface PodIdentityException {
  readonly name: string;
  readonly namespace: string;
  readonly podLabels: Readonly<Record<string, string>>;
}

export interface Cluster {
  readonly id: string;
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly type: ClusterType;
  readonly location: string;
  readonly podIdentity?: { readonly enabled: boolean; readonly exceptions?: readonly PodIdentityException[] };
}

export type ResourceKind = "extension" | "fluxConfiguration";
export type ProvisioningState = "Succeeded" | "Failed" | "Canceled" | "Creating" | "Updating" | "Deleting";

export interface StoredResource {
  readonly kind: ResourceKind;
  readonly id: string;
  readonly name: string;
  readonly clusterId: string;
  identity: Record<string, unknown> | undefined;
  /** Public properties exactly as GET returns them (configurationProtectedSettings always {}). */
  properties: Record<string, unknown>;
  /** The stored protected settings (never returned by GET). */
  protectedSettings: Record<string, string>;
  systemData: Record<string, unknown>;
  generation: number;
  /** The generation the RP last handed to the Flux agent (flux configurations). */
  handedGeneration?: number;
  operationId: string | undefined;
}

export interface Operation {
  readonly id: string;
  readonly name: string;
  readonly resourceId: string;
  status: "Running" | "Succeeded" | "Failed" | "Canceled";
  /** The resource's provisioningState while it runs (Creating / Updating / Deleting). */
  readonly runningState: string;
  /** Its end is already scheduled. */
  ending?: boolean;
  error: { code: string; message: string } | null;
  readonly startTime: string;
  endTime: string | undefined;
}

export interface DeleteRequest {
  readonly resourceId: string;
  readonly forceDelete: boolean;
}

export interface ArmState {
  origin: string;
  readonly entra: EntraState;
  readonly clusters: Map<string, Cluster>;
  readonly subscriptions: Set<string>;
  readonly resourceGroups: Set<string>;
  /** key: `${subscription}/${namespace}` lower-cased. */
  readonly providers: Map<string, string>;
  readonly assignments: RoleAssignment[];
  readonly resources: Map<string, StoredResource>;
  readonly operations: Map<string, Operation>;
  readonly failNext: Map<ResourceKind, string[]>;
  readonly deletions: DeleteRequest[];
  readonly timers: Set<NodeJS.Timeout>;
  delays: AzureDelays;
  agent: AgentBehaviour;
  listPageSize: number;
  /** microsoft.flux versions offered per release train (lower-cased), see extension-versions.ts. */
  readonly extensionVersions: Map<string, readonly string[]>;
}

export const API_VERSION = "2023-05-01";

export function createArmState(entra: EntraState, delays: AzureDelays, agent: AgentBehaviour): ArmState {
  return {
    origin: "",
    entra,
    clusters: new Map(),
    subscriptions: new Set(),
    resourceGroups: new Set(),
    providers: new Map(),
    assignments: [],
    resources: new Map(),
    operations: new Map(),
    failNext: new Map(),
    deletions: [],
    timers: new Set(),
    delays,
    agent,
    listPageSize: 10,
    extensionVersions: new Map([
      ["stable", DEFAULT_EXTENSION_VERSIONS],
      ["preview", DEFAULT_EXTENSION_VERSIONS],
    ]),
  };
}

export function later(state: ArmState, ms: number, action: () => void): void {
  const timer = setTimeout(() => {
    state.timers.delete(timer);
    action();
  }, ms);
  state.timers.add(timer);
}

export function armError(status: number, code: string, message: string, headers?: Record<string, string>): Response {
  return { status, body: { error: { code, message } }, ...(headers ? { headers } : {}) };
}

export function providerState(state: ArmState, subscriptionId: string, namespace: string): string {
  return state.providers.get(`${subscriptionId}/${namespace}`.toLowerCase()) ?? "Registered";
}

/** ARM prints token times like `4/20/2023 2:29:57 PM`. */
function armTime(ms: number): string {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const pad = (n: number): string => String(n).padStart(2, "0");
  return `${d.getUTCMonth() + 1}/${d.getUTCDate()}/${d.getUTCFullYear()} ${h % 12 || 12}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} ${h < 12 ? "AM" : "PM"}`;
}

export interface Principal {
  readonly clientId: string;
  readonly objectId: string;
}

export interface GuardOptions {
  readonly action: string;
  /** Resource id the action is checked against (the RBAC scope in messages). */
  readonly scope: string;
  readonly subscriptionId: string;
  /** Exact api-version required, or "any" for any well-formed one. */
  readonly apiVersion: string;
  /** Resource type named in api-version errors. */
  readonly resourceType: string;
  /** Namespace that must be registered for the subscription. */
  readonly namespace?: string;
  readonly resourceGroup?: string;
}

/** ARM's authentication: a Bearer token Entra issued for ARM's audience, not expired; a Response means "stop here". */
export function signedIn(state: ArmState, request: Request): Response | AccessToken {
  const header = request.headers.authorization;
  if (!header) return armError(401, "AuthenticationFailed", "Authentication failed. The 'Authorization' header is missing.");
  const match = /^Bearer (.+)$/.exec(header);
  const token = match ? state.entra.tokens.get(match[1] ?? "") : undefined;
  if (!token) return armError(401, "InvalidAuthenticationToken", "The access token is invalid.");
  const now = Date.now();
  if (token.expiresAt <= now) {
    return armError(
      401,
      "ExpiredAuthenticationToken",
      `The access token expiry UTC time '${armTime(token.expiresAt)}' is earlier than current UTC time '${armTime(now)}'.`,
    );
  }
  const audience = token.scope.replace(/\/\.default$/, "").replace(/\/+$/, "");
  const allowed = [state.origin, "https://management.azure.com", "https://management.core.windows.net"];
  if (!allowed.includes(audience)) {
    return armError(
      401,
      "InvalidAuthenticationTokenAudience",
      `The access token has been obtained for wrong audience or resource '${audience}'. It should exactly match with one of the allowed audiences '${allowed.join("','")}'.`,
    );
  }
  return token;
}

/** Runs the checks ARM makes before a request reaches a resource provider; a Response means "stop here". */
export function guard(state: ArmState, request: Request, options: GuardOptions): Response | Principal {
  const token = signedIn(state, request);
  if ("status" in token) return token;
  const version = request.url.searchParams.get("api-version");
  if (!version)
    return armError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
  const wellFormed = /^\d{4}-\d{2}-\d{2}(-preview)?$/.test(version);
  if (options.apiVersion === "any" ? !wellFormed : version !== options.apiVersion) {
    const supported = options.apiVersion === "any" ? "2023-05-01" : options.apiVersion;
    return armError(
      400,
      "NoRegisteredProviderFound",
      `No registered resource provider found for location 'westeurope' and API version '${version}' for type '${options.resourceType}'. The supported api-versions are '${supported}'. The supported locations are 'eastus, westeurope'.`,
    );
  }
  if (!state.subscriptions.has(options.subscriptionId.toLowerCase())) {
    return armError(404, "SubscriptionNotFound", `The subscription '${options.subscriptionId}' could not be found.`);
  }
  if (!isAuthorized(state.assignments, [token.clientId, token.objectId], options.action, options.scope)) {
    return armError(
      403,
      "AuthorizationFailed",
      `The client '${token.clientId}' with object id '${token.objectId}' does not have authorization to perform action '${options.action}' over scope '${options.scope}' or the scope is invalid. If access was recently granted, please refresh your credentials.`,
    );
  }
  if (options.namespace && providerState(state, options.subscriptionId, options.namespace) !== "Registered") {
    return armError(
      409,
      "MissingSubscriptionRegistration",
      `The subscription is not registered to use namespace '${options.namespace}'. See https://aka.ms/rps-not-found for how to register subscriptions.`,
    );
  }
  if (
    options.resourceGroup &&
    !state.resourceGroups.has(`/subscriptions/${options.subscriptionId}/resourcegroups/${options.resourceGroup}`.toLowerCase())
  ) {
    return armError(404, "ResourceGroupNotFound", `Resource group '${options.resourceGroup}' could not be found.`);
  }
  return { clientId: token.clientId, objectId: token.objectId };
}

export function isPrincipal(value: Response | Principal): value is Principal {
  return "clientId" in value;
}
