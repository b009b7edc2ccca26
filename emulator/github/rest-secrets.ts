// Actions secrets for a repository and for its environments: public key, create-or-update (201/204),
// metadata get and list. Values are decrypted on arrival so tests can prove the sealed box round-trips.
import type { Response, Route } from "../http.ts";
import { jsonBody } from "../http.ts";
import { githubError, onRepo } from "./access.ts";
import type { Need, RepoContext } from "./access.ts";
import { openSealed, publicKeyBase64 } from "./secret-box.ts";
import type { SecretBox } from "./state.ts";
import type { GitHubState } from "./state.ts";

const DOCS = "https://docs.github.com/rest/actions/secrets";
const REPO = String.raw`^/repos/(?<owner>[^/]+)/(?<repo>[^/]+)`;
const ENV = String.raw`${REPO}/environments/(?<env>[^/]+)`;
const stamp = (): string => new Date().toISOString().replace(/\.\d{3}Z$/, "Z");

/** The repository's box, or the named environment's; undefined for an unknown environment. */
function boxOf({ repo, request }: RepoContext): SecretBox | undefined {
  const env = request.params["env"];
  return env === undefined ? repo.secretBox : repo.environments.get(env);
}

function putSecret(context: RepoContext, docs: string): Response {
  const box = boxOf(context);
  if (!box) return githubError(404, "Not Found", docs);
  const rawName = context.request.params["name"] ?? "";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(rawName) || /^GITHUB_/i.test(rawName)) {
    return githubError(
      422,
      "Invalid request.\n\nSecret names can only contain alphanumeric characters ([a-z], [A-Z], [0-9]) or underscores (_), must not start with a number or GITHUB_.",
      docs,
    );
  }
  const body = jsonBody(context.request) as Record<string, unknown> | undefined;
  const encrypted = body?.["encrypted_value"];
  const keyId = body?.["key_id"];
  if (typeof encrypted !== "string" || typeof keyId !== "string") {
    return githubError(422, 'Invalid request.\n\n"encrypted_value" and "key_id" are required.', docs);
  }
  if (keyId !== box.keyId) return githubError(422, "Invalid request.\n\nkey_id does not match the current public key.", docs);
  const value = openSealed(box, encrypted);
  if (value === undefined) return githubError(422, "Invalid request.\n\nencrypted_value could not be decrypted with the public key.", docs);
  const name = rawName.toUpperCase();
  const existing = box.secrets.get(name);
  if (existing) {
    existing.value = value;
    existing.updatedAt = stamp();
    return { status: 204 };
  }
  box.secrets.set(name, { value, createdAt: stamp(), updatedAt: stamp() });
  return { status: 201, body: {} };
}

function secretRoutes(state: GitHubState, base: string, permission: string, docs: string): Route[] {
  const need = (level: "read" | "write"): Need => ({ permission, level, docs });
  return [
    {
      method: "GET",
      pattern: new RegExp(`${base}/secrets/public-key$`),
      handler: onRepo(state, need("read"), (context): Response => {
        const box = boxOf(context);
        return box ? { status: 200, body: { key_id: box.keyId, key: publicKeyBase64(box) } } : githubError(404, "Not Found", docs);
      }),
    },
    {
      method: "GET",
      pattern: new RegExp(`${base}/secrets$`),
      handler: onRepo(state, need("read"), (context): Response => {
        const box = boxOf(context);
        if (!box) return githubError(404, "Not Found", docs);
        const secrets = [...box.secrets].map(([name, s]) => ({ name, created_at: s.createdAt, updated_at: s.updatedAt }));
        return { status: 200, body: { total_count: secrets.length, secrets } };
      }),
    },
    {
      method: "GET",
      pattern: new RegExp(`${base}/secrets/(?<name>[^/]+)$`),
      handler: onRepo(state, need("read"), (context): Response => {
        const name = (context.request.params["name"] ?? "").toUpperCase();
        const secret = boxOf(context)?.secrets.get(name);
        return secret
          ? { status: 200, body: { name, created_at: secret.createdAt, updated_at: secret.updatedAt } }
          : githubError(404, "Not Found", docs);
      }),
    },
    {
      method: "PUT",
      pattern: new RegExp(`${base}/secrets/(?<name>[^/]+)$`),
      handler: onRepo(state, need("write"), (c) => putSecret(c, docs)),
    },
  ];
}

export function actionsSecretRoutes(state: GitHubState): Route[] {
  return [
    ...secretRoutes(state, `${REPO}/actions`, "secrets", `${DOCS}#create-or-update-a-repository-secret`),
    ...secretRoutes(state, ENV, "environments", `${DOCS}#create-or-update-an-environment-secret`),
  ];
}
