// What an earlier run left behind, put right before this run decides: deploy keys of ours that no configuration
// holds and no run still going can use (see stale-keys.ts), and a spec nudge (key-switch.ts) a killed rotation did
// not put back.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { writing, type Run } from "./run.ts";
import type { KeyStates } from "./stale-keys.ts";
import { removeKeys } from "./deploy-keys.ts";
import { whenSettled } from "./settled.ts";
import { classifyKeys } from "./stale-keys.ts";
import type { DeployKey } from "../github/deploy-keys.ts";
import { sameKey } from "../github/key-titles.ts";
import { patchConfiguration } from "../azure/flux-configuration.ts";
import { DEFAULT_TIMEOUT_SECONDS } from "../azure/key-switch.ts";
import { formatElapsed } from "../poll.ts";

/** Removes leftover keys; names the young ones a run still going may be about to use. */
export async function removeLeftovers(run: Run, states: KeyStates): Promise<void> {
  if (states.leftovers.length > 0) {
    await core.group("Remove deploy keys an earlier run left unused", () =>
      removeKeys(run, states.leftovers, "unused (left by an earlier run)"),
    );
    run.report.notes.push(
      `${states.leftovers.length} deploy key(s) an earlier run registered but never got into the configuration were removed.`,
    );
  }
  for (const key of states.young) {
    const age = formatElapsed(Date.now() - new Date(key.createdAt).getTime());
    const line =
      `Deploy key "${key.title}" (${age} old) is held by no configuration; a run still going may be about to use it, so it is kept. ` +
      "A run after wait-timeout from its creation, or a re-run of the run that made it, removes it.";
    core.notice(line);
    run.report.notes.push(line);
  }
}

/**
 * Puts back gitRepository.timeoutInSeconds that a killed rotation left nudged by one second. Decided on the settled
 * configuration each time: a retry of a PATCH whose answer was lost meets its operation, waits, and finds it done.
 */
export async function restoreTimeout(run: Run, current: FluxConfiguration, desired: FluxConfiguration): Promise<void> {
  const want = desired.gitRepository?.timeoutInSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  await whenSettled(run, current, async (settled) => {
    const have = settled?.gitRepository?.timeoutInSeconds;
    if (have === undefined || have === null || Math.abs(have - want) !== 1) return;
    await patchConfiguration(run.arm, run.settings.flux.name, { gitRepository: { timeoutInSeconds: want } }, undefined, writing(run));
    core.info(`gitRepository.timeoutInSeconds put back to ${want} (an earlier rotation had nudged it to ${have}).`);
  });
}

/**
 * Once the wait has ended, keys of ours the configuration does not hold: leftovers of earlier runs go; keys older
 * than the held one go too when the wait proved the held one works (`proven`). When another run replaced the
 * configuration's key meanwhile, this run's own key is the unused one.
 */
export async function removeUnusedKeys(
  run: Run,
  owned: readonly DeployKey[],
  added: DeployKey | undefined,
  final: FluxConfiguration,
  proven: boolean,
): Promise<void> {
  if (added && final.repositoryPublicKey && !sameKey(final.repositoryPublicKey, added.key)) {
    run.report.notes.push("Another run replaced the configuration's key while this one ran; its key is kept and this run's key removed.");
    await removeKeys(run, [added], "unused (another run's key took over)");
    return;
  }
  const all = added ? [...owned.filter((k) => k.id !== added.id), added] : owned;
  const states = classifyKeys(all, {
    heldKey: final.repositoryPublicKey || (proven && added ? added.key : undefined),
    marker: run.marker,
    waitTimeoutMs: run.settings.waitTimeoutMs,
    now: Date.now(),
  });
  await removeLeftovers(run, states);
  if (proven) await removeKeys(run, states.superseded, "unused");
}
