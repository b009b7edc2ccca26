// OpenSSH public keys as GitHub sees them: parse a `type base64 [comment]` line, check the wire blob really
// is a key of that type, and compute the SHA256 fingerprint the way `ssh-keygen -lf` and GitHub's /meta do.
import { createHash, createPublicKey } from "node:crypto";

export interface PublicKeyLine {
  readonly type: string;
  readonly blob: Buffer;
  /** `type base64`, comment dropped, base64 re-encoded canonically: what GitHub stores and returns. */
  readonly normalised: string;
}

const CURVES: Readonly<Record<string, { readonly crv: string; readonly pointLength: number }>> = {
  nistp256: { crv: "P-256", pointLength: 65 },
  nistp384: { crv: "P-384", pointLength: 97 },
  nistp521: { crv: "P-521", pointLength: 133 },
};

/** Reads SSH wire `string` fields; undefined when they do not fill the blob exactly (unless `partial`). */
function readStrings(blob: Buffer, count: number, partial = false): Buffer[] | undefined {
  const fields: Buffer[] = [];
  let offset = 0;
  for (let i = 0; i < count; i += 1) {
    if (offset + 4 > blob.length) return undefined;
    const length = blob.readUInt32BE(offset);
    offset += 4;
    if (offset + length > blob.length) return undefined;
    fields.push(blob.subarray(offset, offset + length));
    offset += length;
  }
  return partial || offset === blob.length ? fields : undefined;
}

function validEcPoint(curveName: string, point: Buffer): boolean {
  const curve = CURVES[curveName];
  if (!curve || point.length !== curve.pointLength || point[0] !== 4) return false;
  const half = (point.length - 1) / 2;
  try {
    createPublicKey({
      format: "jwk",
      key: {
        kty: "EC",
        crv: curve.crv,
        x: point.subarray(1, 1 + half).toString("base64url"),
        y: point.subarray(1 + half).toString("base64url"),
      },
    });
    return true;
  } catch {
    return false;
  }
}

function rsaModulusBits(modulus: Buffer): number {
  const trimmed = modulus[0] === 0 ? modulus.subarray(1) : modulus;
  const first = trimmed[0] ?? 0;
  return first === 0 ? 0 : (trimmed.length - 1) * 8 + Math.floor(Math.log2(first)) + 1;
}

/** True when `blob` is a well-formed public key of the algorithm it claims (`type`). */
function validBlob(type: string, blob: Buffer): boolean {
  if (readStrings(blob, 1, true)?.[0]?.toString("latin1") !== type) return false;
  switch (type) {
    case "ssh-ed25519":
      return readStrings(blob, 2)?.[1]?.length === 32;
    case "sk-ssh-ed25519@openssh.com":
      return readStrings(blob, 3)?.[1]?.length === 32;
    case "ssh-rsa": {
      const fields = readStrings(blob, 3);
      return fields !== undefined && rsaModulusBits(fields[2] ?? Buffer.alloc(0)) >= 1024 && (fields[1]?.length ?? 0) > 0;
    }
    case "ecdsa-sha2-nistp256":
    case "ecdsa-sha2-nistp384":
    case "ecdsa-sha2-nistp521":
    case "sk-ecdsa-sha2-nistp256@openssh.com": {
      const fields = readStrings(blob, type.startsWith("sk-") ? 4 : 3);
      const curveName = fields?.[1]?.toString("latin1") ?? "";
      return fields !== undefined && type.includes(curveName) && validEcPoint(curveName, fields[2] ?? Buffer.alloc(0));
    }
    default:
      return false;
  }
}

/** Parses one OpenSSH public key line; undefined for anything GitHub would call "key is invalid". */
export function parsePublicKeyLine(text: string): PublicKeyLine | undefined {
  const [type, encoded] = text.trim().split(/\s+/);
  if (!type || !encoded || !/^[A-Za-z0-9+/]+={0,2}$/.test(encoded)) return undefined;
  const blob = Buffer.from(encoded, "base64");
  if (blob.length === 0 || !validBlob(type, blob)) return undefined;
  return { type, blob, normalised: `${type} ${blob.toString("base64")}` };
}

/** SHA256 of the key blob, unpadded base64, without the `SHA256:` prefix (the /meta form). */
export function fingerprintOf(blob: Buffer): string {
  return createHash("sha256").update(blob).digest("base64").replace(/=+$/, "");
}
