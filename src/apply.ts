// mode: apply — extension, deploy key and flux configuration, then wait until Flux is healthy at the
// expected commit. A re-run of a healthy cluster writes nothing; a failure removes the deploy key it added.
import { configurationReport, statusesOf } from "./report.ts";
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import type { Run, Observed } from "./context.ts";
import { observe } from "./context.ts";
import { ensureExtension } from "./extension.ts";
import { desiredConfiguration, diffConfiguration } from "./flux-configuration-body.ts";
import { createConfiguration, deleteConfiguration, patchConfiguration } from "./flux-configuration.ts";
import { reportTime, syncedSha, waitForReconciliation } from "./reconciliation.ts";
import { addDeployKey, deleteDeployKey, type DeployKey } from "./github.ts";
import { deployKeyTitle, sameKey } from "./deploy-key-title.ts";
import { fingerprintOf, generateKeyPair, secretForms, type SshKeyPair } from "./ssh-key.ts";
import { ActionError, messageOf } from "./errors.ts";
import type { DeployKeyReport } from "./report.ts";
import { storePrivateKey } from "./sealed-secret.ts";

/** Generates a keypair and masks every form of its private half before anything else can see it. */
export function newKeyPair(run: Run): SshKeyPair {
  const { settings } = run;
  const comment = `flux@${settings.cluster.name}/${settings.flux.name}`;
  const pair = generateKeyPair(settings.key.type, comment);
  // Fragments shorter than this (a key file's last base64 line can be a few characters) would mask harmless text.
  for (const form of secretForms(pair.privateKey)) if (form.length >= 16) core.setSecret(form);
  return pair;
}

export function keyReport(change: DeployKeyReport["change"], key: DeployKey, fingerprint: string | undefined): DeployKeyReport {
  let known = fingerprint;
  try {
    known ??= fingerprintOf(key.key);
  } catch {
    known = undefined;
  }
  return { change, id: key.id, title: key.title, fingerprint: known, publicKey: key.key, readOnly: key.readOnly };
}

/** Adds a read-only (unless read-write) deploy key for a fresh keypair. */
export async function registerKey(run: Run, pair: SshKeyPair): Promise<DeployKey> {
  const { settings } = run;
  const title = deployKeyTitle(settings.cluster, settings.flux.name, pair.fingerprint, new Date());
  const key = await addDeployKey(run.octokit, settings.git, title, pair.publicBlob, !settings.key.readWrite);
  core.info(`Added deploy key "${title}" (${pair.fingerprint}, ${key.readOnly ? "read-only" : "read-write"}).`);
  return key;
}

function desired(run: Run, observed: Observed): FluxConfiguration {
  return desiredConfiguration(run.settings.flux, run.settings.git, observed.defaultBranch, observed.knownHosts.text);
}

function immutableCheck(run: Run, observed: Observed, body: FluxConfiguration): void {
  if (!observed.configuration) return;
  const { immutable } = diffConfiguration(observed.configuration, body);
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

export async function apply(run: Run): Promise<void> {
  const { settings, arm, report } = run;
  const observed = await core.group("Preflight and current state", () => observe(run));
  const body = desired(run, observed);
  immutableCheck(run, observed, body);

  const reuse = observed.keyInUse;
  let pair: SshKeyPair | undefined;
  let added: DeployKey | undefined;
  let createdConfiguration = false;
  try {
    // The extension install (minutes on Azure) overlaps with the key work; both must succeed before the configuration.
    const extensionTask = ensureExtension(arm, settings.extension, run.deadline, run.intervalMs, observed.extension).then((result) => {
      report.extension = result;
      core.info(`flux extension '${result.name}': ${result.change}${result.version ? ` (version ${result.version})` : ""}`);
      return result;
    });
    const keyTask = (async () => {
      if (reuse) {
        report.deployKey = keyReport("unchanged", reuse, undefined);
        core.info(`Deploy key "${reuse.title}" is in use by the configuration: keeping it.`);
        return;
      }
      pair = newKeyPair(run);
      added = await registerKey(run, pair);
      report.deployKey = keyReport("created", added, pair.fingerprint);
    })();
    const outcomes = await Promise.allSettled([extensionTask, keyTask]);
    const failure = outcomes.find((o): o is PromiseRejectedResult => o.status === "rejected");
    if (failure) throw failure.reason;

    const configuration = await core.group("Flux configuration", async () => {
      if (!observed.configuration) {
        if (!pair) throw new Error("internal: no key for a new configuration");
        createdConfiguration = true;
        const result = await createConfiguration(arm, settings.flux.name, body, pair.privateKey, run.intervalMs);
        report.configuration = configurationReport("created", { id: result.id });
        return result;
      }
      const diff = diffConfiguration(observed.configuration, body);
      if (!diff.patch && !pair) {
        report.configuration = configurationReport("unchanged", observed.configuration);
        core.info("Flux configuration is up to date.");
        return observed.configuration;
      }
      const changes = pair ? [...diff.changes, { field: "configurationProtectedSettings.sshPrivateKey", from: "(hidden)", to: "(new key)" }] : diff.changes;
      const result = await patchConfiguration(arm, settings.flux.name, diff.patch ?? {}, pair?.privateKey, run.intervalMs);
      report.configuration = configurationReport("updated", { id: result.id }, changes);
      for (const change of changes) core.info(`  ${change.field} changed`);
      return result;
    });

    const since = report.configuration?.change === "unchanged" ? -1 : reportTime(configuration);
    let final = configuration;
    // A suspended configuration never reconciles: there is nothing to wait for.
    if (settings.wait && !settings.flux.suspend) {
      const upToDate = report.configuration?.change === "unchanged" && configuration.complianceState === "Compliant" &&
        (!observed.expectedSha || syncedSha(configuration) === observed.expectedSha);
      if (!upToDate) {
        final = (await core.group("Wait for Flux", () =>
          waitForReconciliation(arm, settings.flux.name, {
            expectedSha: observed.expectedSha,
            since,
            deadline: run.deadline,
            intervalMs: run.intervalMs,
            repository: `${settings.git.owner}/${settings.git.repo}`,
          }),
        ));
      }
    }
    if (report.configuration) {
      report.configuration.complianceState = final.complianceState;
      report.configuration.syncedCommit = final.sourceSyncedCommitId;
      report.configuration.statuses = statusesOf(final);
      report.configuration.id ??= final.id;
    }
    if (added) await removeStaleKeys(run, observed, added, final);
  } catch (error) {
    await rollBack(run, added, createdConfiguration);
    throw error;
  }
  // After the key works: a failure here must not roll back a working configuration.
  const stored: SshKeyPair | undefined = pair;
  if (stored && settings.privateKeySecret) await storePrivateKey(run.octokit, settings.git, settings.privateKeySecret, stored.privateKey);
}

/** After a new key works, older keys of ours are unused: remove them, unless another run's key took over. */
async function removeStaleKeys(run: Run, observed: Observed, added: DeployKey, final: FluxConfiguration): Promise<void> {
  if (final.repositoryPublicKey && !sameKey(final.repositoryPublicKey, added.key)) {
    run.report.notes.push("Another run replaced the configuration's key while this one ran; its key is kept and this run's key removed.");
    await deleteDeployKey(run.octokit, run.settings.git, added.id);
    run.report.removedKeys.push(keyReport("deleted", added, undefined));
    return;
  }
  // Only keys that were there before this run began: a key another run added meanwhile may be the one in use now
  // (runs for one cluster should not overlap: see the README's concurrency group).
  for (const stale of observed.ownedKeys.filter((k) => k.id !== added.id && k.createdAt <= added.createdAt)) {
    await deleteDeployKey(run.octokit, run.settings.git, stale.id);
    run.report.removedKeys.push(keyReport("deleted", stale, undefined));
    core.info(`Removed unused deploy key "${stale.title}".`);
  }
}

/** Leaves nothing half-made: the key this run added goes, and so does a configuration this run created. */
async function rollBack(run: Run, added: DeployKey | undefined, createdConfiguration: boolean): Promise<void> {
  if (!added) return;
  core.info("Rolling back: removing what this run added.");
  if (createdConfiguration) {
    // A failure here (e.g. no delete permission) must not keep the deploy key from going too.
    try {
      await deleteConfiguration(run.arm, run.settings.flux.name, true);
      run.report.notes.push("The flux configuration this run created was deleted again because the run failed.");
      if (run.report.configuration) run.report.configuration.change = "deleted";
    } catch (cleanup) {
      core.warning(`Roll-back could not delete the flux configuration '${run.settings.flux.name}': ${messageOf(cleanup)}`);
    }
  }
  try {
    await deleteDeployKey(run.octokit, run.settings.git, added.id);
    if (run.report.deployKey) run.report.deployKey = { ...run.report.deployKey, change: "deleted" };
    run.report.notes.push(`The deploy key this run added ("${added.title}") was removed again because the run failed.`);
  } catch (cleanup) {
    core.warning(`Roll-back incomplete: ${messageOf(cleanup)}. Remove deploy key ${added.id} ("${added.title}") by hand.`);
  }
}
