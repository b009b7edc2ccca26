// The key pair Azure's fluxconfig-controller makes when a flux configuration has an SSH URL and no
// configurationProtectedSettings.sshPrivateKey: it "creates a private/public key pair that exists for the lifetime of
// the fluxConfigurations" and publishes the public half as repositoryPublicKey (Microsoft Learn, GitOps Flux v2
// conceptual doc and `az k8s-configuration flux create`). Made with real ssh-keygen in a private temp
// dir that is removed at once; the private half lives only in the agent's memory (the "cluster"), never in ARM.
import { chmod, mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AgentBehaviour } from "./agent-behaviour.ts";
import { run } from "./flux-source.ts";

export interface ClusterKey {
  /** Base64 of the OpenSSH private key file, as sshPrivateKey would carry it. Never leaves the agent. */
  readonly privateKey: string;
  /** `type base64`, no comment: what repositoryPublicKey shows. */
  readonly publicKey: string;
  /** SHA256:… as ssh-keygen -l prints it. */
  readonly fingerprint: string;
}

const KEYGEN_ARGS: Readonly<Record<AgentBehaviour["clusterKeyType"], readonly string[]>> = {
  ecdsa: ["-t", "ecdsa", "-b", "384"],
  rsa: ["-t", "rsa", "-b", "3072"],
  ed25519: ["-t", "ed25519"],
};

/** ssh:// URLs and scp-like `user@host:path`: the URLs Flux authenticates with an SSH key. */
export function isSshUrl(url: string): boolean {
  return /^ssh:\/\//i.test(url) || /^[^/:@\s]+@[^/:\s]+:(?!\/\/)/.test(url);
}

export async function makeClusterKey(type: AgentBehaviour["clusterKeyType"], tmpRoot?: string): Promise<ClusterKey> {
  const dir = await mkdtemp(join(tmpRoot ?? tmpdir(), "flux-cluster-key-"));
  try {
    await chmod(dir, 0o700);
    const path = join(dir, "identity");
    const made = await run("ssh-keygen", ["-q", ...KEYGEN_ARGS[type], "-N", "", "-C", "", "-f", path], process.env, 30_000);
    if (made.code !== 0) throw new Error(`ssh-keygen failed: ${made.stderr.trim()}`);
    const listed = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", path], process.env, 10_000);
    const fingerprint = /\bSHA256:\S+/.exec(listed.stdout)?.[0] ?? "";
    const [keyType = "", blob = ""] = (await readFile(`${path}.pub`, "utf8")).trim().split(/\s+/);
    return { privateKey: (await readFile(path)).toString("base64"), publicKey: `${keyType} ${blob}`, fingerprint };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** The configuration's own pair, kept in `held` (the agent's memory of it): made at its first fetch with an SSH URL and
 *  no sshPrivateKey while generateKeys holds, then kept as long as the configuration (whatever key it is given later). */
export async function heldClusterKey(
  held: { clusterKey: ClusterKey | undefined },
  behaviour: AgentBehaviour,
  url: string,
  tmpRoot?: string,
): Promise<ClusterKey | undefined> {
  if (held.clusterKey || !behaviour.generateKeys || !isSshUrl(url)) return held.clusterKey;
  held.clusterKey = await makeClusterKey(behaviour.clusterKeyType, tmpRoot);
  return held.clusterKey;
}
