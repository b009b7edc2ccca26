// When a token expires, said in every answer to a call made with it: the GitHub-Authentication-Token-Expiration
// header, "2021-10-07 19:07:53 UTC" (https://github.blog/changelog/2021-07-26-expiration-options-for-personal-access-tokens/,
// seen in answers as quoted in github/gh-aw#20097 and parsed by google/go-github#2031). Whether answers to GitHub App
// installation tokens (one hour: docs.github.com "Generating an installation access token for a GitHub App") carry it
// is not documented: a token's `expirationHeader: false` gives the variant without it.
import type { Handler } from "../http.ts";
import type { GitHubState } from "./state.ts";

export const TOKEN_EXPIRATION_HEADER = "github-authentication-token-expiration";

/** "2026-12-07 10:00:00 UTC" */
export function expirationText(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, " UTC");
}

export function withTokenExpiry(state: GitHubState, handler: Handler): Handler {
  return async (request) => {
    const response = await handler(request);
    const token = /^(?:token|bearer)\s+(\S+)$/i.exec((request.headers.authorization ?? "").trim())?.[1];
    const grant = token ? state.tokens.get(token) : undefined;
    if (grant?.expiresAt === undefined || grant.expirationHeader === false || response.status === 401) return response;
    return { ...response, headers: { ...response.headers, [TOKEN_EXPIRATION_HEADER]: expirationText(grant.expiresAt) } };
  };
}
