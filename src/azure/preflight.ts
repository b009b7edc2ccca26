// Checks made before any write (in plan too): the cluster exists with the given type, the resource
// providers are registered (registering them when allowed), and AAD pod identity will not intercept Flux.
import * as core from "@actions/core";
import type { Arm } from "./arm.ts";
import { armRequest, explainArmError } from "./arm.ts";
import { checkCluster, type ClusterResource } from "./cluster.ts";
import type { Settings } from "../inputs/settings.ts";
import { ActionError, armCodeOf, statusOf } from "../errors.ts";
import { doneWith, nextPollDelay, notYet, pollUntil } from "../poll.ts";

export interface Preflight {
  /** Providers this run registered (or, in plan mode, would register). */
  readonly registered: readonly string[];
  readonly warnings: readonly string[];
}

const PROVIDERS_API = "2021-04-01";

type ProviderPolicy = "register" | "refuse" | "report";

/** A provider's registrationState in the subscription ("Registered", "NotRegistered", "Registering" …). */
async function registrationState(arm: Arm, namespace: string): Promise<string> {
  const path = `/subscriptions/${arm.cluster.subscriptionId}/providers/${namespace}`;
  return (
    (await armRequest<{ registrationState?: string }>(arm, "GET", path, { apiVersion: PROVIDERS_API })).body?.registrationState ?? "Unknown"
  );
}

/** The registration as read before anything is decided; undefined when the identity may not read registrations. */
async function readRegistration(arm: Arm, namespace: string): Promise<string | undefined> {
  try {
    return await registrationState(arm, namespace);
  } catch (error) {
    // A principal scoped to the cluster may not read subscription-level registrations: carry on, and let a
    // MissingSubscriptionRegistration answer (explained by explainArmError) say it if it matters.
    if (statusOf(error) === 403) return undefined;
    throw explainArmError(error, arm, `read the registration of ${namespace}`);
  }
}

/**
 * Acts on a registration as read (`current`, undefined when not readable), once the cluster check has passed. Returns
 * "registered" when this run registered it, "would-register" in plan mode, "unreadable" when the identity may not read
 * registrations, undefined when already registered.
 */
async function ensureProvider(
  arm: Arm,
  namespace: string,
  current: string | undefined,
  policy: ProviderPolicy,
  deadline: number,
): Promise<"registered" | "would-register" | "unreadable" | undefined> {
  const path = `/subscriptions/${arm.cluster.subscriptionId}/providers/${namespace}`;
  if (current === undefined) return "unreadable";
  if (current === "Registered") return undefined;
  if (policy === "report") return "would-register";
  const command = `az provider register --namespace ${namespace} --subscription ${arm.cluster.subscriptionId} --wait`;
  if (policy === "refuse") {
    throw new ActionError("provider-not-registered", {
      title: "Resource provider not registered",
      message:
        `${namespace} is ${current} in subscription ${arm.cluster.subscriptionId}. Someone who may register providers there ` +
        `(*/register/action, e.g. a subscription owner) runs once:\n  ${command}\n` +
        "or set `register-providers: true` for an identity that may.",
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
      current = await registrationState(arm, namespace);
      return current === "Registered" ? doneWith(current) : notYet();
    },
    {
      deadline,
      firstDelayMs: nextPollDelay(0, undefined),
      pace: arm.budget.pace,
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
  const namespaces = ["Microsoft.KubernetesConfiguration", arm.clusterRp];
  // The registrations are read beside the cluster check; what is done about them (a refusal, the register POST) waits
  // for the check to pass, and its error wins over theirs.
  const reads = Promise.all(namespaces.map(async (namespace) => ({ namespace, current: await readRegistration(arm, namespace) })));
  reads.catch(() => undefined); // awaited below, once the cluster check has passed
  const cluster = await checkCluster(arm);
  const read = await reads;
  const registered: string[] = [];
  const policy: ProviderPolicy = !settings.azure.registerProviders ? "refuse" : writes ? "register" : "report";
  const outcomes = await Promise.all(read.map(({ namespace, current }) => ensureProvider(arm, namespace, current, policy, deadline)));
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
  return { registered, warnings };
}
