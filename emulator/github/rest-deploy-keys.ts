// Deploy key endpoints: list (paginated with Link headers), get, create (validated like GitHub: key format,
// in use anywhere, disabled by policy) and delete. Administration read lists, Administration write changes.
import type { Response, Route } from "../http.ts";
import { jsonBody } from "../http.ts";
import { githubError, onRepo } from "./access.ts";
import type { Need } from "./access.ts";
import { fingerprintOf, parsePublicKeyLine } from "./ssh-keys.ts";
import { findDeployKey, nextId } from "./state.ts";
import type { DeployKey, GitHubState, Repo } from "./state.ts";

const DOCS = "https://docs.github.com/rest/deploy-keys/deploy-keys";
const KEYS = String.raw`^/repos/(?<owner>[^/]+)/(?<repo>[^/]+)/keys`;
const read = (docs: string): Need => ({ permission: "administration", level: "read", docs });
const write = (docs: string): Need => ({ permission: "administration", level: "write", docs });

export function deployKeyJson(state: GitHubState, repo: Repo, key: DeployKey): Record<string, unknown> {
  return {
    id: key.id,
    key: key.key,
    url: `${state.apiUrl}/repos/${repo.owner}/${repo.name}/keys/${key.id}`,
    title: key.title,
    verified: true,
    created_at: key.createdAt,
    read_only: key.readOnly,
    added_by: key.addedBy,
    last_used: key.lastUsed,
    enabled: !repo.deployKeysDisabled,
  };
}

function invalid(message: string, field?: string): Response {
  return {
    status: 422,
    body: {
      message: "Validation Failed",
      errors: [{ resource: "PublicKey", code: "custom", ...(field ? { field } : {}), message }],
      documentation_url: `${DOCS}#create-a-deploy-key`,
      status: "422",
    },
  };
}

/** Link header for page `page` of `pages`, keeping the caller's other query parameters. */
function linkHeader(url: URL, base: string, page: number, pages: number, perPage: number): string | undefined {
  const at = (n: number): string => {
    const query = new URLSearchParams(url.searchParams);
    query.set("per_page", String(perPage));
    query.set("page", String(n));
    return `${base}${url.pathname}?${query.toString()}`;
  };
  const links: string[] = [];
  if (page > 1) links.push(`<${at(page - 1)}>; rel="prev"`);
  if (page < pages) links.push(`<${at(page + 1)}>; rel="next"`, `<${at(pages)}>; rel="last"`);
  if (page > 1) links.push(`<${at(1)}>; rel="first"`);
  return links.length ? links.join(", ") : undefined;
}

function createKey(state: GitHubState, repo: Repo, body: unknown, addedBy: string): Response {
  const input = (body && typeof body === "object" ? body : {}) as Record<string, unknown>;
  const docs = `${DOCS}#create-a-deploy-key`;
  if (typeof input["key"] !== "string") return githubError(422, 'Invalid request.\n\n"key" wasn\'t supplied.', docs);
  if (input["title"] !== undefined && typeof input["title"] !== "string")
    return githubError(422, "Invalid request.\n\nFor 'properties/title', it is not a string.", docs);
  if (input["read_only"] !== undefined && typeof input["read_only"] !== "boolean") {
    return githubError(422, "Invalid request.\n\nFor 'properties/read_only', it is not a boolean.", docs);
  }
  if (repo.deployKeysDisabled) return invalid("Deploy keys are disabled for this repository");
  const parsed = parsePublicKeyLine(input["key"]);
  if (!parsed) return invalid("key is invalid. You must supply a key in OpenSSH public key format", "key");
  const fingerprint = fingerprintOf(parsed.blob);
  if (findDeployKey(state, fingerprint)) {
    return {
      status: 422,
      body: {
        message: "Validation Failed",
        errors: [{ resource: "PublicKey", code: "custom", field: "key", message: "key is already in use" }],
        documentation_url: "https://docs.github.com/rest/deploy-keys#create-a-deploy-key",
      },
    };
  }
  const key: DeployKey = {
    id: nextId(state),
    title: typeof input["title"] === "string" ? input["title"] : "",
    key: parsed.normalised,
    fingerprint,
    readOnly: input["read_only"] === true,
    createdAt: new Date().toISOString().replace(/\.\d{3}Z$/, "Z"),
    addedBy,
    lastUsed: null,
  };
  repo.deployKeys.push(key);
  return { status: 201, headers: { location: deployKeyJson(state, repo, key)["url"] as string }, body: deployKeyJson(state, repo, key) };
}

export function deployKeyRoutes(state: GitHubState): Route[] {
  const byId = new RegExp(`${KEYS}/(?<id>\\d+)$`);
  return [
    {
      method: "GET",
      pattern: new RegExp(`${KEYS}$`),
      handler: onRepo(state, read(`${DOCS}#list-deploy-keys`), ({ repo, request }): Response => {
        const perPage = Math.min(100, Math.max(1, Number(request.url.searchParams.get("per_page")) || 30));
        const page = Math.max(1, Number(request.url.searchParams.get("page")) || 1);
        const pages = Math.max(1, Math.ceil(repo.deployKeys.length / perPage));
        const items = repo.deployKeys.slice((page - 1) * perPage, page * perPage).map((k) => deployKeyJson(state, repo, k));
        const link = linkHeader(request.url, new URL(state.apiUrl).origin, page, pages, perPage);
        return { status: 200, headers: link ? { link } : {}, body: items };
      }),
    },
    {
      method: "GET",
      pattern: byId,
      handler: onRepo(state, read(`${DOCS}#get-a-deploy-key`), ({ repo, request }): Response => {
        const key = repo.deployKeys.find((k) => k.id === Number(request.params["id"]));
        return key ? { status: 200, body: deployKeyJson(state, repo, key) } : githubError(404, "Not Found", `${DOCS}#get-a-deploy-key`);
      }),
    },
    {
      method: "POST",
      pattern: new RegExp(`${KEYS}$`),
      handler: onRepo(state, write(`${DOCS}#create-a-deploy-key`), ({ repo, request, grant }) =>
        createKey(state, repo, jsonBody(request), grant?.login ?? "unknown"),
      ),
    },
    {
      method: "DELETE",
      pattern: byId,
      handler: onRepo(state, write(`${DOCS}#delete-a-deploy-key`), ({ repo, request }): Response => {
        const index = repo.deployKeys.findIndex((k) => k.id === Number(request.params["id"]));
        if (index < 0) return githubError(404, "Not Found", `${DOCS}#delete-a-deploy-key`);
        repo.deployKeys.splice(index, 1);
        return { status: 204 };
      }),
    },
  ];
}
