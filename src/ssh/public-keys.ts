// Public SSH keys (pure): parse and check an authorized_keys-style line, and its SHA256 fingerprint as
// `ssh-keygen -l` prints it. Wire format: RFC 4251, RFC 5656 (ECDSA), RFC 8709 (Ed25519).
import { createHash } from "node:crypto";
import { CURVE, SUPPORTED, wireReader } from "./wire.ts";

/** Checks that `blob` is a well-formed public key blob of `type`; throws naming what is wrong. */
function checkBlob(type: string, blob: Buffer): void {
  const r = wireReader(blob, `the ${type} key`);
  const inner = r.readBytes().toString("latin1");
  if (inner !== type) throw new Error(`the key says it is ${type} but its data is ${JSON.stringify(inner)}`);
  if (type === "ssh-ed25519") {
    if (r.readBytes().length !== 32) throw new Error("the ssh-ed25519 key is not 32 bytes");
  } else if (type === "ssh-rsa") {
    const [e, n] = [r.readBytes(), r.readBytes()];
    if (e.length === 0 || n.length < 128 || (e[0] ?? 0) & 0x80 || (n[0] ?? 0) & 0x80)
      throw new Error("the ssh-rsa key has an invalid exponent or modulus");
  } else if (type.startsWith("ecdsa-sha2-")) {
    const curveName = type.slice("ecdsa-sha2-".length);
    const curve = CURVE[curveName];
    if (curve === undefined) throw new Error(`unsupported ECDSA curve ${curveName}`);
    if (r.readBytes().toString("latin1") !== curveName) throw new Error(`the ${type} key names another curve`);
    const point = r.readBytes();
    if (point.length !== curve.pointBytes || point[0] !== 4)
      throw new Error(`the ${type} key's point is not an uncompressed ${curveName} point`);
  } else {
    throw new Error(`unsupported key type ${JSON.stringify(type)} (expected ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa)`);
  }
  if (r.rest().length !== 0) throw new Error(`the ${type} key has ${r.rest().length} unexpected trailing bytes`);
}

/** Parses "type base64 [comment]"; throws a clear Error when the key data is not a valid key of that type. */
export function parsePublicKey(line: string): { type: string; blob: Buffer; comment: string } {
  const match = /^(\S+)\s+(\S+)(?:\s+(.*))?$/.exec(line.trim());
  if (match === null) throw new Error('not an SSH public key: expected "<key-type> <base64-key> [comment]"');
  const [, type = "", data = "", comment = ""] = match;
  if (!SUPPORTED.has(type))
    throw new Error(`unsupported key type ${JSON.stringify(type)} (expected ssh-ed25519, ecdsa-sha2-nistp256/384/521 or ssh-rsa)`);
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
