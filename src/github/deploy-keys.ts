// Deploy keys through GitHub's REST API: list, add (read-only unless asked), get (for last_used), delete.
import type { Octokit } from "./client.ts";
import { tokenProblem } from "./client.ts";
import type { Git } from "../inputs/settings.ts";
import { ActionError, statusOf } from "../errors.ts";
import { sameKey } from "./key-titles.ts";

export interface DeployKey {
  readonly id: number;
  readonly key: string;
  readonly title: string;
  readonly readOnly: boolean;
  readonly createdAt: string;
  readonly lastUsed: string | undefined;
}

interface DeployKeyData {
  id: number;
  key: string;
  title: string;
  read_only: boolean;
  created_at: string;
  last_used?: string | null;
}

function toDeployKey(k: DeployKeyData): DeployKey {
  return { id: k.id, key: k.key, title: k.title, readOnly: k.read_only, createdAt: k.created_at, lastUsed: k.last_used ?? undefined };
}

export async function listDeployKeys(octokit: Octokit, git: Git): Promise<DeployKey[]> {
  try {
    const keys = await octokit.paginate(octokit.rest.repos.listDeployKeys, { owner: git.owner, repo: git.repo, per_page: 100 });
    return keys.map((k) => toDeployKey(k));
  } catch (error) {
    if (statusOf(error) === 403 || statusOf(error) === 404) throw tokenProblem(git, "list deploy keys", error);
    throw error;
  }
}

/** The repository's deploy key with this key material (type and base64; GitHub drops the comment), if any. */
export async function findDeployKey(octokit: Octokit, git: Git, publicKey: string): Promise<DeployKey | undefined> {
  return (await listDeployKeys(octokit, git)).find((k) => sameKey(k.key, publicKey));
}

export async function addDeployKey(octokit: Octokit, git: Git, title: string, publicKey: string, readOnly: boolean): Promise<DeployKey> {
  try {
    const { data } = await octokit.rest.repos.createDeployKey({
      owner: git.owner,
      repo: git.repo,
      title,
      key: publicKey,
      read_only: readOnly,
    });
    return toDeployKey(data);
  } catch (error) {
    const text = JSON.stringify((error as { response?: { data?: unknown } }).response?.data ?? "");
    if (statusOf(error) === 422 && text.includes("Deploy keys are disabled")) {
      throw new ActionError("deploy-keys-disabled", {
        title: "Deploy keys are disabled",
        message:
          `GitHub refused the deploy key: deploy keys are disabled for ${git.fullName} by an organization or enterprise policy. ` +
          `An organization owner can allow them: Organization settings → Member privileges → "Deploy keys" (API: PATCH /orgs/${git.owner} deploy_keys_enabled_for_repositories=true).`,
        cause: error,
      });
    }
    if (statusOf(error) === 422 && text.includes("already in use")) {
      throw new ActionError("deploy-key-in-use", {
        title: "Key already in use",
        message:
          "GitHub says this public key is already in use (a deploy key is unique across all of GitHub). " +
          "This action generates a fresh key each time, so this means the same key was registered elsewhere; re-run to generate a new one.",
        cause: error,
      });
    }
    if (statusOf(error) === 403 || statusOf(error) === 404) throw tokenProblem(git, "add a deploy key", error);
    throw error;
  }
}

/** Deletes a deploy key; an already-deleted key is fine. */
export async function deleteDeployKey(octokit: Octokit, git: Git, id: number): Promise<void> {
  try {
    await octokit.rest.repos.deleteDeployKey({ owner: git.owner, repo: git.repo, key_id: id });
  } catch (error) {
    if (statusOf(error) === 404) return;
    if (statusOf(error) === 403) throw tokenProblem(git, `delete deploy key ${id} (remove it by hand if it stays)`, error);
    throw error;
  }
}

export async function getDeployKey(octokit: Octokit, git: Git, id: number): Promise<DeployKey | undefined> {
  try {
    const { data } = await octokit.rest.repos.getDeployKey({ owner: git.owner, repo: git.repo, key_id: id });
    return toDeployKey(data);
  } catch (error) {
    if (statusOf(error) === 404) return undefined;
    throw error;
  }
}
