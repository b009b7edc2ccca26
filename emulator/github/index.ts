// The GitHub half of the local cloud: REST over HTTPS (through the shared router, log and faults), a real
// git-over-SSH host whose host keys /meta publishes, and the Actions OIDC token service (oidc.ts) that signs with
// the key it is given. Seeded with real bare git repositories.
import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createService } from "../http.ts";
import type { Traffic } from "../http.ts";
import type { SigningKey } from "../jwt.ts";
import { startGitHost } from "./git-host.ts";
import { commitFiles, defaultFluxTree, initBareRepo, resolveCommit, tagCommit } from "./git-repos.ts";
import type { FileChanges } from "./git-repos.ts";
import { generateHostKeys } from "./host-keys.ts";
import { startOidcService } from "./oidc.ts";
import type { ActionsOidc } from "./oidc.ts";
import { createRateState, enforceLimits, setRateLimit, withRateLimit } from "./rate-limit.ts";
import type { GitHubLimits } from "./documented-limits.ts";
import { withTokenExpiry } from "./token-expiry.ts";
import type { RateLimitSettings, RateState, ThrottleKind } from "./rate-limit.ts";
import { contentsRoutes } from "./rest-contents.ts";
import { deployKeyRoutes } from "./rest-deploy-keys.ts";
import { gitDataRoutes } from "./rest-git-data.ts";
import { metaRoutes, notFoundRoute } from "./rest-meta.ts";
import { repoRoutes } from "./rest-repos.ts";
import { actionsSecretRoutes } from "./rest-secrets.ts";
import { createSecretBox } from "./secret-box.ts";
import { findRepo, GITHUB_TREE_LIMIT, nextId, repoKey } from "./state.ts";
import type { AuthAttempt, DeployKey, GitHubState, Level, MetaMode, Repo, TokenKind, TreeLimit } from "./state.ts";

export type { ActionsOidc, AuthAttempt, DeployKey, FileChanges, Level, MetaMode, RateLimitSettings, ThrottleKind, TokenKind, TreeLimit };
export { GITHUB_TREE_LIMIT };

export interface CreateRepoOptions {
  readonly owner: string;
  readonly name: string;
  /** Default "main". */
  readonly defaultBranch?: string;
  /** The first commit's files; default a small Flux tree (clusters/staging, clusters/production, apps). */
  readonly files?: Readonly<Record<string, string>>;
  /** No commit at all (default false): git data endpoints answer 409 "Git Repository is empty.", contents 404. */
  readonly empty?: boolean;
  /** Default true. */
  readonly private?: boolean;
  /** Organization policy "deploy keys disabled" (default false). */
  readonly deployKeysDisabled?: boolean;
  /** Deployment environments, each with its own secrets keypair (default none). */
  readonly environments?: readonly string[];
}

export interface TokenOptions {
  /** "*" or full names "owner/name". */
  readonly repos: "*" | readonly string[];
  /** Fine-grained permissions: administration, secrets, environments, contents, ... */
  readonly permissions: Readonly<Record<string, Level>>;
  readonly kind: TokenKind;
  /** Shown as `added_by` on deploy keys it creates. */
  readonly login?: string;
  /** When the token expires (then every call answers 401 Bad credentials). */
  readonly expiresAt?: Date;
  /** Whether answers say when the token expires (GitHub-Authentication-Token-Expiration); default true. */
  readonly expirationHeader?: boolean;
}

/** GitHub's services; the Actions OIDC token service's part (oidc, setOidcSubject, ...) is ActionsOidc. */
export interface GitHubCloud extends ActionsOidc {
  /** GITHUB_API_URL, e.g. https://localhost:PORT (no trailing slash). */
  readonly apiUrl: string;
  /** GITHUB_SERVER_URL-like; same origin as apiUrl. */
  readonly serverUrl: string;
  /** "localhost:PORT" of the SSH git host. */
  readonly sshHost: string;
  readonly sshPort: number;
  /** Published host keys, "type base64", one per algorithm (ed25519, ecdsa-p256, rsa-3072). */
  readonly hostKeys: readonly string[];
  /** Every SSH attempt: refusals at auth time (no repo) and every exec/shell after auth. */
  readonly authLog: readonly AuthAttempt[];
  readonly rateLimit: Readonly<RateState>;
  /** Seeds a bare repository; returns the head sha of its default branch ("" for an `empty` one). */
  readonly createRepo: (options: CreateRepoOptions) => Promise<string>;
  /** Commits files (null deletes) on a branch (created when new); returns the new sha. */
  readonly pushCommit: (repo: string, branch: string, files: FileChanges, message?: string) => Promise<string>;
  /** Lightweight tag, annotated when a message is given; returns the tagged commit sha. */
  readonly createTag: (repo: string, tag: string, ref: string, message?: string) => Promise<string>;
  /** Head sha of a branch (default branch when omitted); throws when absent. */
  readonly headOf: (repo: string, branch?: string) => Promise<string>;
  readonly createEnvironment: (repo: string, environment: string) => Promise<void>;
  readonly addToken: (token: string, options: TokenOptions) => void;
  readonly removeToken: (token: string) => void;
  /** The stored deploy keys of a repository (live objects: last_used updates in place). */
  readonly deployKeys: (repo: string) => readonly DeployKey[];
  readonly setMetaMode: (mode: MetaMode) => void;
  readonly setDeployKeysDisabled: (repo: string, disabled: boolean) => void;
  /** Decrypted secret values of a repository, or of one of its environments. */
  readonly secrets: (repo: string, environment?: string) => Record<string, string>;
  readonly setRateLimit: (settings: RateLimitSettings) => void;
  /** Caps of recursive git tree answers (default GITHUB_TREE_LIMIT: 100,000 entries, 7 MiB); omitted fields keep theirs. */
  readonly setTreeLimit: (limit: Partial<TreeLimit>) => void;
  /** The next `times` API calls answer throttled; returns how many calls have been throttled in total so far. */
  readonly throttle: (kind: ThrottleKind, times: number, retryAfterSeconds?: number) => () => number;
  /** Enforces GitHub's documented rate limits (GITHUB_LIMITS, or scaledGitHubLimits(...) for a test); undefined: off. */
  readonly enforceLimits: (limits: GitHubLimits | undefined) => void;
  /** Path of the bare repository on disk (read-only use). */
  readonly gitDir: (repo: string) => string;
  readonly close: () => Promise<void>;
}

export interface GitHubOptions {
  readonly traffic: Traffic;
  readonly tls: { readonly cert: string; readonly key: string };
  /** The key the Actions OIDC service signs ID tokens with (Entra is given the same one to verify them). */
  readonly key: SigningKey;
}

export async function startGitHub(options: GitHubOptions): Promise<GitHubCloud> {
  const root = await mkdtemp(join(tmpdir(), "local-github-"));
  const state: GitHubState = {
    apiUrl: "",
    serverUrl: "",
    sshPort: 0,
    repos: new Map(),
    tokens: new Map(),
    authLog: [],
    hostKeys: await generateHostKeys(),
    metaMode: "full",
    lastId: 41_000_000,
    treeLimit: GITHUB_TREE_LIMIT,
  };
  const rate = createRateState();
  const routes = [
    ...metaRoutes(state, rate),
    ...repoRoutes(state),
    ...gitDataRoutes(state),
    ...contentsRoutes(state),
    ...deployKeyRoutes(state),
    ...actionsSecretRoutes(state),
    notFoundRoute,
  ].map((route) => ({ ...route, handler: withTokenExpiry(state, withRateLimit(rate, route.handler)) }));
  const server = createServer(
    { cert: options.tls.cert, key: options.tls.key },
    createService({
      name: "github",
      routes,
      traffic: options.traffic,
      errorBody: (status, message) => ({ message, documentation_url: "https://docs.github.com/rest", status: String(status) }),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  state.apiUrl = `https://localhost:${port}`;
  state.serverUrl = state.apiUrl;
  const host = await startGitHost(state);
  state.sshPort = host.port;
  const oidc = await startOidcService(options);

  const repoOf = (fullName: string): Repo => {
    const repo = findRepo(state, fullName);
    if (!repo) throw new Error(`No repository ${fullName} in the local GitHub`);
    return repo;
  };

  return {
    oidc: oidc.oidc,
    setOidcSubject: oidc.setOidcSubject,
    setOidcClaims: oidc.setOidcClaims,
    setTokenLifetime: oidc.setTokenLifetime,
    apiUrl: state.apiUrl,
    serverUrl: state.serverUrl,
    sshHost: `localhost:${host.port}`,
    sshPort: host.port,
    hostKeys: state.hostKeys.map((k) => k.publicLine),
    authLog: state.authLog,
    rateLimit: rate,
    createRepo: async (o) => {
      if (findRepo(state, `${o.owner}/${o.name}`)) throw new Error(`Repository ${o.owner}/${o.name} already exists`);
      const defaultBranch = o.defaultBranch ?? "main";
      const gitDir = join(root, o.owner, `${o.name}.git`);
      await initBareRepo(gitDir, defaultBranch);
      const head = o.empty ? "" : await commitFiles(gitDir, defaultBranch, o.files ?? defaultFluxTree(), "Initial commit");
      const environments = new Map();
      for (const env of o.environments ?? []) environments.set(env, await createSecretBox());
      state.repos.set(repoKey(o.owner, o.name), {
        id: nextId(state),
        owner: o.owner,
        name: o.name,
        private: o.private ?? true,
        defaultBranch,
        gitDir,
        createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
        deployKeys: [],
        deployKeysDisabled: o.deployKeysDisabled ?? false,
        secretBox: await createSecretBox(),
        environments,
      });
      return head;
    },
    pushCommit: (repo, branch, files, message = "Update manifests") => commitFiles(repoOf(repo).gitDir, branch, files, message),
    createTag: (repo, tag, ref, message) => tagCommit(repoOf(repo).gitDir, tag, ref, message),
    headOf: async (repo, branch) => {
      const found = repoOf(repo);
      const sha = await resolveCommit(found.gitDir, `refs/heads/${branch ?? found.defaultBranch}`);
      if (!sha) throw new Error(`No branch ${branch ?? found.defaultBranch} in ${repo}`);
      return sha;
    },
    createEnvironment: async (repo, environment) => {
      const found = repoOf(repo);
      if (!found.environments.has(environment)) found.environments.set(environment, await createSecretBox());
    },
    addToken: (token, o) => {
      state.tokens.set(token, {
        kind: o.kind,
        repos: o.repos,
        permissions: o.permissions,
        login: o.login ?? (o.kind === "pat" ? "octocat" : "flux-bootstrap[bot]"),
        ...(o.expiresAt ? { expiresAt: o.expiresAt.getTime() } : {}),
        ...(o.expirationHeader === undefined ? {} : { expirationHeader: o.expirationHeader }),
      });
    },
    removeToken: (token) => void state.tokens.delete(token),
    deployKeys: (repo) => repoOf(repo).deployKeys,
    setMetaMode: (mode) => void (state.metaMode = mode),
    setDeployKeysDisabled: (repo, disabled) => void (repoOf(repo).deployKeysDisabled = disabled),
    secrets: (repo, environment) => {
      const found = repoOf(repo);
      const box = environment === undefined ? found.secretBox : found.environments.get(environment);
      if (!box) throw new Error(`No environment ${environment ?? ""} in ${repo}`);
      return Object.fromEntries([...box.secrets].map(([name, s]) => [name, s.value]));
    },
    setRateLimit: (settings) => setRateLimit(rate, settings),
    setTreeLimit: (limit) => void (state.treeLimit = { ...state.treeLimit, ...limit }),
    enforceLimits: (limits) => enforceLimits(rate, limits),
    throttle: (kind, times, retryAfterSeconds = 1) => {
      rate.throttles.push({ kind, times, retryAfter: retryAfterSeconds });
      return () => rate.throttled;
    },
    gitDir: (repo) => repoOf(repo).gitDir,
    close: async () => {
      await Promise.all([host.close(), oidc.close()]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await rm(root, { recursive: true, force: true });
    },
  };
}
