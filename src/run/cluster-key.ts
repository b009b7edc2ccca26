// key-source: cluster. With an SSH URL and no sshPrivateKey, Azure's fluxconfig-controller "creates a
// private/public key pair that exists for the lifetime of the fluxConfigurations" and publishes the public half
// as the read-only repositoryPublicKey (learn.microsoft.com/azure/azure-arc/kubernetes/conceptual-gitops-flux2). The action waits for that public half and registers it as
// the read-only deploy key; the private half never leaves the cluster: not the runner, a log, a state file or a
// secret store. Until the key is registered Flux's fetches fail (Permission denied) and it retries with a growing
// delay, so after registering the action nudges the GitRepository spec (see azure/key-switch.ts) to fetch now.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import type { Run } from "./run.ts";
import { getConfiguration } from "../azure/flux-configuration.ts";
import { ActionError } from "../errors.ts";
import { doneWith, notYet, pollUntil, watched } from "../poll.ts";
import { fingerprintOf, parsePublicKey } from "../ssh/public-keys.ts";
import type { PublicHalf } from "./deploy-keys.ts";
import type { DeployKey } from "../github/deploy-keys.ts";
import { clusterMadeTitle } from "../github/key-titles.ts";

export interface PublishedKey extends PublicHalf {
  /** The configuration as read when it showed the key. */
  readonly configuration: FluxConfiguration;
}

/** The public half of the configuration's own key, when it has published one (type and base64, no comment). */
export function publishedKey(configuration: FluxConfiguration | undefined): PublicHalf | undefined {
  const line = configuration?.repositoryPublicKey?.trim();
  if (!line) return undefined;
  const { type, blob } = parsePublicKey(line);
  const publicBlob = `${type} ${blob.toString("base64")}`;
  return { publicBlob, fingerprint: fingerprintOf(publicBlob) };
}

/** Waits until the configuration publishes the key pair the cluster made. */
export async function awaitClusterKey(run: Run): Promise<PublishedKey> {
  const name = run.settings.flux.name;
  const line = { label: "cluster key", waitingFor: "waiting for the Flux agent to publish the public half of the key it made" };
  return watched(run.show, line, (update) =>
    pollUntil(
      async () => {
        const configuration = await getConfiguration(run.arm, name);
        const key = publishedKey(configuration);
        if (configuration && key) return doneWith({ ...key, configuration });
        update(configuration ? "no repositoryPublicKey yet" : "configuration not found");
        return notYet();
      },
      {
        deadline: run.deadline,
        pace: run.arm.budget.pace,
        timedOut: () =>
          new ActionError("cluster-key-missing", {
            title: "The cluster published no key",
            message:
              `The flux configuration '${name}' has no repositoryPublicKey after wait-timeout: the cluster's Flux agent did not make ` +
              "a key pair or did not report it. Check that the microsoft.flux extension is Succeeded and its agent running " +
              "(az k8s-extension show), or use key-source: action.",
          }),
      },
    ),
  );
}

/** Says where the private key lives, once per run, in the log and the summary. */
export function noteClusterKey(run: Run): void {
  const line = "Key source: cluster. The cluster's Flux agent made the key pair; its private half never left the cluster.";
  core.info(line);
  run.report.notes.push(line);
}

/**
 * Why rotate leaves the key alone, or undefined when it may rotate. A cluster-made key lives as long as the
 * configuration, and recreating the configuration can prune what it deployed, so that is never done silently;
 * switching to a key the action makes needs `key-source: action` said explicitly.
 */
export function clusterRotationBlock(run: Run, current: DeployKey | undefined): string | undefined {
  const { key } = run.settings;
  const clusterMade = current !== undefined && clusterMadeTitle(current.title);
  if (key.source !== "cluster" && !(clusterMade && !key.sourceExplicit)) return undefined;
  return (
    "The configuration's key was made by the cluster's Flux agent (key-source: cluster) and lives as long as the configuration: " +
    "the cluster makes a new pair only when the configuration is created again, and recreating it can prune what Flux deployed. " +
    "To rotate, either run rotate with `key-source: action` (the action makes a new key, proves it in use, then removes the cluster key's " +
    "deploy key; the private half then passes through the runner), or run destroy and apply again with key-source: cluster."
  );
}
