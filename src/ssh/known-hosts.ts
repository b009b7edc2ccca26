// known_hosts for Flux, built only from host keys that something independent vouches for:
// GitHub /meta keys checked against /meta's published fingerprints (and pins, when given), or the user's
// `known-hosts` lines checked against `ssh-host-fingerprints`. Pure: no network, no logging. Fails closed.

import { fingerprintOfBlob, parsePublicKey } from "./public-keys.ts";

export interface HostKey {
  readonly type: string;
  readonly base64: string;
  /** "SHA256:…" */
  readonly fingerprint: string;
  readonly verifiedBy: "meta" | "pin";
}

export interface KnownHosts {
  /** One "host type base64" line per key, ending "\n". */
  readonly text: string;
  readonly keys: readonly HostKey[];
}

/** The parts of GitHub's `GET /meta` this module reads. */
export interface MetaHostKeys {
  readonly ssh_keys?: readonly string[] | null;
  /** Unpadded base64 SHA256 digests without the "SHA256:" prefix, by key family. */
  readonly ssh_key_fingerprints?: Readonly<Record<string, string | undefined>> | null;
}

export const PIN_FIX =
  'Set `ssh-host-fingerprints` to the host\'s SHA256 key fingerprints ("SHA256:…", as `ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub` ' +
  "prints them on the server, or as your Git host documents them).";

/** known_hosts host field: "host" for port 22, "[host]:port" otherwise. */
export function hostPattern(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

/** "SHA256:xxxx" (any case prefix, optional "=" padding) -> "SHA256:xxxx" as ssh-keygen prints it. */
export function normalizeFingerprint(pin: string): string {
  const text = pin.trim();
  const match = /^sha256:([A-Za-z0-9+/]{43})=?$/i.exec(text);
  if (match?.[1] !== undefined) return `SHA256:${match[1]}`;
  const hint = /^(md5:)?([0-9a-f]{2}:){15}[0-9a-f]{2}$/i.test(text)
    ? " It looks like an MD5 fingerprint; give the SHA256 one (`ssh-keygen -l -E sha256 -f <key.pub>`)."
    : "";
  throw new Error(
    `\`ssh-host-fingerprints\`: ${JSON.stringify(text)} is not a SHA256 fingerprint ("SHA256:" and 43 base64 characters).${hint}`,
  );
}

const familyOf = (type: string): string | undefined =>
  type === "ssh-ed25519"
    ? "SHA256_ED25519"
    : type.startsWith("ecdsa-sha2-")
      ? "SHA256_ECDSA"
      : type === "ssh-rsa"
        ? "SHA256_RSA"
        : undefined;
const rank = (type: string): number => (type === "ecdsa-sha2-nistp256" ? 0 : type === "ssh-ed25519" ? 1 : 2);
export const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Dedupe, order (ecdsa-sha2-nistp256, ssh-ed25519, then the rest as given) and render. */
/** The known_hosts text for host:port from keys already vouched for. */
export function knownHosts(keys: readonly HostKey[], host: string, port: number): KnownHosts {
  const unique = keys.filter((k, i) => keys.findIndex((o) => o.type === k.type && o.base64 === k.base64) === i);
  const ordered = [...unique].sort((a, b) => rank(a.type) - rank(b.type));
  const pattern = hostPattern(host, port);
  return { keys: ordered, text: ordered.map((k) => `${pattern} ${k.type} ${k.base64}\n`).join("") };
}

/** Keys from GitHub /meta, each verified against /meta's fingerprint of its type; pins, when given, also restrict. */
export function knownHostsFromMeta(meta: MetaHostKeys, host: string, port: number, pins: readonly string[] = []): KnownHosts {
  const pinned = pins.map(normalizeFingerprint);
  const published = meta.ssh_key_fingerprints ?? {};
  const entries = meta.ssh_keys ?? [];
  if (entries.length === 0) {
    throw new Error(`GitHub /meta lists no ssh_keys for ${host}. Set \`known-hosts\` to its known_hosts lines. ${PIN_FIX}`);
  }
  const keys: HostKey[] = [];
  const seen: string[] = [];
  entries.forEach((entry, i) => {
    let key: ReturnType<typeof parsePublicKey>;
    try {
      key = parsePublicKey(entry);
    } catch (error) {
      throw new Error(
        `GitHub /meta ssh_keys[${i}] is not a usable SSH public key: ${messageOf(error)}. Set \`known-hosts\` and \`ssh-host-fingerprints\` instead.`,
        { cause: error },
      );
    }
    const actual = fingerprintOfBlob(key.blob);
    seen.push(`${key.type} ${actual}`);
    const family = familyOf(key.type);
    const value = family === undefined ? undefined : published[family];
    const expected = value ? `SHA256:${value.replace(/^sha256:/i, "").replace(/=+$/, "")}` : undefined;
    if (expected !== undefined && expected !== actual) {
      throw new Error(
        `GitHub /meta host key ${key.type} for ${host} has fingerprint ${actual} but /meta publishes ${family} = ${expected}. ` +
          "Refusing to trust it: this may be a tampered response or a key rotation in progress. Re-run later, or set `known-hosts` and " +
          "`ssh-host-fingerprints` from GitHub's documented fingerprints.",
      );
    }
    if (pinned.length > 0 && !pinned.includes(actual)) return; // pins choose the keys; a pin also vouches for an unpublished type
    if (expected === undefined && pinned.length === 0) {
      throw new Error(
        `GitHub /meta host key ${key.type} for ${host} (fingerprint ${actual}) has no published fingerprint` +
          `${family === undefined ? "" : ` (${family} is missing)`}, so it cannot be verified. ${PIN_FIX}`,
      );
    }
    keys.push({
      type: key.type,
      base64: key.blob.toString("base64"),
      fingerprint: actual,
      verifiedBy: expected === undefined ? "pin" : "meta",
    });
  });
  if (keys.length === 0) {
    throw new Error(
      `None of the host keys GitHub /meta lists for ${host} (${seen.join(", ")}) matches \`ssh-host-fingerprints\` (${pinned.join(", ")}). ` +
        "Check the pins against your Git host's documented fingerprints; if the host rotated its keys, update `ssh-host-fingerprints`.",
    );
  }
  return knownHosts(keys, host, port);
}

/** True for a token that starts like an SSH key type. */
export const looksLikeKeyType = (token: string | undefined): boolean => /^(ssh-|ecdsa-sha2-|sk-)/.test(token ?? "");

/** SHA256 fingerprints of every key in known_hosts or authorized_keys-style text (blank and # lines skipped). */
export function fingerprintsOf(text: string): string[] {
  const lines = text.split(/\r?\n/).map((line, i) => ({ line: line.trim(), n: i + 1 }));
  return lines
    .filter(({ line }) => line !== "" && !line.startsWith("#"))
    .map(({ line, n }) => {
      const withoutMarker = line.startsWith("@") ? line.replace(/^\S+\s+/, "") : line;
      const keyText = looksLikeKeyType(withoutMarker.split(/\s+/)[1]) ? withoutMarker.replace(/^\S+\s+/, "") : withoutMarker;
      try {
        return fingerprintOfBlob(parsePublicKey(keyText).blob);
      } catch (error) {
        throw new Error(`line ${n}: ${messageOf(error)}`, { cause: error });
      }
    });
}
