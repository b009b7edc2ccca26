// The real transport: OpenSSH and git against the ssh2 git host, with known_hosts built from /meta.
import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import ssh2 from "ssh2";
import type { ParsedKey } from "ssh2";
import { startLocalGitHub } from "../testing/github.ts";
import type { LocalGitHub } from "../testing/github.ts";

let local: LocalGitHub;
let url = "";
const dir = mkdtempSync(join(tmpdir(), "git-ssh-test-"));
const knownHosts = join(dir, "known_hosts");

/** Makes a client key with ssh-keygen; returns its path and public line. */
function clientKey(name: string, type: string[] = ["-t", "ed25519"]): { path: string; line: string } {
  const path = join(dir, name);
  execFileSync("ssh-keygen", ["-q", ...type, "-N", "", "-C", name, "-f", path]);
  return { path, line: readFileSync(`${path}.pub`, "utf8").trim() };
}

/** Runs git asynchronously (the SSH host lives in this process) with ssh pinned to one key and known_hosts file. */
function runGit(args: string[], key: string, hosts = knownHosts, cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  const ssh =
    `ssh -F /dev/null -i ${key} -o IdentitiesOnly=yes -o IdentityAgent=none -o BatchMode=yes ` +
    `-o StrictHostKeyChecking=yes -o UserKnownHostsFile=${hosts} -o GlobalKnownHostsFile=/dev/null`;
  const env = { ...process.env, GIT_SSH_COMMAND: ssh, GIT_CONFIG_NOSYSTEM: "1", GIT_CONFIG_GLOBAL: "/dev/null", GIT_TERMINAL_PROMPT: "0" };
  return new Promise((resolve) => {
    execFile("git", args, { cwd, env }, (error, stdout, stderr) => {
      resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

const reader = clientKey("reader");
const writer = clientKey("writer");
const stranger = clientKey("stranger");
const elsewhere = clientKey("elsewhere");

before(async () => {
  local = await startLocalGitHub();
  await local.github.createRepo({ owner: "contoso", name: "fleet" });
  await local.github.createRepo({ owner: "contoso", name: "other" });
  local.github.addToken("ghs_admin", { kind: "app", repos: "*", permissions: { administration: "write" } });
  const octokit = local.octokit("ghs_admin");
  await octokit.rest.repos.createDeployKey({ owner: "contoso", repo: "fleet", title: "reader", key: reader.line, read_only: true });
  await octokit.rest.repos.createDeployKey({ owner: "contoso", repo: "fleet", title: "writer", key: writer.line, read_only: false });
  await octokit.rest.repos.createDeployKey({ owner: "contoso", repo: "other", title: "elsewhere", key: elsewhere.line, read_only: true });
  const { data: meta } = await octokit.rest.meta.get();
  writeFileSync(knownHosts, (meta.ssh_keys ?? []).map((line) => `[localhost]:${local.github.sshPort} ${line}\n`).join(""));
  url = `ssh://git@localhost:${local.github.sshPort}/contoso/fleet.git`;
});
after(async () => {
  await local.stop();
  rmSync(dir, { recursive: true, force: true });
});

test("git ls-remote over SSH with a registered read-only key shows the real head, and sets last_used", async () => {
  const before = local.github.deployKeys("contoso/fleet").find((k) => k.title === "reader");
  assert.equal(before?.lastUsed, null);
  const result = await runGit(["ls-remote", url], reader.path);
  assert.equal(result.code, 0, result.stderr);
  const head = await local.github.headOf("contoso/fleet");
  assert.match(result.stdout, new RegExp(`^${head}\\trefs/heads/main$`, "m"));
  const used = local.github.deployKeys("contoso/fleet").find((k) => k.title === "reader")?.lastUsed;
  assert.match(used ?? "", /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  const { data } = await local.octokit("ghs_admin").rest.repos.getDeployKey({ owner: "contoso", repo: "fleet", key_id: before?.id ?? 0 });
  assert.equal(data.last_used, used);
  const entry = local.github.authLog.at(-1);
  assert.equal(entry?.ok, true);
  assert.equal(entry?.repo, "contoso/fleet");
  assert.equal(entry?.keyId, before?.id);
  assert.match(entry?.command ?? "", /^git-upload-pack '\/?contoso\/fleet\.git'$/);
});

test("git clone over SSH brings the Flux tree", async () => {
  const result = await runGit(["clone", "--quiet", url, "clone-reader"], reader.path);
  assert.equal(result.code, 0, result.stderr);
  assert.match(readFileSync(join(dir, "clone-reader", "clusters/staging/kustomization.yaml"), "utf8"), /kind: Kustomization/);
});

test("an unregistered key is refused at authentication: Permission denied (publickey)", async () => {
  const result = await runGit(["ls-remote", url], stranger.path);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /Permission denied \(publickey\)/);
  assert.equal(local.github.authLog.at(-1)?.ok, false);
});

test("a deploy key of another repository authenticates but gets Repository not found", async () => {
  const result = await runGit(["ls-remote", url], elsewhere.path);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /ERROR: Repository not found\./);
  const entry = local.github.authLog.at(-1);
  assert.deepEqual([entry?.ok, entry?.repo], [false, "contoso/fleet"]);
});

test("a known_hosts file without the host's real keys fails host key verification", async () => {
  const impostor = clientKey("impostor");
  const wrong = join(dir, "wrong_known_hosts");
  writeFileSync(wrong, `[localhost]:${local.github.sshPort} ${impostor.line.split(" ").slice(0, 2).join(" ")}\n`);
  const result = await runGit(["ls-remote", url], reader.path, wrong);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /Host key verification failed/);
});

test("push with the read-only key is refused; with the read-write key it lands", async () => {
  const work = join(dir, "clone-reader");
  writeFileSync(join(work, "apps", "extra.yaml"), "kind: ConfigMap\n");
  await runGit(["add", "."], reader.path, knownHosts, work);
  const commit = await runGit(
    ["-c", "user.name=t", "-c", "user.email=t@example.invalid", "commit", "--quiet", "-m", "add extra"],
    reader.path,
    knownHosts,
    work,
  );
  assert.equal(commit.code, 0, commit.stderr);
  const refused = await runGit(["push", "--quiet", "origin", "main"], reader.path, knownHosts, work);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /ERROR: The key you are authenticating with has been marked as read only\./);
  const pushed = await runGit(["push", "--quiet", "origin", "main"], writer.path, knownHosts, work);
  assert.equal(pushed.code, 0, pushed.stderr);
  const localHead = (await runGit(["rev-parse", "HEAD"], writer.path, knownHosts, work)).stdout.trim();
  assert.equal(await local.github.headOf("contoso/fleet"), localHead);
});

test("keys disabled by policy stop working over SSH", async () => {
  local.github.setDeployKeysDisabled("contoso/fleet", true);
  const result = await runGit(["ls-remote", url], reader.path);
  local.github.setDeployKeysDisabled("contoso/fleet", false);
  assert.notEqual(result.code, 0);
  assert.match(result.stderr, /Permission denied \(publickey\)/);
});

test("ecdsa and rsa client keys authenticate too (signatures verified per algorithm)", async () => {
  const octokit = local.octokit("ghs_admin");
  for (const [name, type] of [
    ["ecdsa-client", ["-t", "ecdsa", "-b", "521"]],
    ["rsa-client", ["-t", "rsa", "-b", "2048"]],
  ] as const) {
    const key = clientKey(name, [...type]);
    await octokit.rest.repos.createDeployKey({ owner: "contoso", repo: "fleet", title: name, key: key.line, read_only: true });
    const result = await runGit(["ls-remote", url], key.path);
    assert.equal(result.code, 0, `${name}: ${result.stderr}`);
    assert.notEqual(local.github.deployKeys("contoso/fleet").find((k) => k.title === name)?.lastUsed, null);
  }
});

/** An agent that offers the reader's registered public key but signs with a different private key. */
class ForgingAgent extends ssh2.BaseAgent<ParsedKey> {
  readonly offered: ParsedKey;
  readonly signer: ParsedKey;
  constructor(offered: ParsedKey, signer: ParsedKey) {
    super();
    this.offered = offered;
    this.signer = signer;
  }
  getIdentities(cb: (error: Error | undefined, keys?: ParsedKey[]) => void): void {
    cb(undefined, [this.offered]);
  }
  sign(_key: ParsedKey, data: Buffer, options: unknown, cb?: (error?: Error, signature?: Buffer) => void): void {
    const done = typeof options === "function" ? (options as (error?: Error, signature?: Buffer) => void) : cb;
    done?.(undefined, this.signer.sign(data));
  }
}

test("a signature not made by the registered key is refused", async () => {
  const parse = (text: string): ParsedKey => {
    const key = ssh2.utils.parseKey(text);
    if (key instanceof Error || Array.isArray(key)) throw new Error("unparsable test key");
    return key;
  };
  const agent = new ForgingAgent(parse(reader.line), parse(readFileSync(stranger.path, "utf8")));
  const published = new Set(local.github.hostKeys.map((line) => line.split(" ")[1]));
  const outcome = await new Promise<string>((resolve) => {
    const client = new ssh2.Client();
    client.on("ready", () => {
      client.end();
      resolve("authenticated");
    });
    client.on("error", (error) => resolve(error.message));
    client.connect({
      host: "127.0.0.1",
      port: local.github.sshPort,
      username: "git",
      agent,
      hostVerifier: (key: Buffer) => published.has(key.toString("base64")),
    });
  });
  assert.match(outcome, /All configured authentication methods failed/);
  assert.deepEqual([local.github.authLog.at(-1)?.ok, local.github.authLog.at(-1)?.reason], [false, "bad signature"]);
});

test("ssh -T greets the deploy key's repository and refuses a shell, like github.com", async () => {
  const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
    execFile(
      "ssh",
      [
        "-F",
        "/dev/null",
        "-T",
        "-p",
        String(local.github.sshPort),
        "-i",
        reader.path,
        "-o",
        "IdentitiesOnly=yes",
        "-o",
        "IdentityAgent=none",
        "-o",
        "BatchMode=yes",
        "-o",
        "StrictHostKeyChecking=yes",
        "-o",
        `UserKnownHostsFile=${knownHosts}`,
        "git@localhost",
      ],
      (error, _stdout, stderr) => {
        resolve({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr });
      },
    );
  });
  assert.equal(result.code, 1);
  assert.match(result.stderr, /Hi contoso\/fleet! You've successfully authenticated, but GitHub does not provide shell access\./);
});
