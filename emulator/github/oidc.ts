// Stand-in for the GitHub Actions OIDC token service (ACTIONS_ID_TOKEN_REQUEST_URL / _TOKEN): its own HTTPS origin,
// which is also the `iss` of its ID tokens; signed with the key startLocalCloud shares with Entra.
import { randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { createService } from "../http.ts";
import type { Request, Response, Route, Traffic } from "../http.ts";
import { jwks, signJwt } from "../jwt.ts";
import type { Claims, SigningKey } from "../jwt.ts";

export interface OidcState {
  readonly key: SigningKey;
  /** Bearer value the job must present (ACTIONS_ID_TOKEN_REQUEST_TOKEN). */
  readonly requestToken: string;
  /** Path of the token endpoint, without query. */
  readonly tokenPath: string;
  issuer: string;
  /** Seconds between iat and exp; 0 makes tokens that are already expired. */
  lifetimeSeconds: number;
  subject: string;
  /** Extra or overriding claims (repository, ref, job_workflow_ref ...). */
  claims: Record<string, unknown>;
  issued: number;
}

export function createOidcState(key: SigningKey): OidcState {
  const plan = randomUUID();
  return {
    key,
    requestToken: randomBytes(24).toString("base64url"),
    tokenPath: `/_apis/distributedtask/hubs/Actions/plans/${plan}/jobs/${randomUUID()}/idtoken`,
    issuer: "",
    lifetimeSeconds: 300,
    subject: "repo:octo-org/fleet:ref:refs/heads/main",
    claims: {},
    issued: 0,
  };
}

/** Claims GitHub puts in an ID token, derived from the subject when it has the `repo:OWNER/REPO:ref:REF` form. */
export function idTokenClaims(state: OidcState, audience: string, nowMs: number): Claims {
  const iat = Math.floor(nowMs / 1000);
  const match = /^repo:([^/:]+)\/([^:]+):ref:(.+)$/.exec(state.subject);
  const owner = match?.[1] ?? "octo-org";
  const repository = `${owner}/${match?.[2] ?? "fleet"}`;
  const ref = match?.[3] ?? "refs/heads/main";
  return {
    jti: randomUUID(),
    sub: state.subject,
    aud: audience,
    ref,
    sha: "0000000000000000000000000000000000000000",
    repository,
    repository_owner: owner,
    run_id: "1",
    run_number: "1",
    run_attempt: "1",
    actor: owner,
    workflow: "bootstrap",
    event_name: "push",
    ref_type: ref.startsWith("refs/tags/") ? "tag" : "branch",
    job_workflow_ref: `${repository}/.github/workflows/bootstrap.yml@${ref}`,
    runner_environment: "github-hosted",
    iss: state.issuer,
    nbf: iat - 600,
    iat,
    exp: iat + state.lifetimeSeconds,
    ...state.claims,
  };
}

function issueToken(state: OidcState, request: Request): Response {
  // The auth scheme is case-insensitive (RFC 9110, section 11.1); GitHub's own example sends "bearer"
  // (https://docs.github.com/actions/security-for-github-actions/security-hardening-your-deployments/about-security-hardening-with-openid-connect).
  const [scheme, credentials] = (request.headers.authorization ?? "").split(" ", 2);
  if (scheme?.toLowerCase() !== "bearer" || credentials !== state.requestToken) {
    return { status: 401, body: { message: "Unauthorized: missing or invalid runtime token" } };
  }
  if (request.url.searchParams.get("api-version") !== "2.0") {
    return { status: 400, body: { message: "api-version 2.0 is required" } };
  }
  const owner = /^repo:([^/:]+)/.exec(state.subject)?.[1] ?? "octo-org";
  const audience = request.url.searchParams.get("audience") || `https://github.com/${owner}`;
  state.issued += 1;
  return { status: 200, body: { count: 1, value: signJwt(state.key, idTokenClaims(state, audience, Date.now())) } };
}

export function oidcRoutes(state: OidcState): Route[] {
  return [
    { method: "GET", pattern: new RegExp(`^${state.tokenPath}$`), handler: (r) => issueToken(state, r) },
    {
      method: "GET",
      pattern: /^\/\.well-known\/openid-configuration$/,
      handler: () => ({
        status: 200,
        body: {
          issuer: state.issuer,
          jwks_uri: `${state.issuer}/.well-known/jwks`,
          subject_types_supported: ["public", "pairwise"],
          response_types_supported: ["id_token"],
          claims_supported: ["sub", "aud", "exp", "iat", "iss", "jti", "nbf", "ref", "repository", "job_workflow_ref"],
          id_token_signing_alg_values_supported: ["RS256"],
          scopes_supported: ["openid"],
        },
      }),
    },
    { method: "GET", pattern: /^\/\.well-known\/jwks$/, handler: () => ({ status: 200, body: jwks(state.key) }) },
  ];
}

/** The OIDC part of the GitHub cloud (cloud.github.oidc, cloud.github.setOidcSubject, ...). */
export interface ActionsOidc {
  readonly oidc: {
    /** ACTIONS_ID_TOKEN_REQUEST_URL: already ends in `?api-version=2.0`. */
    readonly requestUrl: string;
    /** ACTIONS_ID_TOKEN_REQUEST_TOKEN. */
    readonly requestToken: string;
    /** `iss` of the ID tokens (the service's own origin). */
    readonly issuer: string;
    /** How many ID tokens were issued so far. */
    readonly issued: () => number;
  };
  readonly setOidcSubject: (subject: string) => void;
  /** Extra or overriding ID token claims. */
  readonly setOidcClaims: (claims: Record<string, unknown>) => void;
  /** Lifetime of ID tokens (exp - iat), seconds; 0 makes them expired on arrival. Default 300. */
  readonly setTokenLifetime: (seconds: number) => void;
}

export interface OidcService extends ActionsOidc {
  readonly close: () => Promise<void>;
}

/** Starts the token service on loopback (service "oidc" in the traffic log), signing with `key`. */
export async function startOidcService(options: {
  readonly traffic: Traffic;
  readonly tls: { readonly cert: string; readonly key: string };
  readonly key: SigningKey;
}): Promise<OidcService> {
  const state = createOidcState(options.key);
  const server = createServer(
    { cert: options.tls.cert, key: options.tls.key },
    createService({ name: "oidc", routes: oidcRoutes(state), traffic: options.traffic, errorBody: (_status, message) => ({ message }) }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const origin = `https://localhost:${(server.address() as AddressInfo).port}`;
  state.issuer = origin;
  return {
    oidc: {
      requestUrl: `${origin}${state.tokenPath}?api-version=2.0`,
      requestToken: state.requestToken,
      issuer: origin,
      issued: () => state.issued,
    },
    setOidcSubject: (subject) => void (state.subject = subject),
    setOidcClaims: (claims) => void (state.claims = { ...claims }),
    setTokenLifetime: (seconds) => void (state.lifetimeSeconds = seconds),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
