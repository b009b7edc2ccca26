// The microsoft.flux cluster extension: found by type under any name, created when missing, updated only
// where it differs, never recreated; waits for Succeeded and reports the extension's own messages on failure.
import type { Extension, PatchExtension } from "@azure/arm-kubernetesconfiguration";
import type { Arm } from "./arm.ts";
import { awaitOperation, beginWhenFree, explainArmError } from "./arm.ts";
import type { Extension as ExtensionSettings } from "./settings.ts";
import type { FieldChange } from "./flux-configuration-body.ts";
import { ActionError, messageOf } from "./errors.ts";
import { sleep, startProgress } from "./progress.ts";

export type Change = "created" | "updated" | "unchanged" | "deleted";

export interface ExtensionResult {
  readonly change: Change;
  readonly name: string;
  readonly version: string | undefined;
  readonly changes: readonly FieldChange[];
}

const FLUX_TYPE = "microsoft.flux";
const POLL_MS = 1000;

export async function findFluxExtension(arm: Arm): Promise<Extension | undefined> {
  const { resourceGroup, name } = arm.cluster;
  try {
    for await (const extension of arm.client.extensions.list(resourceGroup, arm.clusterRp, arm.cluster.type, name)) {
      if (extension.extensionType?.toLowerCase() === FLUX_TYPE) return extension;
    }
  } catch (error) {
    throw explainArmError(error, arm, "list cluster extensions");
  }
  return undefined;
}

export function desiredExtension(settings: ExtensionSettings, arm: Arm): Extension {
  const pinned = settings.version !== undefined;
  return {
    extensionType: FLUX_TYPE,
    autoUpgradeMinorVersion: !pinned,
    ...(pinned ? { version: settings.version } : { releaseTrain: settings.releaseTrain }),
    scope: { cluster: { releaseNamespace: "flux-system" } },
    configurationSettings: { ...settings.settings },
    // What the Azure CLI adds for Arc-enabled clusters: the extension needs its own identity there.
    ...(arm.cluster.type === "connectedClusters" ? { identity: { type: "SystemAssigned" } } : {}),
  };
}

export function diffExtension(actual: Extension, desired: Extension): { changes: FieldChange[]; patch: PatchExtension | undefined } {
  const changes: FieldChange[] = [];
  const patch: PatchExtension = {};
  if ((actual.autoUpgradeMinorVersion ?? true) !== desired.autoUpgradeMinorVersion) {
    changes.push({ field: "autoUpgradeMinorVersion", from: actual.autoUpgradeMinorVersion, to: desired.autoUpgradeMinorVersion });
    patch.autoUpgradeMinorVersion = desired.autoUpgradeMinorVersion;
  }
  if (desired.releaseTrain && (actual.releaseTrain ?? "Stable").toLowerCase() !== desired.releaseTrain.toLowerCase()) {
    changes.push({ field: "releaseTrain", from: actual.releaseTrain, to: desired.releaseTrain });
    patch.releaseTrain = desired.releaseTrain;
  }
  if (desired.version && desired.version !== (actual.version ?? actual.currentVersion)) {
    changes.push({ field: "version", from: actual.version ?? actual.currentVersion, to: desired.version });
    patch.version = desired.version;
  }
  const settingsPatch: Record<string, string> = {};
  for (const [key, value] of Object.entries(desired.configurationSettings ?? {})) {
    const current = actual.configurationSettings?.[key];
    if (current !== value) {
      settingsPatch[key] = value;
      changes.push({ field: `configurationSettings.${key}`, from: current, to: value });
    }
  }
  if (Object.keys(settingsPatch).length > 0) patch.configurationSettings = settingsPatch;
  return { changes, patch: changes.length > 0 ? patch : undefined };
}

function statusMessages(extension: Extension | undefined): string {
  const lines = [
    ...(extension?.statuses ?? []).map((s) => `${s.level ?? "Info"} ${s.code ?? ""}: ${s.message ?? s.displayStatus ?? ""}`.trim()),
    ...(extension?.errorInfo?.message ? [`${extension.errorInfo.code ?? "Error"}: ${extension.errorInfo.message}`] : []),
  ];
  return lines.length > 0 ? lines.map((l) => `  - ${l}`).join("\n") : "  (the extension reported no status messages)";
}

function failed(arm: Arm, extension: Extension | undefined, cause?: unknown): ActionError {
  return new ActionError("extension-failed", {
    title: "Flux extension failed",
    message:
      `The microsoft.flux extension '${extension?.name ?? "flux"}' on ${arm.cluster.name} is ${extension?.provisioningState ?? "Failed"}` +
      `${cause ? `: ${messageOf(cause)}` : ""}\nIts status messages:\n${statusMessages(extension)}\n` +
      "Fix the cause (often: AAD pod identity without an exception, a node pool too small, or policy blocking the flux-system namespace), " +
      "then delete the extension (`az k8s-extension delete --force`) and re-run this action.",
    cause,
  });
}

async function getExtension(arm: Arm, name: string): Promise<Extension | undefined> {
  try {
    return await arm.client.extensions.get(arm.cluster.resourceGroup, arm.clusterRp, arm.cluster.type, arm.cluster.name, name);
  } catch {
    return undefined;
  }
}

/** Waits while another operation (a previous run, the portal) is still creating or updating the extension. */
async function settle(arm: Arm, extension: Extension, deadline: number, intervalMs: number): Promise<Extension> {
  let current = extension;
  const progress = startProgress("flux extension", "waiting for an operation already under way to finish", intervalMs);
  try {
    while (current.provisioningState === "Creating" || current.provisioningState === "Updating" || current.provisioningState === "Deleting") {
      progress.update(current.provisioningState);
      if (performance.now() > deadline) {
        throw new ActionError("extension-busy", {
          title: "Flux extension stuck",
          message: `The microsoft.flux extension has been ${current.provisioningState} for longer than wait-timeout.\nIts status messages:\n${statusMessages(current)}`,
        });
      }
      await sleep(POLL_MS);
      current = (await getExtension(arm, current.name ?? "flux")) ?? current;
    }
  } finally {
    progress.stop();
  }
  return current;
}

export async function ensureExtension(
  arm: Arm,
  settings: ExtensionSettings,
  deadline: number,
  intervalMs: number,
  /** The flux extension as just read (undefined: there is none). */
  found: Extension | undefined,
): Promise<ExtensionResult> {
  const { resourceGroup, name: clusterName, type } = arm.cluster;
  let existing = found;
  if (existing) existing = await settle(arm, existing, deadline, intervalMs);
  if (existing?.provisioningState === "Failed") throw failed(arm, existing);
  const desired = desiredExtension(settings, arm);
  const name = existing?.name ?? settings.name;
  if (existing) {
    const { changes, patch } = diffExtension(existing, desired);
    if (!patch) return { change: "unchanged", name, version: existing.currentVersion ?? existing.version, changes };
    const result = await runOperation(arm, name, "Updating", intervalMs, () =>
      arm.client.extensions.beginUpdate(resourceGroup, arm.clusterRp, type, clusterName, name, patch, { updateIntervalInMs: POLL_MS }),
    );
    return { change: "updated", name, version: result?.currentVersion ?? result?.version, changes };
  }
  const result = await runOperation(arm, name, "Creating", intervalMs, () =>
    arm.client.extensions.beginCreate(resourceGroup, arm.clusterRp, type, clusterName, name, desired, { updateIntervalInMs: POLL_MS }),
  );
  return { change: "created", name, version: result?.currentVersion ?? result?.version, changes: [] };
}

interface Poller {
  isDone(): boolean;
  poll(): Promise<unknown>;
  pollUntilDone(): Promise<Extension>;
}

async function runOperation(arm: Arm, name: string, state: string, intervalMs: number, begin: () => Promise<Poller>): Promise<Extension | undefined> {
  const progress = startProgress("flux extension", "waiting for Succeeded", intervalMs);
  progress.update(state);
  try {
    const poller = await beginWhenFree(begin, () => progress.update("waiting: another operation is in progress")).catch((error: unknown) => {
      throw explainArmError(error, arm, `${state === "Creating" ? "create" : "update"} the flux extension`);
    });
    const result = await awaitOperation(arm, poller);
    progress.finish(result.provisioningState ?? "Succeeded");
    return result;
  } catch (error) {
    if (error instanceof ActionError) throw error;
    const explained = explainArmError(error, arm, `${state === "Creating" ? "create" : "update"} the flux extension`);
    if (explained instanceof ActionError) throw explained;
    throw failed(arm, await getExtension(arm, name), error);
  } finally {
    progress.stop();
  }
}
