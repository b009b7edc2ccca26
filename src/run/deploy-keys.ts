// The deploy-key lifecycle every mode shares: a new pair (masked at birth), registered as a read-only key,
// reported, found by age, proven in use by GitHub's last_used, and removed with a line in the report.
import * as core from "@actions/core";
import type { Run } from "./run.ts";
import { addDeployKey, deleteDeployKey, findDeployKey, getDeployKey, type DeployKey } from "../github/deploy-keys.ts";
import { deployKeyTitle } from "../github/key-titles.ts";
import { generateKeyPair, secretForms, type SshKeyPair } from "../ssh/keys.ts";
import { fingerprintOf } from "../ssh/public-keys.ts";
import type { DeployKeyReport } from "../report/report.ts";
import { ActionError, statusOf } from "../errors.ts";
import { doneWith, notYet, pollUntil, watched } from "../poll.ts";

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

/** A public key to register: a fresh pair's, or the one the cluster published (`clusterMade`). */
export interface PublicHalf {
  readonly publicBlob: string;
  readonly fingerprint: string;
}

export interface RegisterOptions {
  /** The pair is the cluster's own (key-source: cluster): the configuration holds its public half already. */
  readonly clusterMade?: boolean;
}

/**
 * Adds a read-only (unless read-write) deploy key for a public key. A POST whose answer was lost may have been
 * committed: GitHub then refuses the retry with 422 "key is already in use", or the call fails outright. Either
 * way the repository's keys are read back, and when one of them has this very key material it is ours: adopted,
 * never created twice. (The pair was made in memory by this run, or by the cluster for this configuration.)
 */
export async function registerKey(run: Run, pair: PublicHalf, options: RegisterOptions = {}): Promise<DeployKey> {
  const { settings } = run;
  const title = deployKeyTitle(settings.cluster, settings.flux.name, pair.fingerprint, new Date(), {
    clusterMade: options.clusterMade === true,
    run: run.marker,
  });
  const entry = run.ledger.register(pair.publicBlob, title, options.clusterMade === true);
  const registration = (async (): Promise<DeployKey> => {
    try {
      const key = await addDeployKey(run.octokit, settings.git, title, pair.publicBlob, !settings.key.readWrite);
      core.info(`Added deploy key "${title}" (${pair.fingerprint}, ${key.readOnly ? "read-only" : "read-write"}).`);
      return key;
    } catch (error) {
      const found = lostAnswer(error) ? await findDeployKey(run.octokit, settings.git, pair.publicBlob) : undefined;
      if (!found) throw error;
      core.info(
        `GitHub had registered deploy key "${found.title}" (${pair.fingerprint}) before its answer was lost: adopting it (id ${found.id}).`,
      );
      return found;
    }
  })();
  entry.pending = registration.then(
    (key) => (entry.key = key),
    () => undefined,
  );
  // The ledger learns the key first (the reaction above was registered first), before any later step can run.
  return registration;
}

/** A failure after which the POST may have been committed: "already in use" (our retry), a 5xx or no answer at all. */
function lostAnswer(error: unknown): boolean {
  if (error instanceof ActionError) return error.code === "deploy-key-in-use";
  const status = statusOf(error);
  return status === undefined || status >= 500;
}

/** Deletes each key and lists it among the removed keys of the report. */
export async function removeKeys(run: Run, keys: readonly DeployKey[], why: string): Promise<void> {
  for (const [index, key] of keys.entries()) {
    try {
      await deleteDeployKey(run.octokit, run.settings.git, key.id);
    } catch (error) {
      throw withKeysLeft(error, keys.slice(index), why);
    }
    run.ledger.removed(key.id);
    run.report.removedKeys.push(keyReport("deleted", key, undefined));
    core.info(`Removed ${why} deploy key "${key.title}".`);
  }
}

/** A failed delete says which keys stay and that the next run removes them. */
export function withKeysLeft(error: unknown, left: readonly DeployKey[], why: string): unknown {
  if (!(error instanceof ActionError)) return error;
  const ids = left.map((k) => k.id).join(", ");
  return new ActionError(error.code, {
    title: error.title,
    message: `${error.message}\nThe ${why} deploy key(s) ${ids} stay on the repository; the next run removes them (or remove them by hand).`,
    cause: error.cause,
  });
}

/** The newest owned key: the one a rotation replaces and whose age max-key-age compares. */
export function currentKey(owned: readonly DeployKey[], inUse: DeployKey | undefined): DeployKey | undefined {
  return inUse ?? [...owned].sort((a, b) => b.createdAt.localeCompare(a.createdAt))[0];
}

export function rotationDue(current: DeployKey | undefined, maxAgeMs: number | undefined, now: number): boolean {
  if (!current || maxAgeMs === undefined) return true;
  return now - new Date(current.createdAt).getTime() >= maxAgeMs;
}

/** Waits until GitHub records a use of the key (its last_used): the host's own witness that Flux fetched with it. */
export async function awaitFirstUse(run: Run, key: DeployKey): Promise<DeployKey> {
  const line = { label: "rotation proof", waitingFor: "waiting for GitHub to record the new key's first use" };
  return watched(run.show, line, (update) =>
    pollUntil(
      async () => {
        const current = await getDeployKey(run.octokit, run.settings.git, key.id);
        if (current?.lastUsed) return doneWith(current);
        update("new key not used yet");
        return notYet();
      },
      {
        deadline: run.deadline,
        timedOut: () =>
          new ActionError("rotation-unproven", {
            title: "Rotation not proven",
            message: "Flux is Compliant after the switch, but GitHub has not recorded a use of the new deploy key before wait-timeout.",
          }),
      },
    ),
  );
}
