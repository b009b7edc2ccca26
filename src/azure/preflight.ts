// Checks made before any write (in plan too): the cluster exists with the given type, the resource
// providers are registered (registering them when allowed), and AAD pod identity will not intercept Flux.
import * as core from "@actions/core";
import type { Arm } from "./arm.ts";
import { armRequest, explainArmError } from "./arm.ts";
import type { Settings } from "../inputs/settings.ts";
import { ActionError, armCodeOf, statusOf } from "../errors.ts";
import { doneWith, nextPollDelay, notYet, pollUntil } from "../poll.ts";

interface ClusterResource {
  readonly id?: string;
  readonly location?: string;
  readonly properties?: {
    readonly podIdentityProfile?: {
      readonly enabled?: boolean;
      /** The AKS API's name for pod identity exceptions. */
      readonly userAssignedIdentityExceptions?: readonly { name?: string; namespace?: string; podLabels?: Record<string, string> }[];
    };
  };
}

export interface Preflight {
  readonly location: string | undefined;
  /** Providers this run registered (or, in plan mode, would register). */
  readonly registered: readonly string[];
  readonly warnings: readonly string[];
}

const CLUSTER_API = { managedClusters: "2024-09-01", connectedClusters: "2024-01-01" } as const;
const PROVIDERS_API = "2021-04-01";

async function getCluster(arm: Arm, type: "managedClusters" | "connectedClusters"): Promise<ClusterResource | undefined> {
  const rp = type === "managedClusters" ? "Microsoft.ContainerService" : "Microsoft.Kubernetes";
  const { subscriptionId, resourceGroup, name } = arm.cluster;
  const path = `/subscriptions/${subscriptionId}/resourceGroups/${resourceGroup}/providers/${rp}/${type}/${name}`;
  try {
    return (await armRequest<ClusterResource>(arm, "GET", path, { apiVersion: CLUSTER_API[type] })).body;
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    if (armCodeOf(error) === "AuthorizationFailed") throw notReadable(arm, error);
    throw explainArmError(error, arm, `read the cluster (${rp}/${type}/read)`);
  }
}

/**
 * A refused cluster read. ARM checks the caller's role at the scope before the resource is looked up, so a name the
 * identity holds no role on answers 403 AuthorizationFailed whether or not it exists: ARM's own text says "… over
 * scope '…' or the scope is invalid" (e.g. https://github.com/Azure/ARO-RP/issues/66; RBAC troubleshooting:
 * https://learn.microsoft.com/en-us/azure/role-based-access-control/troubleshooting). With the role at the cluster, as
 * docs/workflows.md advises, a typo in either name looks exactly like a missing role.
 */
function notReadable(arm: Arm, error: unknown): ActionError {
  const { subscriptionId, resourceGroup, name, type } = arm.cluster;
  const list = type === "managedClusters" ? "az aks list" : "az connectedk8s list";
  return new ActionError("cluster-not-readable", {
    title: "Cluster not readable: wrong name or no role",
    message:
      `Azure refused to read cluster '${name}' in resource group '${resourceGroup}' (subscription ${subscriptionId}, ${type}) ` +
      `for client ${arm.clientId}: 403 AuthorizationFailed. Azure answers 403, not 404, for any name the identity holds no role on, so either:\n` +
      `  1. cluster-name '${name}' or resource-group '${resourceGroup}' is not the cluster you mean (with the role assigned at ` +
      `the cluster, every other name is forbidden, not missing). The clusters you can see:\n` +
      `       ${list} --subscription ${subscriptionId} --query "[].{name:name, resourceGroup:resourceGroup}" --output table\n` +
      `  2. or the identity holds no role on this cluster. Grant it the role from examples/azure at the cluster:\n` +
      `       az role assignment create --assignee ${arm.clientId} --role "AKS Flux Bootstrap (${subscriptionId})" --scope ${arm.clusterId}`,
    cause: error,
  });
}

async function checkCluster(arm: Arm): Promise<ClusterResource> {
  const other = arm.cluster.type === "managedClusters" ? "connectedClusters" : "managedClusters";
  let cluster: ClusterResource | undefined;
  try {
    cluster = await getCluster(arm, arm.cluster.type);
  } catch (error) {
    // A role granted on the real cluster does not cover the path of the wrong type: look there before blaming the role.
    if (await getCluster(arm, other).catch(() => undefined)) throw typeMismatch(arm, other);
    throw error;
  }
  if (cluster) return cluster;
  const elsewhere = await getCluster(arm, other).catch(() => undefined);
  if (elsewhere) throw typeMismatch(arm, other);
  throw new ActionError("cluster-not-found", {
    title: "Cluster not found",
    message:
      `No cluster was found at ${arm.clusterId} (also looked for a ${other} resource of that name).\n` +
      "Check subscription-id, resource-group, cluster-name and cluster-type, and that the Azure identity may read the cluster.",
  });
}

function typeMismatch(arm: Arm, other: string): ActionError {
  return new ActionError("cluster-type-mismatch", {
    title: "Wrong cluster-type",
    message: `'${arm.cluster.name}' is a ${other} resource, not ${arm.cluster.type}. Set \`cluster-type: ${other}\`.`,
  });
}

type ProviderPolicy = "register" | "refuse" | "report";

/**
 * Returns "registered" when this run registered it, "would-register" in plan mode, "unreadable" when the identity may
 * not read registrations, undefined when already registered.
 */
async function ensureProvider(
  arm: Arm,
  namespace: string,
  policy: ProviderPolicy,
  deadline: number,
): Promise<"registered" | "would-register" | "unreadable" | undefined> {
  const path = `/subscriptions/${arm.cluster.subscriptionId}/providers/${namespace}`;
  const state = async (): Promise<string> =>
    (await armRequest<{ registrationState?: string }>(arm, "GET", path, { apiVersion: PROVIDERS_API })).body?.registrationState ??
    "Unknown";
  let current: string;
  try {
    current = await state();
  } catch (error) {
    // A principal scoped to the cluster may not read subscription-level registrations: carry on, and let a
    // MissingSubscriptionRegistration answer (explained by explainArmError) say it if it matters.
    if (statusOf(error) === 403) return "unreadable";
    throw explainArmError(error, arm, `read the registration of ${namespace}`);
  }
  if (current === "Registered") return undefined;
  if (policy === "report") return "would-register";
  const command = `az provider register --namespace ${namespace} --subscription ${arm.cluster.subscriptionId} --wait`;
  if (policy === "refuse") {
    throw new ActionError("provider-not-registered", {
      title: "Resource provider not registered",
      message: `${namespace} is ${current} in subscription ${arm.cluster.subscriptionId}. Run once:\n  ${command}\nor set \`register-providers: true\`.`,
    });
  }
  try {
    await armRequest(arm, "POST", `${path}/register`, { apiVersion: PROVIDERS_API });
  } catch (error) {
    if (armCodeOf(error) === "AuthorizationFailed" || statusOf(error) === 403) {
      throw new ActionError("provider-not-registered", {
        title: "Resource provider not registered",
        message:
          `${namespace} is ${current} in subscription ${arm.cluster.subscriptionId}, and the Azure identity may not register it ` +
          `(needs */register/action on the subscription, e.g. Contributor). Ask a subscription owner to run once:\n  ${command}`,
        cause: error,
      });
    }
    throw error;
  }
  core.info(`Registering resource provider ${namespace} …`);
  await pollUntil(
    async () => {
      current = await state();
      return current === "Registered" ? doneWith(current) : notYet();
    },
    {
      deadline,
      firstDelayMs: nextPollDelay(0, undefined),
      timedOut: () =>
        new ActionError("provider-not-registered", {
          title: "Resource provider still registering",
          message: `${namespace} is still ${current} after wait-timeout. Check with: az provider show --namespace ${namespace}`,
        }),
    },
  );
  return "registered";
}

function podIdentityProblem(cluster: ClusterResource): string | undefined {
  const profile = cluster.properties?.podIdentityProfile;
  if (!profile?.enabled) return undefined;
  const excepted = (profile.userAssignedIdentityExceptions ?? []).some(
    (e) => e.namespace === "flux-system" && e.podLabels?.["app.kubernetes.io/name"] === "flux-extension",
  );
  if (excepted) return undefined;
  return (
    "AAD pod identity is enabled on the cluster without an exception for the Flux extension, so it will intercept the " +
    "extension's token requests and the install fails. Add the exception:\n" +
    "  az aks pod-identity exception add --resource-group <rg> --cluster-name <cluster> --namespace flux-system " +
    "--name flux-extension --pod-labels app.kubernetes.io/name=flux-extension"
  );
}

export async function preflight(arm: Arm, settings: Settings, deadline: number, writes: boolean): Promise<Preflight> {
  const cluster = await checkCluster(arm);
  const namespaces = ["Microsoft.KubernetesConfiguration", arm.clusterRp];
  const registered: string[] = [];
  const policy: ProviderPolicy = !settings.azure.registerProviders ? "refuse" : writes ? "register" : "report";
  const outcomes = await Promise.all(namespaces.map((namespace) => ensureProvider(arm, namespace, policy, deadline)));
  namespaces.forEach((namespace, i) => {
    const outcome = outcomes[i];
    if (outcome === "registered" || outcome === "would-register")
      registered.push(outcome === "registered" ? namespace : `${namespace} (would register)`);
  });
  // The recommended role sits at the cluster and cannot read subscription-level registrations: that is fine.
  if (outcomes.includes("unreadable"))
    core.info(
      "Resource provider registrations: not readable at this identity's scope, as expected with a role at the cluster only; " +
        "nothing is wrong. Should a provider be unregistered, Azure's answer names it and the command to register it.",
    );
  const warnings: string[] = [];
  const podIdentity = arm.cluster.type === "managedClusters" ? podIdentityProblem(cluster) : undefined;
  if (podIdentity) {
    const fixed = podIdentity.replace("<rg>", arm.cluster.resourceGroup).replace("<cluster>", arm.cluster.name);
    if (settings.extension.podIdentityCheck === "fail") {
      throw new ActionError("pod-identity", {
        title: "AAD pod identity blocks Flux",
        message: `${fixed}\n(or set \`pod-identity-check: warn\`)`,
      });
    }
    if (settings.extension.podIdentityCheck === "warn") warnings.push(fixed);
  }
  return { location: cluster.location, registered, warnings };
}
