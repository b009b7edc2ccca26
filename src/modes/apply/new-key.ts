// apply's own deploy key: a fresh pair registered as the read-only key, and what happens to it when another run
// created the configuration meanwhile with a key of its own.
import * as core from "@actions/core";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import type { Run } from "../../run/run.ts";
import { keyReport, newKeyPair, registerKey } from "../../run/deploy-keys.ts";
import { deleteDeployKey, listDeployKeys, type DeployKey } from "../../github/deploy-keys.ts";
import { ownsTitle, sameKey } from "../../github/key-titles.ts";
import type { SshKeyPair } from "../../ssh/keys.ts";

/** A key this run made and registered. */
export interface NewKey {
  readonly pair: SshKeyPair;
  readonly added: DeployKey;
}

/** Makes a pair (masked at birth) and registers its public half. */
export async function makeKey(run: Run): Promise<NewKey> {
  const pair = newKeyPair(run);
  const added = await registerKey(run, pair);
  run.report.deployKey = keyReport("created", added, pair.fingerprint);
  return { pair, added };
}

/**
 * Another run created the configuration while this one prepared its own: when it uses a deploy key of ours that
 * GitHub still has, keep that one and drop this run's (it never reached Azure), so one key is left. Returns the key
 * this run still has to send (undefined once it was dropped).
 */
export async function adoptOtherRunsKey(run: Run, current: FluxConfiguration, key: NewKey): Promise<NewKey | undefined> {
  const inUse = current.repositoryPublicKey;
  if (!inUse) return key;
  const listed = await listDeployKeys(run.octokit, run.settings.git);
  const theirs = listed.find(
    (k) => ownsTitle(k.title, run.settings.cluster, run.settings.flux.name) && sameKey(k.key, inUse) && k.id !== key.added.id,
  );
  if (!theirs) return key;
  await deleteDeployKey(run.octokit, run.settings.git, key.added.id);
  run.ledger.removed(key.added.id);
  run.report.notes.push(
    `Another run created the configuration meanwhile; its deploy key "${theirs.title}" is kept and this run's key was removed.`,
  );
  core.info(`Another run created the flux configuration with deploy key "${theirs.title}": keeping it, removing this run's new key.`);
  run.report.deployKey = keyReport("unchanged", theirs, undefined);
  return undefined;
}
