// Optional break-glass copy of the private key: an Actions secret of the config repository (or one of its
// environments), sealed with that repository's or environment's public key (libsodium crypto_box_seal).
import * as core from "@actions/core";
import type { Octokit } from "./client.ts";
import type { Git, SealedSecret } from "../inputs/settings.ts";
import { ActionError, messageOf, statusOf } from "../errors.ts";

/**
 * Seals `value` for the holder of `publicKey` (base64 X25519), as GitHub's REST docs describe. libsodium (424 KiB
 * of bundle) is imported here, only when a sealed secret is asked for: ncc puts it in a chunk of its own in dist/
 * (see azure/sdk-chunk.ts), which a run without `private-key-secret` never reads.
 */
export async function seal(value: string, publicKey: string): Promise<string> {
  const { default: sodium } = await import("libsodium-wrappers");
  await sodium.ready;
  const sealed = sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(publicKey, sodium.base64_variants.ORIGINAL));
  return sodium.to_base64(sealed, sodium.base64_variants.ORIGINAL);
}

export async function storePrivateKey(octokit: Octokit, git: Git, secret: SealedSecret, privateKey: string): Promise<void> {
  const where = secret.environment ? `environment '${secret.environment}' of ${git.fullName}` : `${git.fullName}`;
  try {
    if (secret.environment) {
      const { data: key } = await octokit.rest.actions.getEnvironmentPublicKey({
        owner: git.owner,
        repo: git.repo,
        environment_name: secret.environment,
      });
      await octokit.rest.actions.createOrUpdateEnvironmentSecret({
        owner: git.owner,
        repo: git.repo,
        environment_name: secret.environment,
        secret_name: secret.name,
        encrypted_value: await seal(privateKey, key.key),
        key_id: key.key_id,
      });
    } else {
      const { data: key } = await octokit.rest.actions.getRepoPublicKey({ owner: git.owner, repo: git.repo });
      await octokit.rest.actions.createOrUpdateRepoSecret({
        owner: git.owner,
        repo: git.repo,
        secret_name: secret.name,
        encrypted_value: await seal(privateKey, key.key),
        key_id: key.key_id,
      });
    }
    core.info(`Stored the private key, sealed, as secret ${secret.name} of ${where}.`);
  } catch (error) {
    // Only GitHub's answers say something about the token; anything else (libsodium's chunk unreadable …) is itself.
    if (statusOf(error) === undefined) throw error;
    throw new ActionError("github-token-permission", {
      title: "Could not store the sealed secret",
      message:
        `Storing the private key as secret ${secret.name} of ${where} failed (HTTP ${statusOf(error) ?? "?"}: ${messageOf(error)}). ` +
        `The github-token needs ${secret.environment ? "Environments: read and write (and the environment must exist)" : "Secrets: read and write"}. ` +
        "The deploy key and configuration are in place and working; only the break-glass copy is missing.",
      cause: error,
    });
  }
}
