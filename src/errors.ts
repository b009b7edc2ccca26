// Errors that say the fix. Each known failure has a code, a short title for the annotation and a
// troubleshooting entry (docs/troubleshooting.md#<code>); the original error is kept as `cause`.

export type ErrorCode =
  | "invalid-input"
  | "oidc-permission"
  | "federated-credential-mismatch"
  | "assertion-expired"
  | "azure-sign-in"
  | "github-token-permission"
  | "github-repository-not-found"
  | "deploy-keys-disabled"
  | "deploy-key-in-use"
  | "provider-not-registered"
  | "azure-role-missing"
  | "cluster-not-found"
  | "cluster-type-mismatch"
  | "pod-identity"
  | "extension-failed"
  | "extension-busy"
  | "configuration-failed"
  | "known-hosts-mismatch"
  | "source-permission-denied"
  | "source-host-key"
  | "kustomization-path-not-found"
  | "wait-timeout"
  | "rotation-unproven"
  | "cluster-key-missing";

export const TROUBLESHOOTING_URL = "https://github.com/your-org/aks-flux-bootstrap/blob/v1/docs/troubleshooting.md";

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
    return `${TROUBLESHOOTING_URL}#${this.code}`;
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
