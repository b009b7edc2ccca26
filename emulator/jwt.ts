// RS256 JSON Web Tokens with node:crypto only, shared by two services: what the Actions OIDC stand-in (github/oidc.ts)
// signs and Entra (azure/entra.ts) verifies. startLocalCloud makes the one signing key both use.
import { createSign, createVerify, generateKeyPairSync, randomUUID } from "node:crypto";
import type { KeyObject } from "node:crypto";

export interface SigningKey {
  readonly kid: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export type Claims = Readonly<Record<string, unknown>>;

export interface DecodedJwt {
  readonly header: Claims;
  readonly claims: Claims;
  readonly signedPart: string;
  readonly signature: Buffer;
}

export function createSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { kid: randomUUID().replaceAll("-", "").toUpperCase(), privateKey, publicKey };
}

function base64url(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString("base64url");
}

export function signJwt(key: SigningKey, claims: Claims): string {
  const signedPart = `${base64url({ typ: "JWT", alg: "RS256", kid: key.kid })}.${base64url(claims)}`;
  const signature = createSign("RSA-SHA256").update(signedPart).sign(key.privateKey).toString("base64url");
  return `${signedPart}.${signature}`;
}

/** Splits and parses a compact JWT; undefined when it is not one. */
export function decodeJwt(token: string): DecodedJwt | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [head = "", body = "", signature = ""] = parts;
  try {
    const header: unknown = JSON.parse(Buffer.from(head, "base64url").toString("utf8"));
    const claims: unknown = JSON.parse(Buffer.from(body, "base64url").toString("utf8"));
    if (!header || typeof header !== "object" || !claims || typeof claims !== "object") return undefined;
    return {
      header: header as Claims,
      claims: claims as Claims,
      signedPart: `${head}.${body}`,
      signature: Buffer.from(signature, "base64url"),
    };
  } catch {
    return undefined;
  }
}

export function verifyJwtSignature(jwt: DecodedJwt, key: SigningKey): boolean {
  if (jwt.header["alg"] !== "RS256") return false;
  return createVerify("RSA-SHA256").update(jwt.signedPart).verify(key.publicKey, jwt.signature);
}

/** The public half as a JSON Web Key Set, as served at `jwks_uri`. */
export function jwks(key: SigningKey): unknown {
  const jwk = key.publicKey.export({ format: "jwk" });
  return { keys: [{ ...jwk, kid: key.kid, use: "sig", alg: "RS256" }] };
}
