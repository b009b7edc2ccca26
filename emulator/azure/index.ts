// The Azure half of the local cloud: Entra ID (trusting the Actions OIDC issuer it is given) and ARM (clusters,
// providers, RBAC, Microsoft.KubernetesConfiguration) over HTTPS, driving the in-cluster Flux agent (../cluster/),
// which fetches with real git over SSH.
import { createServer } from "node:https";
import type { Server } from "node:https";
import type { AddressInfo } from "node:net";
import { createService } from "../http.ts";
import type { Route, Traffic } from "../http.ts";
import type { SigningKey } from "../jwt.ts";
import { DEFAULT_AGENT } from "../cluster/agent-behaviour.ts";
import type { AgentBehaviour } from "../cluster/agent-behaviour.ts";
import { createFluxAgent } from "../cluster/flux-agent.ts";
import type { AgentFetchRecord, AgentReportRecord } from "../cluster/flux-agent.ts";
import { armRoutes, clusterId } from "./arm.ts";
import { createArmState, DEFAULT_DELAYS } from "./arm-state.ts";
import type { ArmState, AzureDelays, Cluster, DeleteRequest, PodIdentityException, ResourceKind, StoredResource } from "./arm-state.ts";
import { createEntraState, entraRoutes } from "./entra.ts";
import type { FederatedCredential } from "./entra.ts";
import { agentView, applyReport } from "./flux-bridge.ts";
import { kubernetesConfigurationRoutes } from "./kubernetes-configuration.ts";
import { endFluxOperation } from "./operations.ts";
import { extensionControls, type ExtensionSeed } from "./extension-seed.ts";
import { extensionTypeRoutes } from "./extension-versions.ts";
import type { RoleAssignment, RoleDefinition } from "./rbac.ts";
import { createThrottlingState, withArmThrottling, type ArmThrottling } from "./throttling.ts";

export type {
  AgentBehaviour,
  AgentFetchRecord,
  AgentReportRecord,
  AzureDelays,
  DeleteRequest,
  ExtensionSeed,
  FederatedCredential,
  RoleDefinition,
  StoredResource,
};
export { DEFAULT_AGENT } from "../cluster/agent-behaviour.ts";
export { BUILT_IN_ROLES } from "./rbac.ts";
export { ARM_THROTTLING, scaledArmThrottling } from "./throttling.ts";
export type { ArmThrottling } from "./throttling.ts";

export interface AzureOptions {
  readonly traffic: Traffic;
  readonly tls: { readonly cert: string; readonly key: string };
  /** The Actions OIDC issuer Entra trusts, and its signing key (what real Entra reads from the issuer's JWKS). */
  readonly oidcIssuer: { readonly issuer: string; readonly key: SigningKey };
  readonly delays?: Partial<AzureDelays>;
  /** The Flux agent's and the operations' behaviour; default DEFAULT_AGENT (the recorded model). */
  readonly agent?: Partial<AgentBehaviour>;
  /** Page size of extension / flux configuration lists (default 10). */
  readonly listPageSize?: number;
  /** Where the Flux agent makes its short-lived 0600 key folders (default: the OS temp dir). */
  readonly agentTmpDir?: string;
}

export interface ClusterSpec {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly type: "managedClusters" | "connectedClusters";
  readonly location?: string;
  readonly podIdentity?: { readonly enabled: boolean; readonly exceptions?: readonly PodIdentityException[] };
}

/** A stored resource as the RP holds it, protected settings included. */
export interface RawResource {
  readonly id: string;
  readonly name: string;
  readonly identity: Record<string, unknown> | undefined;
  readonly properties: Readonly<Record<string, unknown>>;
  readonly configurationProtectedSettings: Readonly<Record<string, string>>;
}

export interface AzureCloud {
  readonly authorityHost: string;
  readonly armEndpoint: string;
  readonly addFederatedCredential: (credential: FederatedCredential) => void;
  /** expires_in of Entra access tokens, seconds. Default 3599. */
  readonly setAccessTokenLifetime: (seconds: number) => void;
  /** How many access tokens Entra issued so far. */
  readonly accessTokensIssued: () => number;
  readonly addResourceGroup: (subscriptionId: string, resourceGroup: string) => void;
  /** Adds a cluster (and its subscription and resource group); returns its resource id. */
  readonly addCluster: (cluster: ClusterSpec) => string;
  readonly grantRole: (assignment: {
    readonly principalId?: string;
    readonly clientId?: string;
    readonly scope: string;
    readonly role: string | RoleDefinition;
  }) => void;
  readonly setProviderState: (subscriptionId: string, namespace: string, state: string) => void;
  readonly setDelays: (delays: Partial<AzureDelays>) => void;
  /** Changes the agent behaviour (merged into the current one); obeyed at once. */
  readonly setAgent: (agent: Partial<AgentBehaviour>) => void;
  /** Every report the agent landed on a flux configuration, oldest first. */
  readonly agentReports: (clusterResourceId: string, name: string) => readonly AgentReportRecord[];
  /** Every fetch the agent made for a flux configuration (reported or not), oldest first. */
  readonly agentFetches: (clusterResourceId: string, name: string) => readonly AgentFetchRecord[];
  /** The public half and fingerprint of the key pair the agent made for a flux configuration (AgentBehaviour.generateKeys),
   *  while the configuration lives; undefined otherwise. The private half never leaves the agent. */
  readonly agentClusterKey: (
    clusterResourceId: string,
    name: string,
  ) => { readonly publicKey: string; readonly fingerprint: string } | undefined;
  readonly failNextOperation: (kind: ResourceKind, message: string) => void;
  /** A microsoft.flux extension installed before the run (Succeeded, at `version`); see extension-seed.ts. */
  readonly addExtension: (clusterResourceId: string, seed: ExtensionSeed) => void;
  /** The versions a release train offers (oldest first or any order); default: extension-versions.ts. */
  readonly setExtensionVersions: (releaseTrain: string, versions: readonly string[]) => void;
  /** Azure's auto-upgrade now: every auto-upgrading extension moves to the newest version of its train. */
  readonly autoUpgradeExtensions: () => void;
  readonly getExtension: (clusterResourceId: string, name: string) => RawResource | undefined;
  readonly getFluxConfiguration: (clusterResourceId: string, name: string) => RawResource | undefined;
  /** Every DELETE seen on extensions / flux configurations, with its forceDelete flag. */
  readonly deletions: () => readonly DeleteRequest[];
  /** Fetches and reports every flux configuration now (reporting even if nothing changed) and waits until the agent is idle. */
  readonly reconcileNow: () => Promise<void>;
  /** ARM's subscription throttling (ARM_THROTTLING, or scaledArmThrottling(...) for a test); undefined: off. */
  readonly setThrottling: (settings: ArmThrottling | undefined) => void;
  /** How many requests ARM answered 429 so far. */
  readonly throttled: () => number;
  readonly close: () => Promise<void>;
}

async function listen(
  routes: Route[],
  name: string,
  options: AzureOptions,
  errorBody: (status: number, message: string) => unknown,
): Promise<{ server: Server; origin: string }> {
  const server = createServer(
    { cert: options.tls.cert, key: options.tls.key },
    createService({ name, routes, traffic: options.traffic, errorBody }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { server, origin: `https://localhost:${(server.address() as AddressInfo).port}` };
}

function raw(resource: StoredResource | undefined): RawResource | undefined {
  return (
    resource && {
      id: resource.id,
      name: resource.name,
      identity: resource.identity,
      properties: structuredClone(resource.properties),
      configurationProtectedSettings: { ...resource.protectedSettings },
    }
  );
}

function fluxId(clusterResourceId: string, name: string): string {
  return `${clusterResourceId}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/${name}`;
}

function childId(state: ArmState, clusterResourceId: string, collection: string, name: string): StoredResource | undefined {
  return state.resources.get(`${clusterResourceId}/providers/Microsoft.KubernetesConfiguration/${collection}/${name}`.toLowerCase());
}

export async function startAzure(options: AzureOptions): Promise<AzureCloud> {
  const entra = createEntraState(options.oidcIssuer);
  const arm = createArmState(entra, { ...DEFAULT_DELAYS, ...options.delays }, { ...DEFAULT_AGENT, ...options.agent });
  arm.listPageSize = options.listPageSize ?? 10;
  const fluxIds = (): string[] => [...arm.resources.values()].filter((r) => r.kind === "fluxConfiguration").map((r) => r.id);
  const agent = createFluxAgent({
    view: (id) => agentView(arm, id),
    report: (id, generation, report) => applyReport(arm, id, generation, report),
    processed: (id, generation) => endFluxOperation(arm, id, generation),
    ids: fluxIds,
    delays: () => arm.delays,
    behaviour: () => arm.agent,
    ...(options.agentTmpDir ? { tmpRoot: options.agentTmpDir } : {}),
  });
  const hooks = {
    fluxHandoff: (id: string) => agent.handoff(id),
    fluxDeleted: (id: string) => agent.forget(id),
    extensionChanged: (cluster: string) => {
      for (const id of fluxIds()) if (arm.resources.get(id.toLowerCase())?.clusterId === cluster) agent.poke(id);
    },
  };
  const aadError = (status: number, message: string): unknown => ({
    error: status === 429 ? "temporarily_unavailable" : "server_error",
    error_description: message,
    error_codes: [],
  });
  const armErrorBody = (status: number, message: string): unknown => ({
    error: { code: status === 429 ? "TooManyRequests" : status >= 500 ? "InternalServerError" : "Error", message },
  });
  const entraServer = await listen(entraRoutes(entra), "entra", options, aadError);
  const throttling = createThrottlingState();
  const armServer = await listen(
    [...armRoutes(arm), ...extensionTypeRoutes(arm), ...kubernetesConfigurationRoutes(arm, hooks)].map((route) => ({
      ...route,
      handler: withArmThrottling(throttling, route.handler),
    })),
    "arm",
    options,
    armErrorBody,
  );
  entra.origin = entraServer.origin;
  arm.origin = armServer.origin;

  const addResourceGroup = (subscriptionId: string, resourceGroup: string): void => {
    arm.subscriptions.add(subscriptionId.toLowerCase());
    arm.resourceGroups.add(`/subscriptions/${subscriptionId}/resourcegroups/${resourceGroup}`.toLowerCase());
  };
  return {
    authorityHost: entraServer.origin,
    armEndpoint: armServer.origin,
    addFederatedCredential: (credential) => void entra.credentials.push(credential),
    setAccessTokenLifetime: (seconds) => void (entra.accessTokenLifetimeSeconds = seconds),
    accessTokensIssued: () => entra.tokensIssued,
    addResourceGroup,
    addCluster: (spec) => {
      addResourceGroup(spec.subscriptionId, spec.resourceGroup);
      const id = clusterId(spec.subscriptionId, spec.resourceGroup, spec.type, spec.name);
      const cluster: Cluster = { ...spec, id, location: spec.location ?? "westeurope" };
      arm.clusters.set(id.toLowerCase(), cluster);
      return id;
    },
    grantRole: ({ principalId, clientId, scope, role }) => {
      const assignment: RoleAssignment = { principalId: principalId ?? clientId ?? "", scope, role };
      arm.assignments.push(assignment);
    },
    setProviderState: (subscriptionId, namespace, state) => {
      arm.subscriptions.add(subscriptionId.toLowerCase());
      arm.providers.set(`${subscriptionId}/${namespace}`.toLowerCase(), state);
    },
    setDelays: (delays) => void (arm.delays = { ...arm.delays, ...delays }),
    setAgent: (behaviour) => void (arm.agent = { ...arm.agent, ...behaviour }),
    agentReports: (cluster, name) => agent.reports(fluxId(cluster, name)),
    agentFetches: (cluster, name) => agent.fetches(fluxId(cluster, name)),
    agentClusterKey: (cluster, name) => agent.clusterKey(fluxId(cluster, name)),
    failNextOperation: (kind, message) => {
      const queue = arm.failNext.get(kind) ?? [];
      queue.push(message);
      arm.failNext.set(kind, queue);
    },
    ...extensionControls(arm, hooks.extensionChanged),
    getExtension: (cluster, name) => raw(childId(arm, cluster, "extensions", name)),
    getFluxConfiguration: (cluster, name) => raw(childId(arm, cluster, "fluxConfigurations", name)),
    deletions: () => [...arm.deletions],
    reconcileNow: () => agent.reconcileNow(),
    setThrottling: (settings) => {
      throttling.settings = settings;
      throttling.buckets.clear();
    },
    throttled: () => throttling.throttled,
    close: async () => {
      agent.stop();
      for (const timer of arm.timers) clearTimeout(timer);
      arm.timers.clear();
      await agent.idle();
      await Promise.all(
        [entraServer.server, armServer.server].map(
          (server) =>
            new Promise<void>((resolve) => {
              server.close(() => resolve());
              server.closeAllConnections();
            }),
        ),
      );
    },
  };
}
