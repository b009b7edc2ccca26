// mode: apply — extension, deploy key and flux configuration, then wait until Flux is healthy at the
// expected commit. A re-run of a healthy cluster writes nothing; a failure removes the deploy key it added.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { configurationReport, statusesOf } from "../report/report.ts";
import type { Run } from "../run/run.ts";
import type { Observed } from "../run/current-state.ts";
import { observe } from "../run/current-state.ts";
import { ensureExtension } from "../azure/extension.ts";
import { desiredConfiguration, diffConfiguration, keyChange } from "../azure/flux-configuration-body.ts";
import { createConfiguration, getConfiguration, patchConfiguration, reportTime } from "../azure/flux-configuration.ts";
import { waitForReconciliation } from "../azure/reconciliation.ts";
import { judge } from "../azure/flux-status.ts";
import { adoptOtherRunsKey, keyReport, newKeyPair, registerKey, removeStaleKeys, type Keys } from "../run/deploy-keys.ts";
import { rollBack } from "../run/roll-back.ts";
import { keySwitch, type KeySwitch } from "../azure/key-switch.ts";
import { undoNudge } from "../run/nudge.ts";
import type { SshKeyPair } from "../ssh/keys.ts";
import { writeWhenSettled } from "../azure/operation.ts";
import { ActionError } from "../errors.ts";
import { storePrivateKey } from "../github/sealed-secret.ts";
import { startProgress, type Progress } from "../report/progress.ts";

function desired(run: Run, observed: Observed): FluxConfiguration {
  return desiredConfiguration(run.settings.flux, run.settings.git, observed.defaultBranch, observed.knownHosts.text);
}

function immutableCheck(run: Run, current: FluxConfiguration | undefined, body: FluxConfiguration): void {
  if (!current) return;
  const { immutable } = diffConfiguration(current, body);
  if (immutable.length > 0) {
    const fields = immutable.map((c) => `${c.field} ${String(c.from)} → ${String(c.to)}`).join(", ");
    throw new ActionError("invalid-input", {
      title: "Create-only field differs",
      message:
        `The flux configuration '${run.settings.flux.name}' exists with different create-only fields (${fields}). ` +
        "Azure cannot change these in place: run once with `mode: destroy`, then apply again, or use the existing values.",
    });
  }
}

/** What the configuration step did, and what the wait needs to know about it. */
interface ConfigurationStep {
  readonly change: "created" | "updated" | "unchanged";
  /** The agent's last report before the write (-1: any report counts). */
  readonly reportedBefore: number;
  /** The configuration as read, when nothing was written. */
  readonly current: FluxConfiguration | undefined;
}

export async function apply(run: Run): Promise<void> {
  const { settings, arm, report } = run;
  const observed = await core.group("Preflight and current state", () => observe(run));
  const body = desired(run, observed);
  immutableCheck(run, observed.configuration, body);

  const keys: Keys = { pair: undefined, added: undefined, createdConfiguration: false };
  const addKey = async (): Promise<void> => {
    keys.pair = newKeyPair(run);
    keys.added = await registerKey(run, keys.pair);
    report.deployKey = keyReport("created", keys.added, keys.pair.fingerprint);
  };
  let nudged: KeySwitch | undefined;
  try {
    // The extension install (minutes on Azure) overlaps with the key work; both must succeed before the configuration.
    const extensionTask = ensureExtension(arm, settings.extension, run.deadline, run.intervalMs, observed.extension).then((result) => {
      report.extension = result;
      core.info(`flux extension '${result.name}': ${result.change}${result.version ? ` (version ${result.version})` : ""}`);
    });
    const keyTask = (async () => {
      const reuse = observed.keyInUse;
      if (!reuse) return addKey();
      report.deployKey = keyReport("unchanged", reuse, undefined);
      core.info(`Deploy key "${reuse.title}" is in use by the configuration: keeping it.`);
    })();
    const failure = (await Promise.allSettled([extensionTask, keyTask])).find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failure) throw failure.reason;

    let waiting: Progress | undefined;
    const step = await core.group("Flux configuration", () =>
      writeWhenSettled(
        observed.configuration,
        async (current): Promise<ConfigurationStep> => {
          waiting?.stop();
          waiting = undefined;
          immutableCheck(run, current, body);
          if (!current) {
            if (!keys.pair) await addKey();
            const pair = keys.pair as SshKeyPair;
            keys.createdConfiguration = true;
            const written = await createConfiguration(arm, settings.flux.name, body, pair.privateKey, run);
            report.configuration = configurationReport("created", { id: written.id });
            return { change: "created", reportedBefore: -1, current: undefined };
          }
          if (keys.added && !observed.configuration) await adoptOtherRunsKey(run, current, keys);
          const diff = diffConfiguration(current, body);
          if (!diff.patch && !keys.pair) {
            report.configuration = configurationReport("unchanged", current);
            core.info("Flux configuration is up to date.");
            return { change: "unchanged", reportedBefore: -1, current };
          }
          const change = keys.pair ? keySwitch(current, body, diff.patch) : undefined;
          const changes = keys.pair ? [...diff.changes, keyChange()] : diff.changes;
          const written = await patchConfiguration(arm, settings.flux.name, change?.patch ?? diff.patch ?? {}, keys.pair?.privateKey, run);
          report.configuration = configurationReport(
            written.operation ? "updated" : "unchanged",
            { id: written.id ?? current.id },
            changes,
          );
          for (const c of changes) core.info(`  ${c.field} changed`);
          nudged = change;
          return {
            change: "updated",
            reportedBefore: written.operation ? Math.max(reportTime(current), written.reportedBefore) : -1,
            current: undefined,
          };
        },
        {
          read: () => getConfiguration(arm, settings.flux.name),
          deadline: run.deadline,
          busyTooLong: (busy) =>
            new ActionError("wait-timeout", {
              title: "Flux configuration busy",
              message: `Another operation kept the flux configuration '${settings.flux.name}' ${busy.provisioningState ?? "busy"} until wait-timeout. Re-run once it has finished.`,
            }),
          onWait: (state) =>
            (waiting ??= startProgress(
              "flux configuration",
              "waiting for an operation already under way to finish",
              run.intervalMs,
            )).update(state),
        },
      ).finally(() => waiting?.stop()),
    );

    const final = await waitOrRead(run, observed, step);
    if (report.configuration) {
      report.configuration.complianceState = final.complianceState;
      report.configuration.syncedCommit = final.sourceSyncedCommitId;
      report.configuration.statuses = statusesOf(final);
      report.configuration.id ??= final.id;
    }
    if (keys.added) await removeStaleKeys(run, observed.ownedKeys, keys.added, final);
  } catch (error) {
    await rollBack(run, keys.added, keys.createdConfiguration);
    throw error;
  }
  // After the key works: a failure here must not roll back a working configuration.
  await undoNudge(run, nudged);
  const stored = keys.pair;
  if (stored && settings.privateKeySecret) await storePrivateKey(run.octokit, settings.git, settings.privateKeySecret, stored.privateKey);
}

/** Waits for Flux unless there is nothing to wait for (suspended, `wait: false`, or already proven). */
async function waitOrRead(run: Run, observed: Observed, step: ConfigurationStep): Promise<FluxConfiguration> {
  const { settings } = run;
  const repository = `${settings.git.owner}/${settings.git.repo}`;
  const known = step.current;
  // A suspended configuration never reconciles: there is nothing to wait for.
  if (!settings.wait || settings.flux.suspend) return known ?? (await getConfiguration(run.arm, settings.flux.name)) ?? {};
  if (known && judge(known, observed.expectedSha, true, repository).kind === "proven") return known;
  return core.group("Wait for Flux", () =>
    waitForReconciliation(run.arm, settings.flux.name, {
      expectedSha: observed.expectedSha,
      reportedBefore: step.reportedBefore,
      deadline: run.deadline,
      intervalMs: run.intervalMs,
      repository,
    }),
  );
}
