// Who is calling and what they may do, decided the way GitHub does: bad token 401, a private repository the
// token cannot see 404, a visible repository without the needed fine-grained permission 403.
import type { Handler, Request, Response } from "../http.ts";
import { findRepo } from "./state.ts";
import type { GitHubState, Level, Repo, TokenGrant } from "./state.ts";

export function githubError(status: number, message: string, documentationUrl = "https://docs.github.com/rest"): Response {
  return { status, body: { message, documentation_url: documentationUrl, status: String(status) } };
}

/** Permissions a workflow's GITHUB_TOKEN can ever hold (the `permissions:` keys); no administration, no secrets. */
const WORKFLOW_PERMISSIONS = new Set([
  "actions",
  "attestations",
  "checks",
  "contents",
  "deployments",
  "discussions",
  "id-token",
  "issues",
  "metadata",
  "packages",
  "pages",
  "pull-requests",
  "repository-projects",
  "security-events",
  "statuses",
]);

export function effectiveLevel(grant: TokenGrant, permission: string): Level | undefined {
  if (permission === "metadata") return "read";
  if (grant.kind === "github_token" && !WORKFLOW_PERMISSIONS.has(permission)) return undefined;
  return grant.permissions[permission];
}

function allows(grant: TokenGrant, permission: string, level: Level): boolean {
  const held = effectiveLevel(grant, permission);
  return held === "write" || held === level;
}

/** True when the token was granted this repository (an app installation's or a fine-grained PAT's list). */
export function grantsRepo(grant: TokenGrant, repo: Repo): boolean {
  const name = `${repo.owner}/${repo.name}`.toLowerCase();
  return grant.repos === "*" || grant.repos.some((r) => r.toLowerCase() === name);
}

export function canSee(grant: TokenGrant | undefined, repo: Repo): boolean {
  return !repo.private || (grant !== undefined && grantsRepo(grant, repo));
}

export type Caller = { readonly grant?: TokenGrant; readonly token?: string };

/** The caller's grant; a Response when the token is unknown. */
export function identify(state: GitHubState, request: Request): Caller | Response {
  const header = request.headers.authorization ?? "";
  const match = /^(?:token|bearer)\s+(\S+)$/i.exec(header.trim());
  if (!header) return {};
  const found = match?.[1] ? state.tokens.get(match[1]) : undefined;
  // An expired token is refused like an unknown one: 401 {"message":"Bad credentials"}, never a word about expiry
  // (answers quoted in PyGithub/PyGithub#1753 and MeltanoLabs/tap-github#243; docs.github.com, "Troubleshooting the
  // REST API": a 401 for invalid credentials).
  const grant = found && (found.expiresAt === undefined || Date.now() < found.expiresAt) ? found : undefined;
  return grant ? { grant, token: match?.[1] } : githubError(401, "Bad credentials", "https://docs.github.com/rest");
}

export interface Need {
  /** Fine-grained permission name, e.g. `administration`. */
  readonly permission: string;
  readonly level: Level;
  /** The operation's documentation page, quoted in 403 bodies as GitHub does. */
  readonly docs: string;
  /** Reads of a public repository need no token and no permission (the docs of Get a tree / Get a blob / Get repository
   *  content: "can be used without authentication or the aforementioned permissions if only public resources are requested"). */
  readonly publicRead?: boolean;
}

export interface RepoContext {
  readonly request: Request;
  readonly repo: Repo;
  readonly grant?: TokenGrant;
}

function forbidden(grant: TokenGrant, docs: string): Response {
  const by = grant.kind === "pat" ? "personal access token" : "integration";
  return githubError(403, `Resource not accessible by ${by}`, docs);
}

/** Wraps a handler for `/repos/{owner}/{repo}/...`: resolves the caller and repository and checks the need. */
export function onRepo(
  state: GitHubState,
  need: Need | undefined,
  handler: (context: RepoContext) => Response | Promise<Response>,
): Handler {
  return (request) => {
    const caller = identify(state, request);
    if ("status" in caller) return caller;
    const repo = findRepo(state, `${request.params["owner"] ?? ""}/${request.params["repo"] ?? ""}`);
    if (!repo || !canSee(caller.grant, repo)) return githubError(404, "Not Found", need?.docs);
    if (need && !(need.publicRead && !repo.private)) {
      if (!caller.grant) return githubError(401, "Requires authentication", need.docs);
      if (!grantsRepo(caller.grant, repo) || !allows(caller.grant, need.permission, need.level)) {
        return forbidden(caller.grant, need.docs);
      }
    }
    return handler({ request, repo, grant: caller.grant });
  };
}
