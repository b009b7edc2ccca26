// What every mode reads before it decides anything: the repository, its commit, the verified known hosts,
// the deploy keys this action owns, the flux configuration and the extension. Reads only, in parallel.
import * as core from "@actions/core";
import type { Extension, FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { listDeployKeys, type DeployKey } from "../github/deploy-keys.ts";
import { getMeta, getRepository, resolveCommit, type Repository } from "../github/repository.ts";
import { knownHostsFromMeta, type KnownHosts } from "../ssh/known-hosts.ts";
import { knownHostsFromInput } from "../ssh/known-hosts-input.ts";
import { getConfiguration } from "../azure/flux-configuration.ts";
import { findFluxExtension } from "../azure/extension.ts";
import { ownsTitle, sameKey } from "../github/key-titles.ts";
import { ActionError, messageOf } from "../errors.ts";
import type { Run } from "./run.ts";
import type { GitRef } from "../inputs/settings.ts";
import { checkRepository } from "./repository-check.ts";
import type { RepositoryCheck } from "../manifests/findings.ts";
import { listTrainVersions, type TrainVersions } from "../azure/extension-versions.ts";

export interface Observed {
  readonly defaultBranch: string;
  /** The commit Flux must reach; undefined for semver refs. */
  readonly expectedSha: string | undefined;
  readonly knownHosts: KnownHosts;
  /** Deploy keys whose title says this action made them for this cluster and configuration. */
  readonly ownedKeys: readonly DeployKey[];
  readonly configuration: FluxConfiguration | undefined;
  readonly extension: Extension | undefined;
  /** The owned deploy key the configuration uses now, when that can be told. */
  readonly keyInUse: DeployKey | undefined;
  /** The repository at the ref Flux uses, when asked for (apply, and plan of apply); read beside the other reads. */
  readonly repositoryCheck: RepositoryCheck | undefined;
  /** The extension versions Azure offers on the release train (apply, and plan of apply), read beside the rest. */
  readonly trainVersions: TrainVersions | undefined;
}

/** known-hosts.ts is pure and throws plain errors that name the input to fix; give them their catalogue entry. */
function verified(build: () => KnownHosts): KnownHosts {
  try {
    return build();
  } catch (error) {
    throw new ActionError("known-hosts-mismatch", { title: "Host keys not verified", message: messageOf(error), cause: error });
  }
}

export async function collectKnownHosts(run: Run): Promise<KnownHosts> {
  const { git } = run.settings;
  if (git.knownHosts) {
    const text = git.knownHosts;
    return verified(() => knownHostsFromInput(text, git.sshHost, git.sshPort, git.hostFingerprints));
  }
  const meta = await getMeta(run.octokit);
  if (meta.ssh_keys && meta.ssh_keys.length > 0) {
    return verified(() => knownHostsFromMeta(meta, git.sshHost, git.sshPort, git.hostFingerprints));
  }
  throw new ActionError("known-hosts-mismatch", {
    title: "No host keys to verify",
    message:
      `${git.githubApiUrl}/meta publishes no ssh_keys (older GitHub Enterprise Server). Set \`known-hosts\` to the host's known_hosts ` +
      "lines and `ssh-host-fingerprints` to its SHA256 fingerprints (from your GHES admin: ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub).",
  });
}

/** The owned key the configuration uses: by its public key when Azure reports one, else the only owned key of a healthy configuration. */
export function keyHeldBy(configuration: FluxConfiguration | undefined, owned: readonly DeployKey[]): DeployKey | undefined {
  if (!configuration) return undefined;
  if (configuration.repositoryPublicKey) return owned.find((k) => sameKey(k.key, configuration.repositoryPublicKey ?? ""));
  if (configuration.complianceState === "Compliant" && owned.length === 1) return owned[0];
  return undefined;
}

/**
 * Preflight and the reads of current state, in parallel; a preflight failure wins, as it explains more.
 * `withRepository`: also read the repository at the commit Flux must reach (overlapping the other reads).
 */
export async function observe(run: Run, { withRepository = false }: { readonly withRepository?: boolean } = {}): Promise<Observed> {
  const [checked, state] = await Promise.allSettled([run.checks, readState(run, withRepository)]);
  if (checked.status === "rejected") throw checked.reason;
  if (state.status === "rejected") {
    // The preflight registers missing providers while the reads run: reads refused for that are read again.
    if (state.reason instanceof ActionError && state.reason.code === "provider-not-registered") return readState(run, withRepository);
    throw state.reason;
  }
  return state.value;
}

/**
 * The branch Flux follows, as the commit and tree reads need it: the given one at once, else the default branch once
 * the repository read tells it. Only a branch ref awaits it (resolveCommit, checkRepository): a tag, a semver range
 * and a commit are read by themselves, so with any ref but a branch ref that names none, nothing waits for the
 * repository read.
 */
function followedBranch(ref: GitRef, repository: Promise<Repository>): Promise<string> {
  const branch = ref.kind === "branch" && ref.branch !== undefined ? Promise.resolve(ref.branch) : repository.then((r) => r.defaultBranch);
  branch.catch(() => undefined); // the repository read's own error is thrown where it is awaited (readState)
  return branch;
}

/** Every read starts at once, beside the repository read; the repository read's error wins (it explains the others' 404s). */
async function readState(run: Run, withRepository: boolean): Promise<Observed> {
  const { settings, octokit, arm, report } = run;
  const repository = getRepository(octokit, settings.git);
  const branch = followedBranch(settings.git.ref, repository);
  const commit = resolveCommit(octokit, settings.git, settings.git.ref, branch);
  const reads = Promise.all([
    commit,
    withRepository ? checkRepository(run, branch, commit) : undefined,
    collectKnownHosts(run),
    listDeployKeys(octokit, settings.git),
    getConfiguration(arm, settings.flux.name),
    findFluxExtension(arm),
    withRepository ? listTrainVersions(arm, settings.extension.releaseTrain) : undefined,
  ]);
  reads.catch(() => undefined); // awaited below, once the repository read has answered
  const { defaultBranch, htmlUrl } = await repository;
  report.repositoryHtmlUrl = htmlUrl;
  report.configurationName = settings.flux.name;
  const [expectedSha, repositoryCheck, knownHosts, keys, configuration, extension, trainVersions] = await reads;
  const ownedKeys = keys.filter((k) => ownsTitle(k.title, settings.cluster, settings.flux.name));
  core.debug(
    `observed: ${ownedKeys.length} owned deploy key(s), configuration ${configuration ? "present" : "absent"}, extension ${extension?.name ?? "absent"}`,
  );
  report.hostKeys = knownHosts.keys;
  report.repositoryCheck = repositoryCheck;
  report.knownHostsText = knownHosts.text;
  return {
    defaultBranch,
    expectedSha,
    knownHosts,
    ownedKeys,
    configuration,
    extension,
    keyInUse: keyHeldBy(configuration, ownedKeys),
    repositoryCheck,
    trainVersions,
  };
}
