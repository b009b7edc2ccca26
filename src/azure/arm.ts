// The Azure Resource Manager client and the calls the SDK has no operation for (cluster, providers).
import * as core from "@actions/core";
import type { SourceControlConfigurationClient } from "@azure/arm-kubernetesconfiguration";
import type { AzureCredential } from "./credential.ts";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { loadAzureSdk } from "./sdk-chunk.ts";
import type { Cluster } from "../inputs/settings.ts";
import { ActionError, armCodeOf, messageOf, statusOf } from "../errors.ts";
import type { WriteGate } from "../write-gate.ts";
import { throttlingPolicy } from "./throttling.ts";
import { ReadBudget, readBudgetPolicy } from "./read-budget.ts";

export interface Arm {
  /** The SDK client, there once the Azure SDK chunk has loaded (the load starts with createArm; await it at each use). */
  readonly client: Promise<SourceControlConfigurationClient>;
  readonly cluster: Cluster;
  readonly clusterRp: string;
  /** Full ARM id of the cluster. */
  readonly clusterId: string;
  readonly endpoint: string;
  /** The client ID the run signs in with, for the commands error messages give. */
  readonly clientId: string;
  /** What ARM says is left of the identity's read budget; every wait on ARM is paced by it. */
  readonly budget: ReadBudget;
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

/** Logs each ARM request and status at debug level (runner debug logging), never bodies or headers. */
const debugPolicy: PipelinePolicy = {
  name: "aksFluxBootstrapDebug",
  async sendRequest(request, next) {
    const started = performance.now();
    const url = request.url.replace(/\?.*$/, "");
    try {
      const response = await next(request);
      core.debug(`arm: ${request.method} ${url} -> ${response.status} (${Math.round(performance.now() - started)} ms)`);
      return response;
    } catch (error) {
      core.debug(`arm: ${request.method} ${url} -> failed (${Math.round(performance.now() - started)} ms)`);
      throw error;
    }
  },
};

/** Refuses every write once the run is cancelled (see write-gate.ts); once per call, before its retries. */
function gatePolicy(gate: WriteGate): PipelinePolicy {
  return {
    name: "aksFluxBootstrapWriteGate",
    sendRequest(request, next) {
      gate.check(request.method, request.url.replace(/^https:\/\/[^/]+/i, "").replace(/\?.*$/, ""), "arm");
      return next(request);
    },
  };
}

/** Starts loading the Azure SDK and returns at once: nothing waits for the SDK until it first calls Azure. */
export function createArm(credential: AzureCredential, cluster: Cluster, endpoint: string, gate?: WriteGate, deadline?: number): Arm {
  const budget = new ReadBudget();
  const client = loadAzureSdk().then(
    (sdk) =>
      new sdk.SourceControlConfigurationClient(credential, cluster.subscriptionId, {
        endpoint,
        credentialScopes: [`${endpoint.replace(/\/$/, "")}/.default`],
        retryOptions: { maxRetries: 5, retryDelayInMs: 800, maxRetryDelayInMs: 20_000 },
        additionalPolicies: [
          // Before the debug policy, which then logs each 429 and each try after it.
          ...(deadline !== undefined ? [{ policy: throttlingPolicy(deadline), position: "perRetry" as const }] : []),
          { policy: debugPolicy, position: "perRetry" },
          // Innermost: sees every answer, each try and each 429 included.
          { policy: readBudgetPolicy(budget), position: "perRetry" },
          ...(gate ? [{ policy: gatePolicy(gate), position: "perCall" as const }] : []),
        ],
      }),
  );
  client.catch(() => undefined);
  return {
    client,
    cluster,
    clusterRp: clusterRpOf(cluster),
    clusterId: clusterIdOf(cluster),
    endpoint,
    clientId: credential.clientId,
    budget,
  };
}

export interface ArmResponse<T> {
  readonly status: number;
  readonly body: T | undefined;
  readonly headers: { get(name: string): string | undefined };
}

/**
 * A plain ARM call through the SDK's pipeline (auth, retries, throttling, logging). `target` is a path below the
 * endpoint (the api-version is added) or an absolute URL ARM handed out (an operation's, which carries its own).
 */
export async function armRequest<T>(
  arm: Arm,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  target: string,
  options: { readonly apiVersion?: string; readonly body?: unknown; readonly query?: string } = {},
): Promise<ArmResponse<T>> {
  const [client, sdk] = await Promise.all([arm.client, loadAzureSdk()]);
  const absolute = /^https:\/\//i.test(target);
  const query = [`api-version=${options.apiVersion ?? client.apiVersion}`, ...(options.query ? [options.query] : [])].join("&");
  const url = absolute ? target : `${arm.endpoint.replace(/\/$/, "")}${target}?${query}`;
  const request = sdk.createPipelineRequest({ url, method });
  if (options.body !== undefined) {
    request.body = JSON.stringify(options.body);
    request.headers.set("content-type", "application/json");
  }
  const response = await client.sendRequest(request);
  const body = response.bodyAsText ? (JSON.parse(response.bodyAsText) as T) : undefined;
  if (response.status >= 400) {
    const error = (body as { error?: { code?: string; message?: string } } | undefined)?.error;
    const path = target.replace(/^https:\/\/[^/]+/i, "").replace(/\?.*$/, "");
    throw Object.assign(new Error(error?.message ?? `ARM answered ${response.status} for ${method} ${path}`), {
      statusCode: response.status,
      code: error?.code,
    });
  }
  return { status: response.status, body, headers: response.headers };
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
        `  az role assignment create --assignee ${arm.clientId} --role "AKS Flux Bootstrap (${arm.cluster.subscriptionId})" --scope ${scope}`,
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
    return Object.assign(
      new Error(`Azure Resource Manager refused to ${action} (HTTP ${status}${code ? ` ${code}` : ""}): ${error.message}`, {
        cause: error,
      }),
      {
        statusCode: status,
        code,
      },
    );
  }
  return error;
}
