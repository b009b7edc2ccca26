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
  /** The last Retry-After (ms) a long-running-operation answer (write or poll) carried. */
  readonly retryAfter: { ms: number | undefined };
}

/** Parses Retry-After: seconds or an HTTP date. */
export function retryAfterMs(value: string | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** Remembers the Retry-After of writes and operation polls, so the action's own polling honours it. */
function retryAfterPolicy(hint: { ms: number | undefined }): PipelinePolicy {
  return {
    name: "aksFluxBootstrapRetryAfter",
    async sendRequest(request, next) {
      const response = await next(request);
      const asked = retryAfterMs(response.headers.get("retry-after") ?? undefined);
      // A poll answer without Retry-After keeps what the write (or an earlier poll) asked for.
      if (asked !== undefined && (request.method !== "GET" || /\/operations\//i.test(request.url))) hint.ms = asked;
      return response;
    },
  };
}

const MIN_POLL_MS = 250;
const MAX_POLL_MS = 10_000;

/** How long to wait before the next poll: about a tenth of the time waited so far, never sooner than the server asks. */
export function nextPollDelay(elapsedMs: number, serverAsksMs: number | undefined): number {
  const cadence = Math.min(Math.max(MIN_POLL_MS, elapsedMs / 10), MAX_POLL_MS);
  return Math.max(cadence, serverAsksMs ?? 0);
}

interface Operation<T> {
  isDone(): boolean;
  poll(): Promise<unknown>;
  pollUntilDone(): Promise<T>;
}

/**
 * Polls a long-running operation at the action's own cadence (fast at first, gentle later) while honouring
 * every Retry-After the server sends; `pollUntilDone` then only returns the result or throws the failure.
 */
export async function awaitOperation<T>(arm: Arm, operation: Operation<T>): Promise<T> {
  const started = performance.now();
  while (!operation.isDone()) {
    await new Promise((resolve) => setTimeout(resolve, nextPollDelay(performance.now() - started, arm.retryAfter.ms)));
    await operation.poll();
  }
  return operation.pollUntilDone();
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
  const retryAfter: { ms: number | undefined } = { ms: undefined };
  const client = new SourceControlConfigurationClient(credential, cluster.subscriptionId, {
    endpoint,
    credentialScopes: [`${endpoint.replace(/\/$/, "")}/.default`],
    retryOptions: { maxRetries: 5, retryDelayInMs: 800, maxRetryDelayInMs: 20_000 },
    additionalPolicies: [...policies, retryAfterPolicy(retryAfter)].map((policy) => ({ policy, position: "perRetry" as const })),
  });
  return { client, cluster, clusterRp: clusterRpOf(cluster), clusterId: clusterIdOf(cluster), endpoint, retryAfter };
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
  const started = performance.now();
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await begin();
    } catch (error) {
      if (!isBusy(error) || performance.now() - started > BUSY_RETRY_MS) throw error;
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
