// The one settings object the whole action runs from: every input parsed and validated once (see inputs.ts).
// action.yml holds the defaults; this file holds the shape.

export type Mode = "apply" | "rotate" | "destroy" | "plan";
export type ClusterType = "managedClusters" | "connectedClusters";
export type AzureCloudName = "AzureCloud" | "AzureUSGovernment" | "AzureChinaCloud";
export type KeySource = "action" | "cluster";
export type KeyType = "ed25519" | "ecdsa-p256" | "ecdsa-p384" | "ecdsa-p521" | "rsa-4096";
export type PodIdentityCheck = "fail" | "warn" | "off";
/** What a check does with what it finds: fail the run before any write, warn, or not look at all. */
export type CheckLevel = "fail" | "warn" | "off";

/** Exactly one kind of git reference. `branch` undefined means the repository's default branch. */
export type GitRef =
  | { readonly kind: "branch"; readonly branch: string | undefined }
  | { readonly kind: "tag"; readonly tag: string }
  | { readonly kind: "semver"; readonly semver: string }
  | { readonly kind: "commit"; readonly commit: string; readonly branch: string | undefined };

export interface PostBuild {
  readonly substitute?: Readonly<Record<string, string>>;
  readonly substituteFrom?: readonly { readonly kind: "ConfigMap" | "Secret"; readonly name: string; readonly optional?: boolean }[];
}

export interface Kustomization {
  readonly name: string;
  /** Repository path, normalised without a leading "./" and without "..". "" means the root. */
  readonly path: string;
  readonly dependsOn: readonly string[];
  readonly prune: boolean;
  readonly force: boolean;
  readonly wait: boolean;
  readonly timeoutSeconds: number | undefined;
  readonly syncIntervalSeconds: number | undefined;
  readonly retryIntervalSeconds: number | undefined;
  readonly postBuild: PostBuild | undefined;
}

export interface Cluster {
  readonly subscriptionId: string;
  readonly resourceGroup: string;
  readonly name: string;
  readonly type: ClusterType;
}

export interface Azure {
  readonly clientId: string;
  readonly tenantId: string;
  readonly audience: string;
  readonly cloud: AzureCloudName;
  /** e.g. https://login.microsoftonline.com */
  readonly authorityHost: string;
  /** e.g. https://management.azure.com */
  readonly armEndpoint: string;
  /** True when authority-host was overridden (private clouds, tests): MSAL instance discovery must be off. */
  readonly customAuthority: boolean;
  readonly registerProviders: boolean;
}

export interface Git {
  readonly owner: string;
  readonly repo: string;
  /** "owner/repo" */
  readonly fullName: string;
  readonly ref: GitRef;
  readonly githubToken: string;
  readonly githubApiUrl: string;
  /** SSH host name without port, e.g. github.com */
  readonly sshHost: string;
  /** SSH port; 22 unless given */
  readonly sshPort: number;
  /** Pinned host key fingerprints (`SHA256:...`), required where /meta has no ssh_keys. */
  readonly hostFingerprints: readonly string[];
  /** known_hosts lines supplied by the user (GHES without ssh_keys in /meta). */
  readonly knownHosts: string | undefined;
}

export interface Key {
  /**
   * Who makes the key pair: "action" (in the runner's memory) or "cluster" (Azure's Flux agent; the private half
   * never leaves the cluster).
   */
  readonly source: KeySource;
  /** key-source was set by the workflow (empty means "action"): rotate switches a cluster-made key only when it was. */
  readonly sourceExplicit: boolean;
  readonly type: KeyType;
  readonly readWrite: boolean;
  /** Milliseconds; rotate is a no-op while the current key is younger. undefined = always rotate. */
  readonly maxAgeMs: number | undefined;
}

export interface ExtensionSettings {
  readonly name: string;
  readonly releaseTrain: string;
  /** Pinned version; undefined = auto-upgrade minor versions. */
  readonly version: string | undefined;
  readonly settings: Readonly<Record<string, string>>;
  readonly remove: boolean;
  readonly podIdentityCheck: PodIdentityCheck;
}

export interface FluxSettings {
  readonly name: string;
  readonly namespace: string;
  readonly scope: "cluster" | "namespace";
  readonly kustomizations: readonly Kustomization[];
  readonly syncIntervalSeconds: number | undefined;
  readonly timeoutSeconds: number | undefined;
  readonly suspend: boolean;
  readonly forceDelete: boolean;
}

/** The configuration repository, read before any write (git trees and blobs through the GitHub API). */
export interface RepositoryCheckSettings {
  /** false: the repository is not read (a token without Contents: read); the paths are then checked by Flux only. */
  readonly enabled: boolean;
  /** Flux objects whose sourceRef names a GitRepository other than the configuration. */
  readonly sourceRefs: CheckLevel;
  /** `flux bootstrap` leftovers under a path (gotk-components.yaml, gotk-sync.yaml, Flux's own controllers). */
  readonly fluxBootstrap: CheckLevel;
}

/** Which Flux the cluster runs and will run, checked against the repository before any write. */
export interface FluxVersionSettings {
  /**
   * Flux objects whose apiVersion the Flux this run installs or upgrades to refuses: fail before any write, warn, or
   * not looked for. What only a later auto-upgrade would refuse is always a warning.
   */
  readonly apiCheck: CheckLevel;
  /** A pinned extension-version below the installed one is applied (a downgrade) only when this is true. */
  readonly allowDowngrade: boolean;
}

export interface SealedSecret {
  readonly name: string;
  /** Environment of the config repository; undefined = a repository secret. */
  readonly environment: string | undefined;
}

export interface Settings {
  readonly mode: Mode;
  readonly cluster: Cluster;
  readonly azure: Azure;
  readonly git: Git;
  readonly key: Key;
  readonly extension: ExtensionSettings;
  readonly flux: FluxSettings;
  readonly repositoryCheck: RepositoryCheckSettings;
  readonly fluxVersions: FluxVersionSettings;
  /** With mode plan: which mode to preview. */
  readonly planFor: Exclude<Mode, "plan">;
  readonly wait: boolean;
  readonly waitTimeoutMs: number;
  /** Heartbeat cadence of progress lines during waits. */
  readonly progressIntervalMs: number;
  readonly privateKeySecret: SealedSecret | undefined;
  /** Non-fatal advice found while reading the inputs (e.g. read-write: true); main logs each with core.warning. */
  readonly warnings: readonly string[];
}
