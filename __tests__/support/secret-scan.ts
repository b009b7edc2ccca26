// Finds private key material and tokens in text the action printed or sent. The key is read with our own
// openssh-key-v1 reader and ssh2 (never src/ssh/keys.ts), so an encoder bug cannot hide on both sides.
import { createHash } from "node:crypto";
import ssh2 from "ssh2";

/** Lines the runner uses to learn secrets: they must contain them. Everything else counts. */
export function withoutMaskLines(text: string): string {
  return text
    .split("\n")
    .filter((line) => !line.startsWith("::add-mask::"))
    .join("\n");
}

function readString(buffer: Buffer, offset: number): { value: Buffer; next: number } {
  const length = buffer.readUInt32BE(offset);
  return { value: buffer.subarray(offset + 4, offset + 4 + length), next: offset + 4 + length };
}

/** The secret numbers inside an unencrypted openssh-key-v1 private key: ed25519 seed, ECDSA d, RSA d/p/q. */
export function rawPrivateParts(pem: string): Buffer[] {
  const body = Buffer.from(pem.replace(/-----[^-]+-----/g, "").replace(/\s+/g, ""), "base64");
  const magic = "openssh-key-v1\0";
  if (body.subarray(0, magic.length).toString("latin1") !== magic) throw new Error("not an openssh-key-v1 key");
  let at = magic.length;
  for (let i = 0; i < 3; i += 1) at = readString(body, at).next; // cipher, kdf, kdf options
  at += 4; // number of keys
  at = readString(body, at).next; // public key
  const section = readString(body, at).value;
  let p = 8; // two check integers
  const type = readString(section, p);
  p = type.next;
  const fields: Buffer[] = [];
  while (p < section.length - 4) {
    const field = readString(section, p);
    fields.push(field.value);
    p = field.next;
  }
  const kind = type.value.toString();
  const strip = (b: Buffer): Buffer => (b[0] === 0 ? b.subarray(1) : b);
  if (kind === "ssh-ed25519") {
    const priv = fields[1] ?? Buffer.alloc(0);
    return [priv, priv.subarray(0, 32)];
  }
  if (kind.startsWith("ecdsa-sha2-")) return [strip(fields[2] ?? Buffer.alloc(0))];
  if (kind === "ssh-rsa") return [fields[2], fields[4], fields[5]].map((b) => strip(b ?? Buffer.alloc(0)));
  throw new Error(`unexpected key type ${kind}`);
}

/** Every encoding of a private key worth searching for, each with a label. */
export function keyNeedles(pem: string): { label: string; needle: string }[] {
  const parsed = ssh2.utils.parseKey(pem);
  if (parsed instanceof Error) throw parsed;
  const needles: { label: string; needle: string }[] = [];
  const lines = pem.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----"));
  for (const [i, line] of lines.entries()) needles.push({ label: `PEM line ${i + 1}`, needle: line });
  const body = lines.join("");
  needles.push({ label: "PEM body joined", needle: body });
  needles.push({ label: "base64 of PEM", needle: Buffer.from(pem).toString("base64").slice(0, 64) });
  needles.push({ label: "base64url of PEM", needle: Buffer.from(pem).toString("base64url").slice(0, 64) });
  needles.push({ label: "PEM with escaped newlines", needle: pem.trim().replace(/\n/g, "\\n").slice(0, 120) });
  needles.push({ label: "PEM with %0A newlines", needle: pem.trim().replace(/\n/g, "%0A").slice(0, 120) });
  const privatePem = parsed.getPrivatePEM();
  for (const line of privatePem.split("\n").filter((l) => l.length >= 16 && !l.startsWith("-----"))) {
    needles.push({ label: "PKCS PEM line (ssh2)", needle: line });
  }
  for (const [i, raw] of rawPrivateParts(pem).entries()) {
    if (raw.length < 16) continue;
    needles.push({ label: `raw secret ${i} hex`, needle: raw.toString("hex") });
    needles.push({ label: `raw secret ${i} base64`, needle: raw.toString("base64").replace(/=+$/, "") });
    needles.push({ label: `raw secret ${i} base64url`, needle: raw.toString("base64url") });
  }
  return needles;
}

const JWT = /eyJ[\w-]+\.[\w-]+\.[\w-]+/g;

/** Labels of every secret found in `text` (mask lines excluded); empty means clean. */
export function findSecrets(text: string, privateKeys: readonly string[], tokens: readonly string[] = []): string[] {
  const visible = withoutMaskLines(text);
  const hits: string[] = [];
  for (const pem of privateKeys) {
    for (const { label, needle } of keyNeedles(pem)) if (visible.includes(needle)) hits.push(label);
  }
  for (const token of tokens) if (token.length >= 8 && visible.includes(token)) hits.push(`token ${token.slice(0, 4)}…`);
  for (const match of visible.match(JWT) ?? []) hits.push(`JWT ${match.slice(0, 12)}…`);
  return hits;
}

/** The PEM private key a stored flux configuration received (configurationProtectedSettings.sshPrivateKey is base64 of it). */
export function pemOf(stored: { configurationProtectedSettings: Readonly<Record<string, string>> } | undefined): string | undefined {
  const value = stored?.configurationProtectedSettings["sshPrivateKey"];
  return value ? Buffer.from(value, "base64").toString("utf8") : undefined;
}

/** "ssh-ed25519 AAAA…" public line of a PEM private key (ssh2), for comparing with deploy keys. */
export function publicBlobOf(pem: string): string {
  const parsed = ssh2.utils.parseKey(pem);
  if (parsed instanceof Error) throw parsed;
  return parsed.getPublicSSH().toString("base64");
}

/** The SHA256 fingerprint of a public key line, as `ssh-keygen -l` prints it (computed here, not by src/). */
export function fingerprintOfLine(line: string): string {
  const blob = Buffer.from(line.trim().split(/\s+/)[1] ?? "", "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}
