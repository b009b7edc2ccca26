// SSH host keys for the git host, made by the real ssh-keygen in a private temp folder that is read and
// removed at once: the private halves live only in memory afterwards. /meta publishes the public halves.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fingerprintOf, parsePublicKeyLine } from "./ssh-keys.ts";
import type { HostKey } from "./state.ts";

const run = promisify(execFile);

const ALGORITHMS = [
  { file: "ed25519", args: ["-t", "ed25519"] },
  { file: "ecdsa", args: ["-t", "ecdsa", "-b", "256"] },
  { file: "rsa", args: ["-t", "rsa", "-b", "3072"] },
] as const;

export async function generateHostKeys(): Promise<HostKey[]> {
  const dir = await mkdtemp(join(tmpdir(), "local-github-hostkeys-"));
  try {
    return await Promise.all(
      ALGORITHMS.map(async ({ file, args }) => {
        const path = join(dir, file);
        await run("ssh-keygen", ["-q", ...args, "-N", "", "-C", "", "-f", path]);
        const privateKey = await readFile(path, "utf8");
        const parsed = parsePublicKeyLine(await readFile(`${path}.pub`, "utf8"));
        if (!parsed) throw new Error(`ssh-keygen wrote an unreadable ${file} public key`);
        return { type: parsed.type, privateKey, publicLine: parsed.normalised, fingerprint: fingerprintOf(parsed.blob) };
      }),
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
