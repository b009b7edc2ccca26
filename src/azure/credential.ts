// Azure sign-in with the workflow's GitHub OIDC token (federated credential; no client secret).
import * as core from "@actions/core";
import type { TokenCredential } from "@azure/identity";
import type { Azure } from "../inputs/settings.ts";
import { ActionError, messageOf } from "../errors.ts";
import { sleep } from "../poll.ts";
import { loadAzureSdk } from "./sdk-chunk.ts";

export interface OidcClaims {
  readonly iss?: string;
  readonly sub?: string;
  readonly aud?: string | string[];
  readonly job_workflow_ref?: string;
  readonly exp?: number;
}

/** Reads the claims of a JWT without verifying it (for messages only). */
export function decodeClaims(jwt: string): OidcClaims {
  const payload = jwt.split(".")[1];
  if (!payload) return {};
  try {
    return JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as OidcClaims;
  } catch {
    return {};
  }
}

export interface GitHubAssertion {
  /** Returns a GitHub OIDC token, fetched again only shortly before the cached one expires. */
  readonly get: () => Promise<string>;
  /** Claims of the last token fetched, for error messages. */
  readonly claims: () => OidcClaims | undefined;
}

const REFRESH_MARGIN_SECONDS = 60;
const OIDC_ATTEMPTS = 4;

export function githubAssertion(audience: string, now: () => number = Date.now): GitHubAssertion {
  let cached: { token: string; claims: OidcClaims } | undefined;
  let pending: Promise<string> | undefined;
  // A refusal that will not change (4xx, no permission) is remembered: concurrent phases must not ask again.
  let refused: unknown;
  const fresh = (): boolean => cached !== undefined && (cached.claims.exp ?? 0) - REFRESH_MARGIN_SECONDS > now() / 1000;
  const fetchToken = async (): Promise<string> => {
    let token: string | undefined;
    for (let attempt = 1; token === undefined; attempt += 1) {
      try {
        token = await core.getIDToken(audience);
      } catch (error) {
        if (!process.env["ACTIONS_ID_TOKEN_REQUEST_URL"] || !process.env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"]) {
          throw (refused = new ActionError("oidc-permission", {
            title: "No GitHub OIDC token",
            message:
              "Could not get the workflow's OIDC token. Add `permissions: id-token: write` to the job (or workflow) that runs this action; " +
              "for pull requests from forks GitHub never issues one.",
            cause: error,
          }));
        }
        // @actions/core retries only 502-504; a reset or a 500 is worth a few more tries, a 4xx is not.
        const status = Number(/Error Code : (\d+)/.exec(messageOf(error))?.[1]);
        if (attempt >= OIDC_ATTEMPTS || (status >= 400 && status < 500)) {
          const failure = new ActionError("oidc-permission", {
            title: "No GitHub OIDC token",
            message: `The Actions OIDC token service refused or failed the token request (attempt ${attempt}): ${messageOf(error).replace(/\s+/g, " ").trim()}`,
            cause: error,
          });
          if (status >= 400 && status < 500) refused = failure;
          throw failure;
        }
        await sleep(500 * attempt);
      }
    }
    cached = { token, claims: decodeClaims(token) };
    return token;
  };
  return {
    get: async () => {
      if (refused) throw refused;
      if (fresh() && cached) return cached.token;
      pending ??= fetchToken().finally(() => {
        pending = undefined;
      });
      return pending;
    },
    claims: () => cached?.claims,
  };
}

/** A credential that also says whom it signs in as, so that errors can name the client ID the workflow gave. */
export interface AzureCredential extends TokenCredential {
  readonly clientId: string;
}

/**
 * The federated credential, built once the Azure SDK has loaded (sdk-chunk.ts). The GitHub OIDC token needs no SDK:
 * its request starts here, under way while the SDK loads; the credential's first token request gets the same answer
 * (githubAssertion shares a request in flight and remembers a refusal).
 */
export function createCredential(azure: Azure, assertion: GitHubAssertion): AzureCredential {
  assertion.get().catch(() => undefined);
  let credential: Promise<TokenCredential> | undefined;
  const signIn = rememberRefusal({
    getToken: async (scopes, options) => {
      credential ??= loadAzureSdk().then(
        (sdk) =>
          new sdk.ClientAssertionCredential(azure.tenantId, azure.clientId, assertion.get, {
            authorityHost: azure.authorityHost,
            disableInstanceDiscovery: azure.customAuthority,
            retryOptions: { maxRetries: 4, retryDelayInMs: 500, maxRetryDelayInMs: 8000 },
          }),
      );
      return (await credential).getToken(scopes, options);
    },
  });
  return { getToken: signIn.getToken, clientId: azure.clientId };
}

/**
 * A sign-in that failed after the credential's own retries (transient faults are retried there) will not succeed
 * later in the run: the first failure is kept and returned to every later caller, so phases running side by side
 * do not ask Entra ID again and again.
 */
export function rememberRefusal(credential: TokenCredential): TokenCredential {
  let refused: unknown;
  return {
    getToken: async (scopes, options) => {
      if (refused) throw refused;
      try {
        return await credential.getToken(scopes, options);
      } catch (error) {
        refused = error;
        throw error;
      }
    },
  };
}
