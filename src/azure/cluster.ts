// The cluster, read before anything else: it exists with the given type, and a refused read says why it may be refused.
import type { Arm } from "./arm.ts";
import { armRequest, explainArmError } from "./arm.ts";
import { ActionError, armCodeOf, statusOf } from "../errors.ts";

export interface ClusterResource {
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

const CLUSTER_API = { managedClusters: "2024-09-01", connectedClusters: "2024-01-01" } as const;

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

export async function checkCluster(arm: Arm): Promise<ClusterResource> {
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
