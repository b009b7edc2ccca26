// The fluxConfiguration resource: read, create (PUT with the protected key), patch only what differs, delete.
// Writes return when Azure's operation has ended: on Azure that is after the Flux agent picked the new generation
// up, so its first report is often there already (Az.KubernetesConfiguration's recorded tests, Azure/azure-powershell
// src/KubernetesConfiguration/test/AzKubernetesConfigurationFlux.Recording.json: statusUpdatedAt 10–24 s before the
// operation's Succeeded). The write watches the configuration itself meanwhile: a report since the write says the
// end is near, and the last reading goes to the wait, which often needs no further read.
import type { FluxConfiguration, FluxConfigurationPatch } from "@azure/arm-kubernetesconfiguration";
import type { Arm } from "./arm.ts";
import { explainArmError } from "./arm.ts";
import type { ArmWrite, RestResource } from "./operation.ts";
import { armWrite } from "./arm-write.ts";
import { ActionError, armCodeOf, messageOf, statusOf } from "../errors.ts";
import { formatElapsed, watched, type Show } from "../poll.ts";

export async function getConfiguration(arm: Arm, name: string): Promise<FluxConfiguration | undefined> {
  const { resourceGroup, name: cluster, type } = arm.cluster;
  try {
    return await (await arm.client).fluxConfigurations.get(resourceGroup, arm.clusterRp, type, cluster, name);
  } catch (error) {
    if (statusOf(error) === 404 || armCodeOf(error) === "ResourceNotFound") return undefined;
    throw explainArmError(error, arm, "read the flux configuration");
  }
}

function configurationPath(arm: Arm, name: string): string {
  return `${arm.clusterId}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/${name}`;
}

function protectedSettings(privateKey: string): Record<string, string> {
  return { sshPrivateKey: Buffer.from(privateKey, "utf8").toString("base64") };
}

/** When the Flux agent last reported on the configuration (ms since epoch; -1 when it never did). */
export function reportTime(configuration: { readonly statusUpdatedAt?: Date | string | null } | undefined): number {
  const at = configuration?.statusUpdatedAt;
  return at ? new Date(at).getTime() : -1;
}

export interface ConfigurationWrite {
  /**
   * The agent's last report as the write's own answer showed it (ms since epoch, -1: none): any report after it
   * was made after this write, whatever the clocks of the runner and Azure say.
   */
  readonly reportedBefore: number;
  /** False when Azure answered at once (nothing to change: no operation, no new report to wait for). */
  readonly operation: boolean;
  readonly id: string | undefined;
  /** The configuration as last read while the operation ran (undefined when the write did not watch it). */
  readonly reading?: FluxConfiguration | undefined;
}

function answeredReport(answer: RestResource | undefined): number {
  const at = answer?.properties?.["statusUpdatedAt"];
  return reportTime({ statusUpdatedAt: typeof at === "string" ? at : null });
}

/** A write's deadline, its progress line (the run's), and who wants to know that Azure accepted it. */
export interface WriteOptions {
  readonly deadline: number;
  readonly show: Show;
  readonly onAccepted?: () => void;
}

async function write(
  arm: Arm,
  name: string,
  action: "create" | "update",
  request: ArmWrite,
  options: WriteOptions,
): Promise<ConfigurationWrite> {
  let state = action === "create" ? "Creating" : "Updating";
  const started = performance.now();
  let reading: FluxConfiguration | undefined;
  const timedOut = (): ActionError =>
    new ActionError("wait-timeout", {
      title: "Timed out waiting for Flux",
      message:
        `Waited ${formatElapsed(performance.now() - started)} (wait-timeout) for Azure's operation to ${action} the flux configuration '${name}'. ` +
        `Last state: operation ${state}; the Flux agent in the cluster has not reported back yet.\n` +
        "On Azure the operation ends only after the agent has picked the configuration up: check that the cluster is running and " +
        "the microsoft.flux extension is Succeeded, then re-run (the run picks up where Azure is).",
    });
  const written = await watched(
    options.show,
    { label: "flux configuration", waitingFor: "waiting for Succeeded", first: state },
    (update) =>
      armWrite(arm, {
        request,
        action: `${action} the flux configuration`,
        watch: async (answer) => {
          reading = await getConfiguration(arm, name);
          return { state: reading?.provisioningState, near: reportTime(reading) > answeredReport(answer) };
        },
        deadline: options.deadline,
        ...(options.onAccepted ? { onAccepted: options.onAccepted } : {}),
        onStatus: (status) => update((state = status)),
        timedOut,
        failed: (error) =>
          new ActionError("configuration-failed", {
            title: "Flux configuration failed",
            message: `Azure could not ${action} the flux configuration: ${messageOf(error)}`,
            cause: error,
          }),
      }),
    (done) => (done.operation ? "Succeeded" : "unchanged (Azure had nothing to do)"),
  );
  return { reportedBefore: answeredReport(written.answer), operation: written.operation, id: written.answer?.id, reading };
}

/** Creates the configuration; without a private key (key-source: cluster) the cluster's Flux agent makes the key pair. */
export function createConfiguration(
  arm: Arm,
  name: string,
  body: FluxConfiguration,
  privateKey: string | undefined,
  options: WriteOptions,
): Promise<ConfigurationWrite> {
  const properties: FluxConfiguration = privateKey ? { ...body, configurationProtectedSettings: protectedSettings(privateKey) } : body;
  return write(arm, name, "create", { method: "PUT", path: configurationPath(arm, name), body: { properties } }, options);
}

/** PATCHes only what differs; protected settings only when the key changes (they replace the whole map). */
export function patchConfiguration(
  arm: Arm,
  name: string,
  patch: FluxConfigurationPatch,
  privateKey: string | undefined,
  options: WriteOptions,
): Promise<ConfigurationWrite> {
  const properties: FluxConfigurationPatch = privateKey
    ? { ...patch, configurationProtectedSettings: protectedSettings(privateKey) }
    : patch;
  return write(arm, name, "update", { method: "PATCH", path: configurationPath(arm, name), body: { properties } }, options);
}

export async function deleteConfiguration(arm: Arm, name: string, force: boolean, deadline: number): Promise<void> {
  await armWrite(arm, {
    request: { method: "DELETE", path: configurationPath(arm, name), query: `forceDelete=${String(force)}` },
    action: "delete the flux configuration",
    deadline,
    timedOut: () =>
      new ActionError("wait-timeout", {
        title: "Timed out deleting the flux configuration",
        message: `Azure was still deleting the flux configuration '${name}' when wait-timeout ran out; re-run destroy to finish.`,
      }),
    failed: (_error, explained) => explained,
  });
}
