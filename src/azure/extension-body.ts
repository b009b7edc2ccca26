// The microsoft.flux extension the settings ask for, and what differs from the one on the cluster (pure).
import type { Extension, PatchExtension } from "@azure/arm-kubernetesconfiguration";
import type { Arm } from "./arm.ts";
import type { ExtensionSettings } from "../inputs/settings.ts";
import type { FieldDiff } from "./flux-configuration-body.ts";

export const FLUX_TYPE = "microsoft.flux";

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

export function diffExtension(actual: Extension, desired: Extension): { changes: FieldDiff[]; patch: PatchExtension | undefined } {
  const changes: FieldDiff[] = [];
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
