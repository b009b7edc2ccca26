// The fluxConfiguration resource: read, create (PUT with the protected key), patch only what differs, delete.
import type { FluxConfiguration, FluxConfigurationPatch } from "@azure/arm-kubernetesconfiguration";
import type { Arm } from "./arm.ts";
import { awaitOperation, beginWhenFree, explainArmError } from "./arm.ts";
import { ActionError, armCodeOf, messageOf, statusOf } from "./errors.ts";
import { startProgress } from "./progress.ts";

const POLL_MS = 1000;

export async function getConfiguration(arm: Arm, name: string): Promise<FluxConfiguration | undefined> {
  const { resourceGroup, name: cluster, type } = arm.cluster;
  try {
    return await arm.client.fluxConfigurations.get(resourceGroup, arm.clusterRp, type, cluster, name);
  } catch (error) {
    if (statusOf(error) === 404 || armCodeOf(error) === "ResourceNotFound") return undefined;
    throw explainArmError(error, arm, "read the flux configuration");
  }
}

function protectedSettings(privateKey: string): Record<string, string> {
  return { sshPrivateKey: Buffer.from(privateKey, "utf8").toString("base64") };
}

async function finish(arm: Arm, action: string, begin: () => Promise<{ isDone(): boolean; poll(): Promise<unknown>; pollUntilDone(): Promise<FluxConfiguration> }>, intervalMs: number): Promise<FluxConfiguration> {
  const progress = startProgress("flux configuration", "waiting for Succeeded", intervalMs);
  progress.update(action === "create" ? "Creating" : "Updating");
  try {
    const poller = await beginWhenFree(begin, () => progress.update("waiting: another operation is in progress")).catch((error: unknown) => {
      throw explainArmError(error, arm, `${action} the flux configuration`);
    });
    const result = await awaitOperation(arm, poller);
    progress.finish(result.provisioningState ?? "Succeeded");
    return result;
  } catch (error) {
    if (error instanceof ActionError) throw error;
    throw new ActionError("configuration-failed", {
      title: "Flux configuration failed",
      message: `Azure could not ${action} the flux configuration: ${messageOf(error)}`,
      cause: error,
    });
  } finally {
    progress.stop();
  }
}

export async function createConfiguration(arm: Arm, name: string, body: FluxConfiguration, privateKey: string, intervalMs: number): Promise<FluxConfiguration> {
  const { resourceGroup, name: cluster, type } = arm.cluster;
  const withKey: FluxConfiguration = { ...body, configurationProtectedSettings: protectedSettings(privateKey) };
  return finish(arm, "create", () =>
    arm.client.fluxConfigurations.beginCreateOrUpdate(resourceGroup, arm.clusterRp, type, cluster, name, withKey, { updateIntervalInMs: POLL_MS }),
  intervalMs);
}

/** PATCHes only what differs; protected settings only when the key changes (they replace the whole map). */
export async function patchConfiguration(
  arm: Arm,
  name: string,
  patch: FluxConfigurationPatch,
  privateKey: string | undefined,
  intervalMs: number,
): Promise<FluxConfiguration> {
  const { resourceGroup, name: cluster, type } = arm.cluster;
  const body: FluxConfigurationPatch = privateKey ? { ...patch, configurationProtectedSettings: protectedSettings(privateKey) } : patch;
  return finish(arm, "update", () =>
    arm.client.fluxConfigurations.beginUpdate(resourceGroup, arm.clusterRp, type, cluster, name, body, { updateIntervalInMs: POLL_MS }),
  intervalMs);
}

export async function deleteConfiguration(arm: Arm, name: string, force: boolean): Promise<void> {
  const { resourceGroup, name: cluster, type } = arm.cluster;
  try {
    const poller = await arm.client.fluxConfigurations.beginDelete(resourceGroup, arm.clusterRp, type, cluster, name, {
      forceDelete: force,
      updateIntervalInMs: POLL_MS,
    });
    await awaitOperation(arm, poller);
  } catch (error) {
    if (statusOf(error) === 404) return;
    throw explainArmError(error, arm, "delete the flux configuration");
  }
}
