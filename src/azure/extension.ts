// The microsoft.flux cluster extension: found by type under any name, created when missing, updated only
// where it differs, never recreated; waits for Succeeded and reports the extension's own messages on failure.
import * as core from "@actions/core";
import type { Extension } from "@azure/arm-kubernetesconfiguration";
import { FLUX_TYPE, desiredExtension, diffExtension } from "./extension-body.ts";
import type { Arm } from "./arm.ts";
import { explainArmError } from "./arm.ts";
import type { ArmWrite } from "./operation.ts";
import { writeWhenSettledShown } from "./settle.ts";
import { armWrite } from "./arm-write.ts";
import type { ExtensionSettings } from "../inputs/settings.ts";
import type { FieldDiff } from "./flux-configuration-body.ts";
import { ActionError, messageOf, statusOf } from "../errors.ts";
import { watched, type Show } from "../poll.ts";

export interface ExtensionResult {
  readonly change: "created" | "updated" | "unchanged";
  readonly name: string;
  readonly version: string | undefined;
  readonly changes: readonly FieldDiff[];
  /** The version installed, read once the operation Succeeded, beside the configuration write; else `version`. */
  readonly installed: Promise<string | undefined>;
}

export async function findFluxExtension(arm: Arm): Promise<Extension | undefined> {
  const { resourceGroup, name } = arm.cluster;
  try {
    for await (const extension of (await arm.client).extensions.list(resourceGroup, arm.clusterRp, arm.cluster.type, name)) {
      if (extension.extensionType?.toLowerCase() === FLUX_TYPE) return extension;
    }
  } catch (error) {
    throw explainArmError(error, arm, "list cluster extensions");
  }
  return undefined;
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

async function readExtension(arm: Arm, name: string): Promise<Extension | undefined> {
  try {
    return await (await arm.client).extensions.get(arm.cluster.resourceGroup, arm.clusterRp, arm.cluster.type, arm.cluster.name, name);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw explainArmError(error, arm, "read the flux extension");
  }
}

/** For failure messages only: what the extension says about itself, if it can be read. */
function lastWords(arm: Arm, name: string): Promise<Extension | undefined> {
  return readExtension(arm, name).catch(() => undefined);
}

function extensionPath(arm: Arm, name: string): string {
  return `${arm.clusterId}/providers/Microsoft.KubernetesConfiguration/extensions/${name}`;
}

/** The REST shape of an extension body: identity beside `properties`. */
function restBody(extension: Extension): unknown {
  const { identity, ...properties } = extension;
  return { ...(identity ? { identity } : {}), properties };
}

function busyTooLong(extension: Extension): ActionError {
  return new ActionError("extension-busy", {
    title: "Flux extension stuck",
    message: `The microsoft.flux extension has been ${extension.provisioningState ?? "busy"} for longer than wait-timeout.\nIts status messages:\n${statusMessages(extension)}`,
  });
}

/** The progress line of a wait for an operation already under way on the extension. */
const BUSY = { label: "flux extension", waitingFor: "waiting for an operation already under way to finish" };

export interface ExtensionWriteOptions {
  readonly deadline: number;
  /** The run's progress lines. */
  readonly show: Show;
}

export async function ensureExtension(
  arm: Arm,
  settings: ExtensionSettings,
  /** The flux extension as just read (undefined: there is none). */
  found: Extension | undefined,
  options: ExtensionWriteOptions,
): Promise<ExtensionResult> {
  const desired = desiredExtension(settings, arm);
  const name = found?.name ?? settings.name;
  return whenSettled(arm, name, found, options, async (existing): Promise<ExtensionResult> => {
    if (existing?.provisioningState === "Failed") throw failed(arm, existing);
    if (existing) {
      const { changes, patch } = diffExtension(existing, desired);
      const version = existing.currentVersion ?? existing.version;
      if (!patch) return { change: "unchanged", name, version, changes, installed: Promise.resolve(version) };
      const request: ArmWrite = { method: "PATCH", path: extensionPath(arm, name), body: { properties: patch } };
      await runOperation(arm, name, "Updating", request, options);
      return { change: "updated", name, version, changes, installed: installedVersion(arm, name, version) };
    }
    const request: ArmWrite = { method: "PUT", path: extensionPath(arm, name), body: restBody(desired) };
    await runOperation(arm, name, "Creating", request, options);
    return { change: "created", name, version: desired.version, changes: [], installed: installedVersion(arm, name, desired.version) };
  });
}

/** Reads the version an operation that has Succeeded installed; `known` when the read fails (it is for the report only). */
function installedVersion(arm: Arm, name: string, known: string | undefined): Promise<string | undefined> {
  return readExtension(arm, name).then(
    (read) => read?.currentVersion ?? read?.version ?? known,
    (error: unknown) => {
      const why = messageOf(error).split("\n")[0] ?? "";
      core.info(`The installed version of the flux extension not read (it is for the report only): ${why}`);
      return known;
    },
  );
}

/** Decides and writes once no operation holds the extension; asked again on what is there after a 409. */
function whenSettled<T>(
  arm: Arm,
  name: string,
  found: Extension | undefined,
  options: ExtensionWriteOptions,
  attempt: (current: Extension | undefined) => Promise<T>,
): Promise<T> {
  return writeWhenSettledShown(options.show, BUSY, found, attempt, {
    read: () => readExtension(arm, name),
    deadline: options.deadline,
    busyTooLong,
    pace: arm.budget.pace,
  });
}

async function runOperation(
  arm: Arm,
  name: string,
  state: "Creating" | "Updating",
  request: ArmWrite,
  options: ExtensionWriteOptions,
): Promise<void> {
  await watched(
    options.show,
    { label: "flux extension", waitingFor: "waiting for Succeeded", first: state },
    async (onStatus) => {
      await armWrite(arm, {
        request,
        action: `${state === "Creating" ? "create" : "update"} the flux extension`,
        deadline: options.deadline,
        onStatus,
        timedOut: () =>
          new ActionError("wait-timeout", {
            title: "Timed out waiting for the Flux extension",
            message: `The microsoft.flux extension '${name}' was still ${state} when wait-timeout ran out. Raise wait-timeout (an install can take several minutes) and re-run: the action picks up where Azure is.`,
          }),
        failed: async (error) => failed(arm, await lastWords(arm, name), error),
      });
    },
    () => "Succeeded",
  );
}

/** Deletes the extension once no operation holds it (a killed run's install), and waits until it is gone. */
export async function deleteExtension(arm: Arm, found: Extension, force: boolean, options: ExtensionWriteOptions): Promise<void> {
  const name = found.name ?? "flux";
  await whenSettled(arm, name, found, options, async (current) => {
    if (!current) return;
    await armWrite(arm, {
      request: { method: "DELETE", path: extensionPath(arm, name), query: `forceDelete=${String(force)}` },
      action: "delete the flux extension",
      deadline: options.deadline,
      timedOut: () =>
        new ActionError("wait-timeout", {
          title: "Timed out deleting the flux extension",
          message: `Azure was still deleting the microsoft.flux extension '${name}' when wait-timeout ran out; re-run destroy to finish.`,
        }),
      failed: (_error, explained) => explained,
    });
  });
}
