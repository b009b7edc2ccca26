// Errors that say the fix. Each known failure has a code, a short title for the annotation and a
// troubleshooting entry (docs/troubleshooting.md#<code>); the original error is kept as `cause`.

export type ErrorCode =
  | "invalid-input"
  | "oidc-permission"
  | "federated-credential-mismatch"
  | "assertion-expired"
  | "azure-sign-in"
  | "client-id-not-found"
  | "github-token-permission"
  | "github-token-rejected"
  | "cancelled"
  | "github-repository-not-found"
  | "deploy-keys-disabled"
  | "deploy-key-in-use"
  | "provider-not-registered"
  | "azure-role-missing"
  | "cluster-not-found"
  | "cluster-not-readable"
  | "cluster-type-mismatch"
  | "pod-identity"
  | "extension-failed"
  | "extension-busy"
  | "configuration-failed"
  | "known-hosts-mismatch"
  | "source-permission-denied"
  | "source-host-key"
  | "kustomization-path-not-found"
  | "flux-bootstrap-leftovers"
  | "source-ref-mismatch"
  | "helm-release-failed"
  | "flux-api-refused"
  | "extension-upgrade-path"
  | "extension-downgrade"
  | "wait-timeout"
  | "rate-limited"
  | "rotation-unproven"
  | "cluster-key-missing";

/** The troubleshooting page, as a path in the action's repository. */
export const TROUBLESHOOTING_PATH = "docs/troubleshooting.md";

const REPOSITORY = /^[A-Za-z0-9][-_.A-Za-z0-9]*\/[-_.A-Za-z0-9]+$/;

/**
 * The troubleshooting entry for `code` in the docs of the version that is running. The runner says where the
 * action comes from (GITHUB_ACTION_REPOSITORY, GITHUB_ACTION_REF) and which server it is on (GITHUB_SERVER_URL;
 * a GitHub Enterprise Server serves the action from there too), so the link works from any fork, mirror or tag.
 * Without them (a local `uses: ./`, or a run outside Actions) the entry's path in the action's repository.
 */
export function troubleshootingUrl(code: string, env: NodeJS.ProcessEnv = process.env): string {
  const repository = env["GITHUB_ACTION_REPOSITORY"]?.trim() ?? "";
  if (!REPOSITORY.test(repository)) return `${TROUBLESHOOTING_PATH}#${code}`;
  const server = serverUrl(env["GITHUB_SERVER_URL"]);
  const ref = env["GITHUB_ACTION_REF"]?.trim() || "HEAD";
  const refPath = ref.split("/").map(encodeURIComponent).join("/");
  return `${server}/${repository}/blob/${refPath}/${TROUBLESHOOTING_PATH}#${code}`;
}

/** GITHUB_SERVER_URL's origin (and path, for a server under a path), https://github.com when unset or not http(s). */
function serverUrl(value: string | undefined): string {
  try {
    const url = new URL(value?.trim() || "https://github.com");
    if (url.protocol !== "https:" && url.protocol !== "http:") return "https://github.com";
    return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  } catch {
    return "https://github.com";
  }
}

export class ActionError extends Error {
  readonly code: ErrorCode;
  readonly title: string;

  constructor(code: ErrorCode, options: { title: string; message: string; cause?: unknown }) {
    super(options.message, { cause: options.cause });
    this.name = "ActionError";
    this.code = code;
    this.title = options.title;
  }

  get helpUrl(): string {
    return troubleshootingUrl(this.code);
  }
}

/** The HTTP status of an Octokit or Azure SDK error, if it has one. */
export function statusOf(error: unknown): number | undefined {
  if (error && typeof error === "object") {
    const candidate = (error as { status?: unknown; statusCode?: unknown }).status ?? (error as { statusCode?: unknown }).statusCode;
    if (typeof candidate === "number") return candidate;
  }
  return undefined;
}

/** The ARM error code (`ResourceNotFound`, `AuthorizationFailed` …) of an Azure SDK RestError. */
export function armCodeOf(error: unknown): string | undefined {
  if (error && typeof error === "object" && "code" in error && typeof error.code === "string") return error.code;
  return undefined;
}

export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
