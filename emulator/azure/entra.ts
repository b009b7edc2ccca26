// Stand-in for Entra ID: OpenID discovery per tenant and the v2.0 token endpoint for
// client_credentials with a federated (workload identity) client assertion.
import { randomBytes, randomUUID } from "node:crypto";
import type { Request, Response, Route } from "../http.ts";
import { decodeJwt, verifyJwtSignature } from "../jwt.ts";
import type { SigningKey } from "../jwt.ts";

export interface FederatedCredential {
  readonly tenantId: string;
  readonly clientId: string;
  readonly issuer: string;
  readonly subject: string;
  readonly audience: string;
  /** Object id of the service principal; defaults to the client id. */
  readonly objectId?: string;
}

export interface AccessToken {
  readonly tenantId: string;
  readonly clientId: string;
  readonly objectId: string;
  readonly scope: string;
  readonly expiresAt: number;
}

export interface EntraState {
  origin: string;
  readonly credentials: FederatedCredential[];
  readonly tokens: Map<string, AccessToken>;
  /** expires_in of issued access tokens, seconds. */
  accessTokenLifetimeSeconds: number;
  /** Issuer whose key signs assertions (GitHub's Actions OIDC stand-in), as Entra would read it from the issuer's JWKS. */
  readonly trusted: { readonly issuer: string; readonly key: SigningKey };
  tokensIssued: number;
}

export function createEntraState(trusted: EntraState["trusted"]): EntraState {
  return { origin: "", credentials: [], tokens: new Map(), accessTokenLifetimeSeconds: 3599, trusted, tokensIssued: 0 };
}

function aadError(status: number, error: string, code: number, description: string): Response {
  const traceId = randomUUID();
  const correlationId = randomUUID();
  const timestamp = new Date()
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d+Z$/, "Z");
  return {
    status,
    body: {
      error,
      error_description: `AADSTS${code}: ${description} Trace ID: ${traceId} Correlation ID: ${correlationId} Timestamp: ${timestamp}`,
      error_codes: [code],
      timestamp,
      trace_id: traceId,
      correlation_id: correlationId,
    },
  };
}

/** Entra prints times with seven fractional digits. */
function aadTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.(\d{3})Z$/, ".$10000Z");
}

function discovery(state: EntraState, tenant: string): Response {
  const base = `${state.origin}/${tenant}`;
  return {
    status: 200,
    body: {
      token_endpoint: `${base}/oauth2/v2.0/token`,
      token_endpoint_auth_methods_supported: ["client_secret_post", "private_key_jwt", "client_secret_basic"],
      jwks_uri: `${state.origin}/${tenant}/discovery/v2.0/keys`,
      response_modes_supported: ["query", "fragment", "form_post"],
      subject_types_supported: ["pairwise"],
      id_token_signing_alg_values_supported: ["RS256"],
      response_types_supported: ["code", "id_token", "code id_token", "id_token token"],
      scopes_supported: ["openid", "profile", "email", "offline_access"],
      issuer: `${base}/v2.0`,
      request_uri_parameter_supported: false,
      authorization_endpoint: `${base}/oauth2/v2.0/authorize`,
      device_authorization_endpoint: `${base}/oauth2/v2.0/devicecode`,
      end_session_endpoint: `${base}/oauth2/v2.0/logout`,
      tenant_region_scope: "EU",
    },
  };
}

function issueToken(state: EntraState, tenant: string, request: Request): Response {
  const form = new URLSearchParams(request.text);
  const clientId = form.get("client_id") ?? "";
  if (form.get("grant_type") !== "client_credentials") {
    return aadError(400, "unsupported_grant_type", 70003, "The app requested an unsupported grant type.");
  }
  if (form.get("client_assertion_type") !== "urn:ietf:params:oauth:client-assertion-type:jwt-bearer") {
    return aadError(
      401,
      "invalid_client",
      7000218,
      "The request body must contain the following parameter: 'client_assertion' or 'client_secret'.",
    );
  }
  const scope = form.get("scope") ?? "";
  const resource = scope.split(" ").find((s) => s.endsWith("/.default"));
  if (!resource) {
    return aadError(
      400,
      "invalid_scope",
      1002012,
      `The provided value for scope ${scope} is not valid. Client credential flows must have a scope value with /.default suffixed to the resource identifier (application ID URI).`,
    );
  }
  const app = state.credentials.filter((c) => c.tenantId === tenant && c.clientId === clientId);
  if (app.length === 0) {
    return aadError(
      400,
      "unauthorized_client",
      700016,
      `Application with identifier '${clientId}' was not found in the directory '${tenant}'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant.`,
    );
  }
  const jwt = decodeJwt(form.get("client_assertion") ?? "");
  if (!jwt) return aadError(400, "invalid_request", 50027, "JWT token is invalid or malformed.");
  if (jwt.claims["iss"] === state.trusted.issuer && !verifyJwtSignature(jwt, state.trusted.key)) {
    return aadError(400, "invalid_client", 700027, "Client assertion failed signature validation.");
  }
  const now = Date.now();
  const nbf = Number(jwt.claims["nbf"] ?? jwt.claims["iat"]) * 1000;
  const exp = Number(jwt.claims["exp"]) * 1000;
  if (!(now >= nbf && now < exp)) {
    return aadError(
      400,
      "invalid_client",
      700024,
      `Client assertion is not within its valid time range. Current time: ${aadTime(now)}, assertion valid from ${aadTime(nbf)}, expiry time of assertion ${aadTime(exp)}. Review the documentation at https://docs.microsoft.com/azure/active-directory/develop/active-directory-certificate-credentials .`,
    );
  }
  const audiences = Array.isArray(jwt.claims["aud"]) ? jwt.claims["aud"].map(String) : [String(jwt.claims["aud"])];
  const issuer = String(jwt.claims["iss"]);
  const subject = String(jwt.claims["sub"]);
  const match = app.find((c) => c.issuer === issuer && c.subject === subject && audiences.includes(c.audience));
  if (!match || issuer !== state.trusted.issuer) {
    return aadError(
      400,
      "invalid_client",
      70021,
      `No matching federated identity record found for presented assertion. Assertion Issuer: '${issuer}'. Assertion Subject: '${subject}'. Assertion Audience: '${audiences.join(",")}'. https://docs.microsoft.com/azure/active-directory/develop/workload-identity-federation`,
    );
  }
  const accessToken = randomBytes(32).toString("base64url");
  const lifetime = state.accessTokenLifetimeSeconds;
  state.tokens.set(accessToken, {
    tenantId: tenant,
    clientId,
    objectId: match.objectId ?? clientId,
    scope: resource,
    expiresAt: now + lifetime * 1000,
  });
  state.tokensIssued += 1;
  return {
    status: 200,
    body: { token_type: "Bearer", expires_in: lifetime, ext_expires_in: lifetime, access_token: accessToken },
  };
}

export function entraRoutes(state: EntraState): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/(?<tenant>[^/]+)\/v2\.0\/\.well-known\/openid-configuration$/,
      handler: (r) => discovery(state, r.params["tenant"] ?? ""),
    },
    {
      method: "GET",
      pattern: /^\/(?<tenant>[^/]+)\/discovery\/v2\.0\/keys$/,
      handler: () => ({ status: 200, body: { keys: [] } }),
    },
    {
      method: "POST",
      pattern: /^\/(?<tenant>[^/]+)\/oauth2\/v2\.0\/token$/,
      handler: (r) => issueToken(state, r.params["tenant"] ?? "", r),
    },
  ];
}
