// The SSH wire format shared by key generation and key parsing (pure): RFC 4251 §5 strings, uint32 and
// mpint, the key type names and ECDSA curves the action supports, and the openssh-key-v1 magic.
import type { KeyType } from "../inputs/settings.ts";

export const SSH_NAME: Readonly<Record<KeyType, string>> = {
  ed25519: "ssh-ed25519",
  "ecdsa-p256": "ecdsa-sha2-nistp256",
  "ecdsa-p384": "ecdsa-sha2-nistp384",
  "ecdsa-p521": "ecdsa-sha2-nistp521",
  "rsa-4096": "ssh-rsa",
};
export const CURVE: Readonly<Record<string, { readonly node: string; readonly pointBytes: number }>> = {
  nistp256: { node: "P-256", pointBytes: 65 },
  nistp384: { node: "P-384", pointBytes: 97 },
  nistp521: { node: "P-521", pointBytes: 133 },
};
export const SUPPORTED: ReadonlySet<string> = new Set(Object.values(SSH_NAME));
export const MAGIC = Buffer.from("openssh-key-v1\0", "latin1");

export const uint32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0);
  return b;
};
export const sshString = (data: Buffer | string): Buffer => {
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : data;
  return Buffer.concat([uint32(bytes.length), bytes]);
};
/** Unsigned big-endian integer as an SSH mpint: minimal length, 0x00 prefix when the top bit is set. */
export const mpint = (unsigned: Buffer): Buffer => {
  let i = 0;
  while (i < unsigned.length && unsigned[i] === 0) i++;
  const body = unsigned.subarray(i);
  return sshString(body.length > 0 && (body[0] ?? 0) & 0x80 ? Buffer.concat([Buffer.from([0]), body]) : body);
};

/** Reads RFC 4251 fields from a buffer; every read throws on truncation. */
export function wireReader(buf: Buffer, what: string) {
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
