// mode: rotate — a new key is added, switched to, and proven in use (a Compliant report Flux made after the
// switch, and GitHub's own last_used witness) before any older key of ours is removed. Never a window without a
// working key. The switch makes Flux fetch with the new key at once (see key-switch.ts). A rotation an earlier
// run left unfinished (killed after Azure accepted its switch) is finished, not restarted: see finishRotation.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { configurationReport, noteState, type Ended } from "../report/report.ts";
import { writing, type Run } from "../run/run.ts";
import { observe, type Observed } from "../run/current-state.ts";
import { desiredConfiguration, keyChange } from "../azure/flux-configuration-body.ts";
import { patchConfiguration, reportTime, type ConfigurationWrite } from "../azure/flux-configuration.ts";
import { deleteDeployKey, type DeployKey } from "../github/deploy-keys.ts";
import { sameKey } from "../github/key-titles.ts";
import { currentKey, keyReport, newKeyPair, registerKey, removeKeys, rotationDue, withKeysLeft } from "../run/deploy-keys.ts";
import { removeLeftovers } from "../run/leftovers.ts";
import { finishRotation, prove } from "./rotate/finish.ts";
import { classifyKeys, type KeyStates } from "../run/stale-keys.ts";
import { settledConfiguration, whenSettled } from "../run/settled.ts";
import { keySwitch } from "../azure/key-switch.ts";
import { ActionError, messageOf } from "../errors.ts";
import { formatElapsed } from "../poll.ts";
import { storePrivateKey } from "../github/sealed-secret.ts";
import { undoNudge } from "../run/nudge.ts";
import { clusterRotationBlock } from "../run/cluster-key.ts";

export async function rotate(run: Run): Promise<Ended> {
  const { settings, report } = run;
  const observed = await core.group("Preflight and current state", () => observe(run));
  // A killed run's switch may still be running: decide from what Azure keeps, not from a state in motion.
  const configuration = await settledConfiguration(run, observed.configuration);
  if (!configuration) {
    throw new ActionError("invalid-input", {
      title: "Nothing to rotate",
      message: `There is no flux configuration '${settings.flux.name}' on ${settings.cluster.name}. Run with \`mode: apply\` first.`,
    });
  }
  const states = classifyKeys(observed.ownedKeys, {
    heldKey: configuration.repositoryPublicKey ?? undefined,
    marker: run.marker,
    waitTimeoutMs: settings.waitTimeoutMs,
    now: Date.now(),
  });
  await removeLeftovers(run, states);
  if (states.held && states.superseded.length > 0) return finishRotation(run, observed, configuration, states.held, states.superseded);

  const current = currentKey(
    observed.ownedKeys.filter((k) => !states.leftovers.includes(k)),
    states.held ?? observed.keyInUse,
  );
  if (!rotationDue(current, settings.key.maxAgeMs, Date.now()) && current) {
    const age = formatElapsed(Date.now() - new Date(current.createdAt).getTime());
    report.deployKey = keyReport("unchanged", current, undefined);
    core.info(`Deploy key "${current.title}" is ${age} old, younger than max-key-age: nothing to do.`);
    return { outcome: "skipped", headline: `key is ${age} old, younger than max-key-age: not rotated` };
  }
  const blocked = clusterRotationBlock(run, current);
  if (blocked) {
    if (current) report.deployKey = keyReport("unchanged", current, undefined);
    report.notes.push(blocked);
    core.warning(blocked);
    return { outcome: "skipped", headline: "cluster-made key: not rotated" };
  }
  const pair = newKeyPair(run);
  const added = await core.group("Add the new deploy key", () => registerKey(run, pair));
  report.deployKey = keyReport("created", added, pair.fingerprint);
  const body = desiredConfiguration(settings.flux, settings.git, observed.defaultBranch, observed.knownHosts.text);
  const change = keySwitch(configuration, body, undefined);
  // Until Azure accepts the switch, the new key is not needed; once it has, Flux may use either key.
  let accepted = false;
  try {
    const switched = await core.group("Switch the flux configuration to the new key", () =>
      switchKey(run, configuration, added, () =>
        patchConfiguration(
          run.arm,
          settings.flux.name,
          change.patch,
          pair.privateKey,
          writing(run, () => (accepted = true)),
        ),
      ),
    );
    accepted = true;
    report.configuration = configurationReport("updated", { id: configuration.id }, [keyChange()]);
    // An answer without an operation may be the retry of a switch Azure had already made: any report after the
    // state read before the switch counts then.
    const reportedBefore = switched.operation ? Math.max(reportTime(configuration), switched.reportedBefore) : reportTime(configuration);
    const proof = await prove(run, observed, added, reportedBefore);
    noteState(report, proof);
  } catch (error) {
    if (run.gate.closed) throw error;
    if (!accepted) {
      // The configuration still has the old key: the new one is not needed.
      await deleteDeployKey(run.octokit, settings.git, added.id).then(
        () => run.ledger.removed(added.id),
        (cleanup: unknown) => core.warning(`Could not remove the new deploy key ${added.id}: ${messageOf(cleanup)}`),
      );
      report.deployKey = keyReport("deleted", added, pair.fingerprint);
      report.notes.push("The switch failed; the old key is still in use and the new deploy key was removed.");
      throw error;
    }
    report.notes.push(
      "The new key is not proven in use, so BOTH keys were kept: Flux keeps working with whichever it has. " +
        "Re-run rotate: it proves the new key and removes the older one (or remove the newer key by hand).",
    );
    core.warning("Rotation not proven: both deploy keys were kept.");
    throw withKeysLeft(error, older(observed, states, added), "older");
  }
  if (settings.privateKeySecret) await storePrivateKey(run.octokit, settings.git, settings.privateKeySecret, pair.privateKey);
  await core.group("Remove older deploy keys", () => removeKeys(run, older(observed, states, added), "older"));
  await undoNudge(run, change);
  return { outcome: "succeeded", headline: "deploy key rotated and proven in use" };
}

/** The keys this rotation replaces: ours, before it, neither left over nor a run's still going. */
function older(observed: Observed, states: KeyStates, added: DeployKey): DeployKey[] {
  return observed.ownedKeys.filter((k) => k.id !== added.id && !states.leftovers.includes(k) && !states.young.includes(k));
}

/**
 * Sends the switch once no operation holds the configuration. A PATCH whose answer was lost may have been
 * committed: the retry meets the running operation (409), and once it settles the configuration may hold the new
 * key already; then nothing is sent again.
 */
async function switchKey(
  run: Run,
  configuration: FluxConfiguration,
  added: DeployKey,
  send: () => Promise<ConfigurationWrite>,
): Promise<ConfigurationWrite> {
  return whenSettled(run, configuration, async (current) => {
    if (current?.repositoryPublicKey && sameKey(current.repositoryPublicKey, added.key)) {
      core.info("Azure had accepted the switch before its answer was lost: the configuration holds the new key.");
      return { reportedBefore: -1, operation: false, id: current.id };
    }
    run.ledger.sending(added, run.gate.armWritesSent);
    return send();
  });
}
