// libsodium sealed boxes as GitHub Actions secrets use them: one X25519 keypair per repository and per
// environment; values arrive sealed with crypto_box_seal and are opened here with crypto_box_seal_open.
import { randomInt } from "node:crypto";
import sodium from "libsodium-wrappers";
import type { SecretBox } from "./state.ts";

export async function createSecretBox(): Promise<SecretBox> {
  await sodium.ready;
  const pair = sodium.crypto_box_keypair();
  const keyId = `${randomInt(100000000, 999999999)}${randomInt(100000000, 999999999)}`;
  return { keyId, publicKey: pair.publicKey, privateKey: pair.privateKey, secrets: new Map() };
}

export function publicKeyBase64(box: SecretBox): string {
  return Buffer.from(box.publicKey).toString("base64");
}

/** Opens a base64 sealed box; undefined when it was not sealed to this box's key. */
export function openSealed(box: SecretBox, encryptedValue: string): string | undefined {
  try {
    const opened = sodium.crypto_box_seal_open(Buffer.from(encryptedValue, "base64"), box.publicKey, box.privateKey);
    return Buffer.from(opened).toString("utf8");
  } catch {
    return undefined;
  }
}
