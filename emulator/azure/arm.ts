// ARM routes for clusters and resource providers; Microsoft.KubernetesConfiguration lives in
// kubernetes-configuration.ts.
import type { Request, Response, Route } from "../http.ts";
import { armError, guard, isPrincipal, later, providerState, signedIn } from "./arm-state.ts";
import type { ArmState, Cluster } from "./arm-state.ts";

const CLUSTER_RPS: Readonly<Record<string, string>> = {
  managedclusters: "Microsoft.ContainerService",
  connectedclusters: "Microsoft.Kubernetes",
};

export function clusterId(subscriptionId: string, resourceGroup: string, type: string, name: string): string {
  return `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${CLUSTER_RPS[type.toLowerCase()] ?? "?"}/${type}/${name}`;
}

export function clusterNotFound(type: string, name: string, resourceGroup: string): Response {
  const rp = CLUSTER_RPS[type.toLowerCase()] ?? "Microsoft.ContainerService";
  return armError(
    404,
    "ResourceNotFound",
    `The Resource '${rp}/${type}/${name}' under resource group '${resourceGroup}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
  );
}

export function clusterBody(cluster: Cluster): unknown {
  const common = { id: cluster.id, name: cluster.name, location: cluster.location };
  if (cluster.type === "connectedClusters") {
    return {
      ...common,
      type: "Microsoft.Kubernetes/connectedClusters",
      identity: {
        type: "SystemAssigned",
        principalId: "00000000-0000-0000-0000-0000000000c1",
        tenantId: "00000000-0000-0000-0000-0000000000c2",
      },
      properties: {
        provisioningState: "Succeeded",
        connectivityStatus: "Connected",
        distribution: "k3s",
        kubernetesVersion: "1.30.4",
        agentVersion: "1.21.10",
      },
    };
  }
  const podIdentityProfile = cluster.podIdentity
    ? {
        enabled: cluster.podIdentity.enabled,
        allowNetworkPluginKubenet: false,
        userAssignedIdentities: [],
        userAssignedIdentityExceptions: cluster.podIdentity.exceptions ?? [],
      }
    : undefined;
  return {
    ...common,
    type: "Microsoft.ContainerService/ManagedClusters",
    sku: { name: "Base", tier: "Free" },
    identity: { type: "SystemAssigned" },
    properties: {
      provisioningState: "Succeeded",
      powerState: { code: "Running" },
      kubernetesVersion: "1.30.4",
      dnsPrefix: cluster.name,
      fqdn: `${cluster.name}-dns.hcp.${cluster.location}.azmk8s.io`,
      ...(podIdentityProfile ? { podIdentityProfile } : {}),
    },
  };
}

function getCluster(state: ArmState, request: Request): Response {
  const { sub = "", rg = "", rp = "", type = "", name = "" } = request.params;
  const id = clusterId(sub, rg, type, name);
  const checked = guard(state, request, {
    action: `${rp}/${type}/read`,
    scope: id,
    subscriptionId: sub,
    apiVersion: "any",
    resourceType: type,
    resourceGroup: rg,
  });
  if (!isPrincipal(checked)) return checked;
  const cluster = state.clusters.get(id.toLowerCase());
  if (!cluster || CLUSTER_RPS[type.toLowerCase()]?.toLowerCase() !== rp.toLowerCase()) return clusterNotFound(type, name, rg);
  return { status: 200, body: clusterBody(cluster) };
}

function providerBody(state: ArmState, subscriptionId: string, namespace: string): unknown {
  return {
    id: `/subscriptions/${subscriptionId}/providers/${namespace}`,
    namespace,
    registrationState: providerState(state, subscriptionId, namespace),
    registrationPolicy: "RegistrationRequired",
    resourceTypes:
      namespace.toLowerCase() === "microsoft.kubernetesconfiguration"
        ? ["sourceControlConfigurations", "extensions", "fluxConfigurations", "operations"].map((resourceType) => ({
            resourceType,
            locations: ["East US", "West Europe"],
            apiVersions: ["2023-05-01"],
          }))
        : [],
  };
}

function getProvider(state: ArmState, request: Request): Response {
  const { sub = "", ns = "" } = request.params;
  const checked = guard(state, request, {
    action: "Microsoft.Resources/subscriptions/providers/read",
    scope: `/subscriptions/${sub}`,
    subscriptionId: sub,
    apiVersion: "any",
    resourceType: "providers",
  });
  if (!isPrincipal(checked)) return checked;
  return { status: 200, body: providerBody(state, sub, ns) };
}

function register(state: ArmState, request: Request): Response {
  const { sub = "", ns = "" } = request.params;
  const checked = guard(state, request, {
    action: `${ns}/register/action`,
    scope: `/subscriptions/${sub}`,
    subscriptionId: sub,
    apiVersion: "any",
    resourceType: "providers",
  });
  if (!isPrincipal(checked)) return checked;
  const key = `${sub}/${ns}`.toLowerCase();
  if (providerState(state, sub, ns) !== "Registered") {
    state.providers.set(key, "Registering");
    later(state, state.delays.registrationMs, () => state.providers.set(key, "Registered"));
  }
  return { status: 200, body: providerBody(state, sub, ns) };
}

/**
 * Subscriptions - List (https://learn.microsoft.com/rest/api/resources/subscriptions/list): the subscriptions in which
 * the caller holds a role, as `az login` reads them right after signing in. A well-formed api-version is required, as
 * on every ARM request.
 */
function listSubscriptions(state: ArmState, request: Request): Response {
  const token = signedIn(state, request);
  if ("status" in token) return token;
  if (!/^\d{4}-\d{2}-\d{2}(-preview)?$/.test(request.url.searchParams.get("api-version") ?? ""))
    return armError(400, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.");
  const principals = [token.clientId, token.objectId];
  const value = [...state.subscriptions]
    .filter((sub) =>
      state.assignments.some((a) => principals.includes(a.principalId) && a.scope.toLowerCase().startsWith(`/subscriptions/${sub}`)),
    )
    .map((sub) => ({
      id: `/subscriptions/${sub}`,
      authorizationSource: "RoleBased",
      subscriptionId: sub,
      tenantId: token.tenantId,
      displayName: `Subscription ${sub.slice(0, 8)}`,
      state: "Enabled",
      subscriptionPolicies: { locationPlacementId: "Public_2014-09-01", quotaId: "PayAsYouGo_2014-09-01", spendingLimit: "Off" },
    }));
  return { status: 200, body: { value, count: { type: "Total", value: value.length } } };
}

export function armRoutes(state: ArmState): Route[] {
  return [
    { method: "GET", pattern: /^\/subscriptions\/?$/i, handler: (r) => listSubscriptions(state, r) },
    {
      method: "GET",
      pattern:
        /^\/subscriptions\/(?<sub>[^/]+)\/resourceGroups\/(?<rg>[^/]+)\/providers\/(?<rp>[^/]+)\/(?<type>managedClusters|connectedClusters)\/(?<name>[^/]+)$/i,
      handler: (r) => getCluster(state, r),
    },
    { method: "GET", pattern: /^\/subscriptions\/(?<sub>[^/]+)\/providers\/(?<ns>[^/]+)$/i, handler: (r) => getProvider(state, r) },
    { method: "POST", pattern: /^\/subscriptions\/(?<sub>[^/]+)\/providers\/(?<ns>[^/]+)\/register$/i, handler: (r) => register(state, r) },
  ];
}
