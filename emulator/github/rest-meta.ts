// GET /meta (the SSH host keys and their fingerprints, taken from the real SSH host), GET /rate_limit,
// and GitHub's 404 for everything else.
import type { Response, Route } from "../http.ts";
import { githubError, identify } from "./access.ts";
import type { RateState } from "./rate-limit.ts";
import type { GitHubState } from "./state.ts";

const FINGERPRINT_NAMES: Readonly<Record<string, string>> = {
  "ecdsa-sha2-nistp256": "SHA256_ECDSA",
  "ssh-ed25519": "SHA256_ED25519",
  "ssh-rsa": "SHA256_RSA",
};

export function metaJson(state: GitHubState): Record<string, unknown> {
  const loopback = ["127.0.0.1/32", "::1/128"];
  const common = { verifiable_password_authentication: false };
  const addresses = { hooks: loopback, web: loopback, api: loopback, git: loopback, packages: loopback, actions: [] };
  if (state.metaMode === "no-ssh-keys") return { ...common, installed_version: "3.9.0", ...addresses };
  const sorted = [...state.hostKeys].sort((a, b) => (FINGERPRINT_NAMES[a.type] ?? "").localeCompare(FINGERPRINT_NAMES[b.type] ?? ""));
  return {
    ...common,
    ssh_key_fingerprints: Object.fromEntries(sorted.map((k) => [FINGERPRINT_NAMES[k.type] ?? k.type, k.fingerprint])),
    ssh_keys: state.hostKeys.map((k) => k.publicLine),
    ...addresses,
  };
}

export function metaRoutes(state: GitHubState, rate: RateState): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/meta$/,
      handler: (request): Response => {
        const caller = identify(state, request);
        return "status" in caller ? caller : { status: 200, body: metaJson(state) };
      },
    },
    {
      method: "GET",
      pattern: /^\/rate_limit$/,
      handler: (request): Response => {
        const caller = identify(state, request);
        if ("status" in caller) return caller;
        const core = { limit: rate.limit, remaining: rate.remaining, reset: rate.resetAt, used: rate.used, resource: "core" };
        return { status: 200, body: { resources: { core }, rate: core } };
      },
    },
  ];
}

export const notFoundRoute: Route = {
  method: "*",
  pattern: /^/,
  handler: () => githubError(404, "Not Found", "https://docs.github.com/rest"),
};
