// known_hosts from the user's `known-hosts` input (GitHub Enterprise Server without /meta keys): only lines for
// the SSH host, each key required to match a pinned fingerprint (`ssh-host-fingerprints`). Pure. Fails closed.
import { fingerprintOfBlob, parsePublicKey } from "./public-keys.ts";
import {
  PIN_FIX,
  hostPattern,
  knownHosts,
  looksLikeKeyType,
  messageOf,
  normalizeFingerprint,
  type HostKey,
  type KnownHosts,
} from "./known-hosts.ts";

const globMatches = (glob: string, name: string): boolean =>
  new RegExp(
    `^${glob
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  ).test(name);

/** Whether a known_hosts host field ("a,b,[c]:2222,!d,*.e") names host:port; negations win. */
export function hostsFieldMatches(field: string, host: string, port: number): boolean {
  let matched = false;
  for (const raw of field.split(",")) {
    const negated = raw.startsWith("!");
    const pattern = negated ? raw.slice(1) : raw;
    const bracket = /^\[(.+)\]:(\d+)$/.exec(pattern);
    const [name, patternPort] = bracket ? [bracket[1] ?? "", Number(bracket[2])] : [pattern, 22];
    if (patternPort !== port || !globMatches(name, host)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

/** One known_hosts line -> its host field and key; throws "`known-hosts` line N: why. fix". */
function parseLine(line: string, n: number, pattern: string): { hosts: string; key: ReturnType<typeof parsePublicKey> } {
  const where = `\`known-hosts\` line ${n}`;
  const tokens = line.split(/\s+/);
  const [hosts = "", type = "", data = ""] = tokens;
  if (hosts.startsWith("@")) {
    throw new Error(`${where}: ${hosts} lines are not supported; give plain "${pattern} <key-type> <base64-key>" lines.`);
  }
  if (hosts.startsWith("|")) {
    throw new Error(
      `${where}: hashed host names (|1|…) cannot be matched to ${pattern}; give the host name in clear (ssh-keyscan without -H).`,
    );
  }
  if (looksLikeKeyType(hosts) && !looksLikeKeyType(type)) {
    throw new Error(`${where}: it has no host name; start it with "${pattern} ".`);
  }
  if (tokens.length < 3) {
    throw new Error(`${where}: expected "<host> <key-type> <base64-key> [comment]", got ${tokens.length} field(s).`);
  }
  try {
    return { hosts, key: parsePublicKey(`${type} ${data}`) };
  } catch (error) {
    throw new Error(`${where}: ${messageOf(error)}.`, { cause: error });
  }
}

/** The user's known_hosts lines for host:port, each required to match a pinned fingerprint. */
export function knownHostsFromInput(text: string, host: string, port: number, pins: readonly string[]): KnownHosts {
  const pinned = pins.map(normalizeFingerprint);
  if (pinned.length === 0) {
    throw new Error(`\`known-hosts\` is set but \`ssh-host-fingerprints\` is empty: host keys are only trusted when pinned. ${PIN_FIX}`);
  }
  const pattern = hostPattern(host, port);
  const keys: HostKey[] = [];
  const otherHosts = new Set<string>();
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) return;
    const { hosts, key } = parseLine(line, index + 1, pattern);
    if (!hostsFieldMatches(hosts, host, port)) {
      otherHosts.add(hosts);
      return;
    }
    const fingerprint = fingerprintOfBlob(key.blob);
    if (!pinned.includes(fingerprint)) {
      throw new Error(
        `\`known-hosts\` line ${index + 1}: the ${key.type} key has fingerprint ${fingerprint}, which is not in \`ssh-host-fingerprints\`. ` +
          "Remove the line, or add its fingerprint after confirming it with the server's administrator.",
      );
    }
    keys.push({ type: key.type, base64: key.blob.toString("base64"), fingerprint, verifiedBy: "pin" });
  });
  if (keys.length === 0) {
    const others = otherHosts.size > 0 ? ` (it has lines for ${[...otherHosts].join(", ")})` : "";
    throw new Error(`\`known-hosts\` has no line for ${pattern}${others}. Give lines that start with "${pattern} ".`);
  }
  return knownHosts(keys, host, port);
}
