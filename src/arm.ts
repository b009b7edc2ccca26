// The Azure Resource Manager client and the calls the SDK has no operation for (cluster, providers).
import { SourceControlConfigurationClient } from "@azure/arm-kubernetesconfiguration";
import type { TokenCredential } from "@azure/identity";
import { createPipelineRequest, type PipelinePolicy } from "@azure/core-rest-pipeline";
import type { Cluster } from "./settings.ts";
import { ActionError, armCodeOf, messageOf, statusOf } from "./errors.ts";

export interface Arm {
  readonly client: SourceControlConfigurationClient;
  readonly cluster: Cluster;
  readonly clusterRp: string;
  /** Full ARM id of the cluster. */
  readonly clusterId: string;
  readonly endpoint: string;
}

export function clusterRpOf(cluster: Cluster): string {
  return cluster.type === "managedClusters" ? "Microsoft.ContainerService" : "Microsoft.Kubernetes";
}

export function clusterIdOf(cluster: Cluster): string {
  return (
    `/subscriptions/${cluster.subscriptionId}/resourceGroups/${cluster.resourceGroup}` +
    `/providers/${clusterRpOf(cluster)}/${cluster.type}/${cluster.name}`
  );
}

export function createArm(
  credential: TokenCredential,
  cluster: Cluster,
  endpoint: string,
  policies: readonly PipelinePolicy[] = [],
): Arm {
  const client = new SourceControlConfigurationClient(credential, cluster.subscriptionId, {
    endpoint,
    credentialScopes: [`${endpoint.replace(/\/$/, "")}/.default`],
    retryOptions: { maxRetries: 5, retryDelayInMs: 800, maxRetryDelayInMs: 20_000 },
    additionalPolicies: policies.map((policy) => ({ policy, position: "perRetry" as const })),
  });
  return { client, cluster, clusterRp: clusterRpOf(cluster), clusterId: clusterIdOf(cluster), endpoint };
}

export interface ArmResponse<T> {
  readonly status: number;
  readonly body: T | undefined;
}

/** A plain ARM call through the SDK's pipeline (auth, retries, throttling, logging). */
export async function armRequest<T>(
  arm: Arm,
  method: "GET" | "POST",
  path: string,
  apiVersion: string,
): Promise<ArmResponse<T>> {
  const url = `${arm.endpoint.replace(/\/$/, "")}${path}?api-version=${apiVersion}`;
  const response = await arm.client.sendRequest(createPipelineRequest({ url, method }));
  const body = response.bodyAsText ? (JSON.parse(response.bodyAsText) as T) : undefined;
  if (response.status >= 400) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    throw Object.assign(new Error(error?.message ?? `ARM answered ${response.status} for ${method} ${path}`), {
      statusCode: response.status,
      code: error?.code,
    });
  }
  return { status: response.status, body };
}

const BUSY_RETRY_MS = 10 * 60_000;

/** True for ARM's "another operation is in progress" answer (409), which says: retry later. */
export function isBusy(error: unknown): boolean {
  return armCodeOf(error) === "AnotherOperationInProgress" || (statusOf(error) === 409 && /operation is in progress/i.test(messageOf(error)));
}

/** Starts a write, waiting and starting again while another operation (a parallel run, the portal) holds the resource. */
export async function beginWhenFree<T>(begin: () => Promise<T>, onWait: (message: string) => void = () => {}): Promise<T> {
  const started = Date.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await begin();
    } catch (error) {
      if (!isBusy(error) || Date.now() - started > BUSY_RETRY_MS) throw error;
      onWait(messageOf(error));
      await new Promise((resolve) => setTimeout(resolve, Math.min(1000 * attempt, 10_000)));
    }
  }
}

/** Turns ARM's common refusals into errors that name the fix; other errors pass through unchanged. */
export function explainArmError(error: unknown, arm: Arm, action: string): unknown {
  const code = armCodeOf(error);
  const scope = arm.clusterId;
  if (code === "AuthorizationFailed" || code === "LinkedAuthorizationFailed") {
    return new ActionError("azure-role-missing", {
      title: "Azure role missing",
      message:
        `The Azure identity may not ${action}: ${messageOf(error)}\n` +
        "No narrow built-in role covers flux configurations (Kubernetes Extension Contributor has only extensions/*). " +
        "Grant the identity the custom role from examples/azure (extensions/* and fluxConfigurations/* plus cluster read) at the cluster:\n" +
        `  az role assignment create --assignee <client-id> --role "AKS Flux Bootstrap (${arm.cluster.subscriptionId})" --scope ${scope}`,
      cause: error,
    });
  }
  if (code === "MissingSubscriptionRegistration") {
    const namespace = /namespace '([^']+)'/.exec(messageOf(error))?.[1] ?? "Microsoft.KubernetesConfiguration";
    return new ActionError("provider-not-registered", {
      title: "Resource provider not registered",
      message:
        `The subscription is not registered for ${namespace}. Run once (needs */register/action on the subscription):\n` +
        `  az provider register --namespace ${namespace} --subscription ${arm.cluster.subscriptionId} --wait\n` +
        `or let this action do it with \`register-providers: true\` and a role that may register providers.`,
      cause: error,
    });
  }
  if (code === "InvalidAuthenticationToken" || code === "ExpiredAuthenticationToken") {
    return new ActionError("azure-sign-in", {
      title: "Azure rejected the access token",
      message: `Azure Resource Manager rejected the access token while trying to ${action}: ${messageOf(error)}`,
      cause: error,
    });
  }
  const status = statusOf(error);
  if (status !== undefined && error instanceof Error && !error.message.startsWith("Azure Resource Manager ")) {
    // Name the call, keeping status and code for callers that look at them.
    return Object.assign(new Error(`Azure Resource Manager refused to ${action} (HTTP ${status}${code ? ` ${code}` : ""}): ${error.message}`, { cause: error }), {
      statusCode: status,
      code,
    });
  }
  return error;
}
