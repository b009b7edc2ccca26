// Shared set-up for the Azure stand-in's tests: a started cloud with the Actions OIDC service Entra trusts (GitHub's,
// started alone: no REST or git host), the real SDK clients wired to it, and an ID-token fetcher (node:https with
// the local CA; @actions/core would need NODE_EXTRA_CA_CERTS at start).
import { request } from "node:https";
import { ClientAssertionCredential } from "@azure/identity";
import { SourceControlConfigurationClient } from "@azure/arm-kubernetesconfiguration";
import { createTraffic } from "../http.ts";
import type { Traffic } from "../http.ts";
import { createSigningKey } from "../jwt.ts";
import { startOidcService } from "../github/oidc.ts";
import type { ActionsOidc } from "../github/oidc.ts";
import { createLocalTls } from "../tls.ts";
import type { LocalTls } from "../tls.ts";
import { startAzure } from "../azure/index.ts";
import type { AzureCloud, AzureOptions } from "../azure/index.ts";

export const TENANT = "11111111-1111-1111-1111-111111111111";
export const SUBSCRIPTION = "22222222-2222-2222-2222-222222222222";
export const AUDIENCE = "api://AzureADTokenExchange";

export interface TestCloud {
  readonly tls: LocalTls;
  readonly traffic: Traffic;
  readonly cloud: AzureCloud;
  /** GitHub's Actions OIDC token service (as cloud.github is in the local cloud: oidc, setOidcSubject, ...). */
  readonly github: ActionsOidc;
  readonly stop: () => Promise<void>;
}

export async function startTestCloud(options: Partial<Omit<AzureOptions, "tls" | "traffic" | "oidcIssuer">> = {}): Promise<TestCloud> {
  const tls = createLocalTls();
  const traffic = createTraffic();
  const key = createSigningKey();
  const github = await startOidcService({ traffic, tls, key });
  const cloud = await startAzure({ traffic, tls, oidcIssuer: { issuer: github.oidc.issuer, key }, ...options });
  return {
    tls,
    traffic,
    cloud,
    github,
    stop: async () => {
      await Promise.all([cloud.close(), github.close()]);
      tls.dispose();
    },
  };
}

export interface HttpResult {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly json: unknown;
}

export function httpsJson(
  ca: string,
  method: string,
  url: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, ca, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8");
        let json: unknown = text;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          /* keep text */
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
      });
    });
    req.on("error", reject);
    req.end(body);
  });
}

/** What @actions/core getIDToken does: GET requestUrl&audience=..., Bearer request token, read `.value`. */
export async function fetchIdToken(t: TestCloud, audience = AUDIENCE): Promise<string> {
  const { status, json } = await httpsJson(t.tls.ca, "GET", `${t.github.oidc.requestUrl}&audience=${encodeURIComponent(audience)}`, {
    authorization: `Bearer ${t.github.oidc.requestToken}`,
    accept: "application/json",
  });
  const value = (json as { value?: unknown } | undefined)?.value;
  if (status !== 200 || typeof value !== "string") throw new Error(`ID token request failed: ${status}`);
  return value;
}

export function credential(t: TestCloud, clientId: string): ClientAssertionCredential {
  return new ClientAssertionCredential(TENANT, clientId, () => fetchIdToken(t), {
    authorityHost: t.cloud.authorityHost,
    disableInstanceDiscovery: true,
    tlsOptions: { ca: t.tls.ca },
  });
}

export function armClient(t: TestCloud, clientId: string, subscriptionId = SUBSCRIPTION): SourceControlConfigurationClient {
  return new SourceControlConfigurationClient(credential(t, clientId), subscriptionId, {
    endpoint: t.cloud.armEndpoint,
    tlsOptions: { ca: t.tls.ca },
  });
}

/** Adds a federated credential for the default OIDC subject and returns the client id. */
export function trust(t: TestCloud, clientId: string): string {
  t.cloud.addFederatedCredential({
    tenantId: TENANT,
    clientId,
    issuer: t.github.oidc.issuer,
    subject: "repo:octo-org/fleet:ref:refs/heads/main",
    audience: AUDIENCE,
  });
  return clientId;
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
