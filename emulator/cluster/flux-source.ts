// What Flux's source-controller does for a GitRepository with SSH auth, done with real OpenSSH and git:
// write the deploy key and known hosts to a private temp dir, fetch the configured ref, report the
// revision and which kustomization paths exist, then remove every trace.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { normalizePath, readHelmReleases } from "./flux-manifests.ts";
import type { FluxObject, HelmReleaseManifest } from "./flux-manifests.ts";

export { normalizePath };

export interface RepositoryRef {
  readonly branch?: string | null;
  readonly tag?: string | null;
  readonly semver?: string | null;
  readonly commit?: string | null;
}

export interface SourceRequest {
  readonly url: string;
  readonly ref: RepositoryRef;
  /** Base64 of the private key file (configurationProtectedSettings.sshPrivateKey). */
  readonly sshPrivateKey?: string;
  /** Base64 of known_hosts lines (gitRepository.sshKnownHosts). */
  readonly sshKnownHosts?: string;
  readonly paths: readonly string[];
  readonly timeoutMs: number;
  /** Folder under which the private temp dir is made (default: the OS temp dir). */
  readonly tmpRoot?: string;
}

export type SourceResult =
  | {
      readonly ok: true;
      readonly sha: string;
      readonly refName: string;
      readonly missingPaths: readonly string[];
      /** HelmRelease manifests under each kustomization path that exists, keyed by the path as requested. */
      readonly helmReleases?: Readonly<Record<string, readonly HelmReleaseManifest[]>>;
      /** Objects of Flux's own kinds under each kustomization path that exists, keyed by the path as requested. */
      readonly fluxObjects?: Readonly<Record<string, readonly FluxObject[]>>;
      readonly publicKey: string;
      readonly keyFingerprint?: string;
    }
  | { readonly ok: false; readonly message: string; readonly publicKey: string; readonly keyFingerprint?: string };

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Async spawn: the SSH server may live in this very process, so nothing here may block. */
export function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString("utf8")));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString("utf8")));
    child.on("error", (error) => resolve({ code: -1, stdout, stderr: stderr + error.message }));
    child.on("close", (code, signal) =>
      resolve({ code: code ?? -1, stdout, stderr: signal ? `${stderr}context deadline exceeded (${signal})` : stderr }),
    );
  });
}

function parseVersion(text: string): number[] | undefined {
  const m = /^v?(\d+)\.(\d+)\.(\d+)$/.exec(text.trim());
  return m ? [Number(m[1]), Number(m[2]), Number(m[3])] : undefined;
}

function compare(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < 3; i += 1) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** Best-effort semver range check: `*`, exact, `^x.y.z`, `~x.y.z`, `x.y.x`, and space-separated comparators. */
export function satisfies(version: readonly number[], range: string): boolean {
  return range
    .trim()
    .split(/\s+/)
    .every((part) => {
      if (part === "*" || part === "x") return true;
      const wildcard = /^v?(\d+)(?:\.(\d+|x|\*))?(?:\.(x|\*))?$/.exec(part);
      if (wildcard && (wildcard[2] === undefined || wildcard[2] === "x" || wildcard[2] === "*" || wildcard[3] !== undefined)) {
        return (
          version[0] === Number(wildcard[1]) &&
          (wildcard[2] === undefined || !/^\d+$/.test(wildcard[2]) || version[1] === Number(wildcard[2]))
        );
      }
      const m = /^(\^|~|>=|<=|>|<|=)?(.+)$/.exec(part);
      const bound = m ? parseVersion(m[2] ?? "") : undefined;
      if (!m || !bound) return false;
      const c = compare(version, bound);
      switch (m[1]) {
        case "^":
          return c >= 0 && (bound[0] === 0 ? version[0] === 0 && version[1] === bound[1] : version[0] === bound[0]);
        case "~":
          return c >= 0 && version[0] === bound[0] && version[1] === bound[1];
        case ">=":
          return c >= 0;
        case "<=":
          return c <= 0;
        case ">":
          return c > 0;
        case "<":
          return c < 0;
        default:
          return c === 0;
      }
    });
}

function cleanError(stderr: string): string {
  return stderr
    .replace(/\r/g, "")
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .join("\n");
}

export async function fetchSource(request: SourceRequest): Promise<SourceResult> {
  const dir = await mkdtemp(join(request.tmpRoot ?? tmpdir(), "flux-source-"));
  try {
    const keyPath = join(dir, "identity");
    const knownHostsPath = join(dir, "known_hosts");
    const sshArgs = [
      "ssh",
      "-F",
      "/dev/null",
      "-o",
      "IdentitiesOnly=yes",
      "-o",
      `UserKnownHostsFile=${knownHostsPath}`,
      "-o",
      "GlobalKnownHostsFile=/dev/null",
      "-o",
      "StrictHostKeyChecking=yes",
      "-o",
      "BatchMode=yes",
    ];
    let publicKey = "";
    let keyFingerprint: string | undefined;
    if (request.sshPrivateKey) {
      await writeFile(keyPath, Buffer.from(request.sshPrivateKey, "base64"), { mode: 0o600 });
      sshArgs.push("-i", keyPath);
      const derived = await run("ssh-keygen", ["-y", "-f", keyPath], process.env, 10_000);
      publicKey = derived.code === 0 ? derived.stdout.trim() : "";
      // `256 SHA256:… comment (ED25519)`: which key this fetch used, for the agent's fetch log.
      const listed = await run("ssh-keygen", ["-l", "-E", "sha256", "-f", keyPath], process.env, 10_000);
      keyFingerprint = /\bSHA256:\S+/.exec(listed.stdout)?.[0];
    } else {
      // No key: offer none (not the machine's ~/.ssh defaults), as source-controller has none without a Secret.
      sshArgs.push("-o", "IdentityFile=none");
    }
    const key = keyFingerprint ? { keyFingerprint } : {};
    await writeFile(knownHostsPath, request.sshKnownHosts ? Buffer.from(request.sshKnownHosts, "base64") : "", { mode: 0o600 });
    const env = { ...process.env, GIT_SSH_COMMAND: sshArgs.join(" "), GIT_TERMINAL_PROMPT: "0", GIT_CONFIG_NOSYSTEM: "1" };
    const repo = join(dir, "repo.git");
    const git = (args: readonly string[]): Promise<Run> => run("git", ["--git-dir", repo, ...args], env, request.timeoutMs);
    const failed = (stderr: string): SourceResult => ({
      ok: false,
      publicKey,
      ...key,
      message: `failed to checkout and determine revision: unable to clone '${request.url}': ${cleanError(stderr)}`,
    });
    const init = await run("git", ["init", "--bare", "-q", repo], env, request.timeoutMs);
    if (init.code !== 0) return failed(init.stderr);

    const { branch, tag, semver, commit } = request.ref;
    let refName = branch ?? "";
    let remoteRef = branch ? `refs/heads/${branch}` : "HEAD";
    if (semver) {
      const listed = await git(["ls-remote", "--tags", request.url]);
      if (listed.code !== 0) return failed(listed.stderr);
      const tags = listed.stdout
        .split("\n")
        .map((l) => l.split("\t")[1] ?? "")
        .filter((r) => r.startsWith("refs/tags/") && !r.endsWith("^{}"))
        .map((r) => r.slice("refs/tags/".length));
      const best = tags
        .map((t) => ({ t, v: parseVersion(t) }))
        .filter((x) => x.v && satisfies(x.v, semver))
        .sort((a, b) => compare(b.v ?? [], a.v ?? []))[0];
      if (!best) return failed(`no match found for semver: ${semver}`);
      refName = best.t;
      remoteRef = `refs/tags/${best.t}`;
    } else if (tag) {
      refName = tag;
      remoteRef = `refs/tags/${tag}`;
    }
    const fetched = await git([
      "fetch",
      "-q",
      "--no-tags",
      ...(commit ? [] : ["--depth=1"]),
      request.url,
      `+${remoteRef}:refs/flux/source`,
    ]);
    if (fetched.code !== 0) return failed(fetched.stderr);
    const target = commit ?? "refs/flux/source";
    const resolved = await git(["rev-parse", "--verify", "-q", `${target}^{commit}`]);
    if (resolved.code !== 0) return failed(`object not found: ${commit ?? remoteRef}`);
    const sha = resolved.stdout.trim();
    const missingPaths: string[] = [];
    for (const path of request.paths) {
      const clean = normalizePath(path);
      if (!clean) continue;
      const listed = await git(["ls-tree", "-d", sha, "--", clean]);
      if (listed.code !== 0 || !listed.stdout.trim()) missingPaths.push(path);
    }
    const present = request.paths.filter((p) => !missingPaths.includes(p));
    const { helmReleases, fluxObjects } = await readHelmReleases(repo, sha, present, env);
    return { ok: true, sha, refName, missingPaths, helmReleases, fluxObjects, publicKey, ...key };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
