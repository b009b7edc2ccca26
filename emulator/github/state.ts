// The GitHub stand-in's in-memory world: repositories (each backed by a real bare git repo), tokens with
// their grants, deploy keys, sealed-box secret stores, the SSH auth log and the /meta mode.

export type Level = "read" | "write";
export type TokenKind = "app" | "pat" | "github_token";

export interface TokenGrant {
  readonly kind: TokenKind;
  /** "*" or full names "owner/name" (case-insensitive). */
  readonly repos: "*" | readonly string[];
  /** Fine-grained permission names (`administration`, `secrets`, `environments`, `contents`...) to levels. */
  readonly permissions: Readonly<Record<string, Level>>;
  /** Who the token acts as; shown as a deploy key's `added_by`. */
  readonly login: string;
  /** When the token stops working (ms since epoch); GitHub App installation tokens live one hour. */
  readonly expiresAt?: number;
  /** Whether answers carry GitHub-Authentication-Token-Expiration (see token-expiry.ts); default true. */
  readonly expirationHeader?: boolean;
}

export interface DeployKey {
  readonly id: number;
  readonly title: string;
  /** Normalised `type base64`. */
  readonly key: string;
  /** SHA256 fingerprint of the blob (unpadded base64, no prefix). */
  readonly fingerprint: string;
  readonly readOnly: boolean;
  readonly createdAt: string;
  readonly addedBy: string;
  lastUsed: string | null;
}

export interface StoredSecret {
  value: string;
  readonly createdAt: string;
  updatedAt: string;
}

/** A libsodium X25519 keypair and the secrets sealed to it (repository level or one environment). */
export interface SecretBox {
  readonly keyId: string;
  readonly publicKey: Uint8Array;
  readonly privateKey: Uint8Array;
  readonly secrets: Map<string, StoredSecret>;
}

export interface Repo {
  readonly id: number;
  readonly owner: string;
  readonly name: string;
  readonly private: boolean;
  readonly defaultBranch: string;
  /** Path of the bare repository on disk. */
  readonly gitDir: string;
  readonly createdAt: string;
  readonly deployKeys: DeployKey[];
  deployKeysDisabled: boolean;
  readonly secretBox: SecretBox;
  readonly environments: Map<string, SecretBox>;
}

export interface AuthAttempt {
  readonly time: string;
  readonly fingerprint: string;
  readonly keyId?: number;
  readonly ok: boolean;
  /** "owner/name" once the client asked for a repository. */
  readonly repo?: string;
  readonly command?: string;
  /** Why it was refused, in the words the client saw. */
  readonly reason?: string;
}

export type MetaMode = "full" | "no-ssh-keys";

export interface HostKey {
  /** `ssh-ed25519`, `ecdsa-sha2-nistp256`, `ssh-rsa`. */
  readonly type: string;
  /** OpenSSH private key text; stays in memory. */
  readonly privateKey: string;
  /** `type base64`, no comment, no hostname. */
  readonly publicLine: string;
  readonly fingerprint: string;
}

export interface GitHubState {
  apiUrl: string;
  serverUrl: string;
  sshPort: number;
  readonly repos: Map<string, Repo>;
  readonly tokens: Map<string, TokenGrant>;
  readonly authLog: AuthAttempt[];
  readonly hostKeys: readonly HostKey[];
  metaMode: MetaMode;
  lastId: number;
  /** Caps of a recursive git tree answer, past which it is cut and says `truncated: true`. */
  treeLimit: TreeLimit;
}

/** GitHub: "The limit for the `tree` array is 100,000 entries with a maximum size of 7 MB when using the `recursive`
 *  parameter" (REST docs, Get a tree). Whether "7 MB" is 7,000,000 or 7 MiB bytes of JSON is not documented: 7 MiB here. */
export interface TreeLimit {
  readonly entries: number;
  /** Bytes of the JSON of the `tree` array. */
  readonly bytes: number;
}

export const GITHUB_TREE_LIMIT: TreeLimit = { entries: 100_000, bytes: 7 * 1024 * 1024 };

export function nextId(state: GitHubState): number {
  state.lastId += 1;
  return state.lastId;
}

export function repoKey(owner: string, name: string): string {
  return `${owner}/${name}`.toLowerCase();
}

export function findRepo(state: GitHubState, fullName: string): Repo | undefined {
  return state.repos.get(fullName.toLowerCase());
}

/** The repository holding a deploy key with this fingerprint, and the key. */
export function findDeployKey(state: GitHubState, fingerprint: string): { repo: Repo; key: DeployKey } | undefined {
  for (const repo of state.repos.values()) {
    const key = repo.deployKeys.find((k) => k.fingerprint === fingerprint);
    if (key) return { repo, key };
  }
  return undefined;
}
