// SSH keys in memory: generate a deploy key pair and encode it the way OpenSSH writes it
// (authorized_keys line, SHA256 fingerprint, unencrypted "openssh-key-v1" private key file).
// Pure: no disk, no network, no logging. Wire format: RFC 4251 §5, RFC 5656, OpenSSH PROTOCOL.key.

import { generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from "node:crypto";
import type { KeyType } from "../inputs/settings.ts";
import { fingerprintOfBlob } from "./public-keys.ts";
import { CURVE, MAGIC, SSH_NAME, mpint, sshString, uint32, wireReader } from "./wire.ts";

export interface SshKeyPair {
  readonly type: KeyType;
  /** authorized_keys line: "ssh-ed25519 AAAA… comment" */
  readonly publicKey: string;
  /** "ssh-ed25519 AAAA…" without comment: what GitHub returns as a deploy key's `key` */
  readonly publicBlob: string;
  /** "SHA256:…" exactly as `ssh-keygen -l` prints it (unpadded base64) */
  readonly fingerprint: string;
  /** OpenSSH private key file text, "-----BEGIN OPENSSH PRIVATE KEY-----", ending "\n" */
  readonly privateKey: string;
}

const BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END = "-----END OPENSSH PRIVATE KEY-----";

const fromJwk = (value: string | undefined): Buffer => {
  if (value === undefined) throw new Error("JWK export of the generated key is missing a field");
  return Buffer.from(value, "base64url");
};

/** Public blob fields and private-section fields (after the key type name) for one generated key. */
function keyFields(type: KeyType): { publicFields: Buffer[]; privateFields: Buffer[] } {
  if (type === "ed25519") {
    const jwk = generateKeyPairSync("ed25519").privateKey.export({ format: "jwk" });
    const pub = fromJwk(jwk.x);
    return { publicFields: [sshString(pub)], privateFields: [sshString(pub), sshString(Buffer.concat([fromJwk(jwk.d), pub]))] };
  }
  if (type === "rsa-4096") {
    const key: KeyObject = generateKeyPairSync("rsa", { modulusLength: 4096, publicExponent: 65537 }).privateKey;
    const jwk: JsonWebKey = key.export({ format: "jwk" });
    const [n, e] = [mpint(fromJwk(jwk.n)), mpint(fromJwk(jwk.e))];
    return { publicFields: [e, n], privateFields: [n, e, ...[jwk.d, jwk.qi, jwk.p, jwk.q].map((v) => mpint(fromJwk(v)))] };
  }
  const curveName = SSH_NAME[type].replace("ecdsa-sha2-", "");
  const curve = CURVE[curveName];
  if (curve === undefined) throw new Error(`unsupported key type ${type}`);
  const jwk = generateKeyPairSync("ec", { namedCurve: curve.node }).privateKey.export({ format: "jwk" });
  const point = Buffer.concat([Buffer.from([4]), fromJwk(jwk.x), fromJwk(jwk.y)]);
  const publicFields = [sshString(curveName), sshString(point)];
  return { publicFields, privateFields: [...publicFields, mpint(fromJwk(jwk.d))] };
}

function armour(binary: Buffer): string {
  const lines = binary.toString("base64").match(/.{1,70}/g) ?? [];
  return `${BEGIN}\n${lines.join("\n")}\n${END}\n`;
}

/** A fresh key pair of `type`, encoded as OpenSSH writes it. `comment` ends up in both halves. */
export function generateKeyPair(type: KeyType, comment: string): SshKeyPair {
  if (/[\x00-\x1f\x7f]/.test(comment)) throw new Error("the SSH key comment must be one line without control characters");
  const name = SSH_NAME[type];
  const { publicFields, privateFields } = keyFields(type);
  const blob = Buffer.concat([sshString(name), ...publicFields]);
  const checkint = randomBytes(4);
  const section = Buffer.concat([checkint, checkint, sshString(name), ...privateFields, sshString(comment)]);
  const padding = Buffer.from(Array.from({ length: (8 - (section.length % 8)) % 8 }, (_, i) => i + 1));
  const file = Buffer.concat([
    MAGIC,
    sshString("none"),
    sshString("none"),
    sshString(""),
    uint32(1),
    sshString(blob),
    sshString(Buffer.concat([section, padding])),
  ]);
  const publicBlob = `${name} ${blob.toString("base64")}`;
  return {
    type,
    publicKey: comment === "" ? publicBlob : `${publicBlob} ${comment}`,
    publicBlob,
    fingerprint: fingerprintOfBlob(blob),
    privateKey: armour(file),
  };
}

// ---- masking -------------------------------------------------------------------------------

const unsigned = (n: Buffer): Buffer =>
  n.subarray(
    Math.max(
      0,
      n.findIndex((byte) => byte !== 0),
    ),
  );

/** The secret numbers inside an unencrypted openssh-key-v1 file (ed25519 seed, ECDSA d, RSA d/p/q/iqmp). */
function privateNumbers(binary: Buffer): Buffer[] {
  if (!binary.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error("not an OpenSSH private key (openssh-key-v1)");
  const f = wireReader(binary.subarray(MAGIC.length), "the private key");
  if (f.readBytes().toString("latin1") !== "none") throw new Error("encrypted private keys are not supported");
  f.readBytes();
  f.readBytes();
  f.readUint32();
  f.readBytes();
  const s = wireReader(f.readBytes(), "the private key");
  s.readUint32();
  s.readUint32();
  const type = s.readBytes().toString("latin1");
  if (type === "ssh-ed25519") {
    s.readBytes();
    const both = s.readBytes();
    return [both.subarray(0, 32), both];
  }
  if (type === "ssh-rsa") {
    s.readBytes();
    s.readBytes();
    return [s.readBytes(), s.readBytes(), s.readBytes(), s.readBytes()].map(unsigned);
  }
  const curve = CURVE[type.slice("ecdsa-sha2-".length)];
  if (curve !== undefined) {
    s.readBytes();
    s.readBytes();
    const d = unsigned(s.readBytes());
    const size = (curve.pointBytes - 1) / 2; // JWK and SEC1 write d zero-padded to the field size
    return [d, Buffer.concat([Buffer.alloc(Math.max(0, size - d.length)), d])];
  }
  throw new Error(`unsupported private key type ${JSON.stringify(type)}`);
}

/**
 * Every form of `privateKey` that must be masked in logs: the whole text, each base64 body line (not the
 * BEGIN/END armour, which is not secret), base64 of the whole text (what ARM receives), the body as one
 * base64 string, and the raw secret numbers in base64, base64url and hex.
 */
export function secretForms(privateKey: string): string[] {
  const body = privateKey
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("-----"));
  const joined = body.join("");
  const numbers = privateNumbers(Buffer.from(joined, "base64"));
  const forms = [
    privateKey,
    privateKey.trim(),
    ...body,
    joined,
    Buffer.from(privateKey, "utf8").toString("base64"),
    Buffer.from(privateKey.trim(), "utf8").toString("base64"),
    ...numbers.flatMap((n) => [n.toString("base64"), n.toString("base64url"), n.toString("hex")]),
  ];
  return [...new Set(forms)];
}
