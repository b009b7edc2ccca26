// SSH keys in memory: generate a deploy key pair and encode it the way OpenSSH writes it
// (authorized_keys line, SHA256 fingerprint, unencrypted "openssh-key-v1" private key file).
// Pure: no disk, no network, no logging. Wire format: RFC 4251 §5, RFC 5656, OpenSSH PROTOCOL.key.

import { createHash, generateKeyPairSync, randomBytes, type JsonWebKey, type KeyObject } from "node:crypto";
import type { KeyType } from "./settings.ts";

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

const SSH_NAME: Readonly<Record<KeyType, string>> = {
  ed25519: "ssh-ed25519",
  "ecdsa-p256": "ecdsa-sha2-nistp256",
  "ecdsa-p384": "ecdsa-sha2-nistp384",
  "ecdsa-p521": "ecdsa-sha2-nistp521",
  "rsa-4096": "ssh-rsa",
};
const CURVE: Readonly<Record<string, { readonly node: string; readonly pointBytes: number }>> = {
  nistp256: { node: "P-256", pointBytes: 65 },
  nistp384: { node: "P-384", pointBytes: 97 },
  nistp521: { node: "P-521", pointBytes: 133 },
};
const SUPPORTED: ReadonlySet<string> = new Set(Object.values(SSH_NAME));
const BEGIN = "-----BEGIN OPENSSH PRIVATE KEY-----";
const END = "-----END OPENSSH PRIVATE KEY-----";
const MAGIC = Buffer.from("openssh-key-v1\0", "latin1");

// ---- wire encoding -------------------------------------------------------------------------

const uint32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n >>> 0); return b; };
const sshString = (data: Buffer | string): Buffer => {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([uint32(bytes.length), bytes]);
};
/** Unsigned big-endian integer as an SSH mpint: minimal length, 0x00 prefix when the top bit is set. */
const mpint = (unsigned: Buffer): Buffer => {
  let i = 0;
  while (i < unsigned.length && unsigned[i] === 0) i++;
  const body = unsigned.subarray(i);
  return sshString(body.length > 0 && (body[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
};

/** Reads RFC 4251 fields from a buffer; every read throws on truncation. */
function wireReader(buf: Buffer, what: string) {
  let pos = 0;
  const take = (n: number): Buffer => {
    if (n > buf.length - pos) throw new Error(`${what} is truncated`);
    const out = buf.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const readUint32 = (): number => take(4).readUInt32BE(0);
  return { readUint32, readBytes: (): Buffer => take(readUint32()), rest: (): Buffer => buf.subarray(pos) };
}

// ---- generation ----------------------------------------------------------------------------

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
    MAGIC, sshString("none"), sshString("none"), sshString(""), uint32(1), sshString(blob), sshString(Buffer.concat([section, padding])),
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

// ---- public keys ---------------------------------------------------------------------------

/** Checks that `blob` is a well-formed public key blob of `type`; throws naming what is wrong. */
function checkBlob(type: string, blob: Buffer): void {
  const r = wireReader(blob, `the ${type} key`);
  const inner = r.readBytes().toString("latin1");
  if (inner !== type) throw new Error(`the key says it is ${type} but its data is ${JSON.stringify(inner)}`);
  if (type === "ssh-ed25519") {
    if (r.readBytes().length !== 32) throw new Error("the ssh-ed25519 key is not 32 bytes");
  } else if (type === "ssh-rsa") {
    const [e, n] = [r.readBytes(), r.readBytes()];
    if (e.length === 0 || n.length < 128 || (e[0] ?? 0) & 0x80 || (n[0] ?? 0) & 0x80) throw new Error("the ssh-rsa key has an invalid exponent or modulus");
  } else if (type.startsWith("ecdsa-sha2-")) {
    const curveName = type.slice("ecdsa-sha2-".length);
    const curve = CURVE[curveName];
    if (curve === undefined) throw new Error(`unsupported ECDSA curve ${curveName}`);
    if (r.readBytes().toString("latin1") !== curveName) throw new Error(`the ${type} key names another curve`);
    const point = r.readBytes();
    if (point.length !== curve.pointBytes || point[0] !== 4) throw new Error(`the ${type} key's point is not an uncompressed ${curveName} point`);
  } else {
    throw new Error(`unsupported key type ${JSON.stringify(type)} (expected ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa)`);
  }
  if (r.rest().length !== 0) throw new Error(`the ${type} key has ${r.rest().length} unexpected trailing bytes`);
}

/** Parses "type base64 [comment]"; throws a clear Error when the key data is not a valid key of that type. */
export function parsePublicKey(line: string): { type: string; blob: Buffer; comment: string } {
  const match = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line.trim());
  if (match === null) throw new Error("not an SSH public key: expected \"<key-type> <base64-key> [comment]\"");
  const [, type = "", data = "", comment = ""] = match;
  if (!SUPPORTED.has(type)) throw new Error(`unsupported key type ${JSON.stringify(type)} (expected ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa)`);
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(data) || data.length % 4 !== 0) throw new Error(`the ${type} key is not valid base64`);
  const blob = Buffer.from(data, "base64");
  if (blob.toString("base64") !== data) throw new Error(`the ${type} key is not canonical base64`);
  checkBlob(type, blob);
  return { type, blob, comment: comment.trim() };
}

/** "SHA256:" + unpadded base64 of sha256(blob), as `ssh-keygen -l` prints it. */
export function fingerprintOfBlob(blob: Buffer): string {
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

/** Fingerprint of a public key line ("type base64 [comment]"). */
export function fingerprintOf(publicKeyLine: string): string {
  return fingerprintOfBlob(parsePublicKey(publicKeyLine).blob);
}

// ---- masking -------------------------------------------------------------------------------

const unsigned = (n: Buffer): Buffer => n.subarray(Math.max(0, n.findIndex((byte) => byte !== 0)));

/** The secret numbers inside an unencrypted openssh-key-v1 file (ed25519 seed, ECDSA d, RSA d/p/q/iqmp). */
function privateNumbers(binary: Buffer): Buffer[] {
  if (!binary.subarray(0, MAGIC.length).equals(MAGIC)) throw new Error("not an OpenSSH private key (openssh-key-v1)");
  const f = wireReader(binary.subarray(MAGIC.length), "the private key");
  if (f.readBytes().toString("latin1") !== "none") throw new Error("encrypted private keys are not supported");
  f.readBytes(); f.readBytes(); f.readUint32(); f.readBytes();
  const s = wireReader(f.readBytes(), "the private key");
  s.readUint32(); s.readUint32();
  const type = s.readBytes().toString("latin1");
  if (type === "ssh-ed25519") { s.readBytes(); const both = s.readBytes(); return [both.subarray(0, 32), both]; }
  if (type === "ssh-rsa") { s.readBytes(); s.readBytes(); return [s.readBytes(), s.readBytes(), s.readBytes(), s.readBytes()].map(unsigned); }
  const curve = CURVE[type.slice("ecdsa-sha2-".length)];
  if (curve !== undefined) {
    s.readBytes(); s.readBytes();
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
  const body = privateKey.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("-----"));
  const joined = body.join("");
  const numbers = privateNumbers(Buffer.from(joined, "base64"));
  const forms = [
    privateKey, privateKey.trim(), ...body, joined,
    Buffer.from(privateKey, "utf8").toString("base64"), Buffer.from(privateKey.trim(), "utf8").toString("base64"),
    ...numbers.flatMap((n) => [n.toString("base64"), n.toString("base64url"), n.toString("hex")]),
  ];
  return [...new Set(forms)];
}
