// The SSH side of the GitHub stand-in: an ssh2 server that speaks git like github.com does. Public-key auth
// only, user `git`, deploy keys decide access per repository, and real git-upload-pack / git-receive-pack
// run on the bare repositories with stdio piped both ways.
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import ssh2 from "ssh2";
import type { Connection, ServerChannel } from "ssh2";
import { fingerprintOf } from "./ssh-keys.ts";
import { findDeployKey, findRepo } from "./state.ts";
import type { DeployKey, GitHubState, Repo } from "./state.ts";

export interface GitHost {
  readonly port: number;
  readonly close: () => Promise<void>;
}

const COMMAND = /^git[ -](upload-pack|receive-pack|upload-archive) +'?\/?([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?\/?'?$/;

/** The enabled deploy key with this fingerprint on this repository. */
function enabledKeyOn(repo: Repo, fingerprint: string): DeployKey | undefined {
  return repo.deployKeysDisabled ? undefined : repo.deployKeys.find((k) => k.fingerprint === fingerprint);
}

function fail(channel: ServerChannel, message: string): void {
  channel.stderr.write(`${message}\n`);
  channel.exit(1);
  channel.end();
}

function runGit(channel: ServerChannel, service: string, repo: Repo, env: Record<string, string>): void {
  const child = spawn("git", [service, repo.gitDir], { env: { ...process.env, ...env }, stdio: ["pipe", "pipe", "pipe"] });
  child.stdout.pipe(channel, { end: false });
  child.stderr.pipe(channel.stderr, { end: false });
  channel.pipe(child.stdin);
  child.stdin.on("error", () => undefined);
  child.on("error", (error) => fail(channel, `ERROR: ${error.message}`));
  child.on("close", (code) => {
    channel.exit(code ?? 1);
    channel.end();
  });
  channel.on("close", () => child.exitCode === null && child.kill());
}

function serveConnection(state: GitHubState, client: Connection): void {
  let fingerprint = "";
  client.on("error", () => undefined);
  client.on("authentication", (ctx) => {
    if (ctx.method !== "publickey") return ctx.reject(["publickey"]);
    const print = fingerprintOf(ctx.key.data);
    const found = findDeployKey(state, print);
    const refuse = (reason: string): void => {
      state.authLog.push({ time: new Date().toISOString(), fingerprint: print, keyId: found?.key.id, ok: false, reason });
      ctx.reject(["publickey"]);
    };
    if (ctx.username !== "git") return refuse(`user ${ctx.username} is not git`);
    const usable = [...state.repos.values()].some((repo) => enabledKeyOn(repo, print));
    if (!found || !usable) return refuse("Permission denied (publickey).");
    if (!ctx.signature || !ctx.blob) return ctx.accept();
    const key = ssh2.utils.parseKey(found.key.key);
    if (key instanceof Error || key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true) return refuse("bad signature");
    fingerprint = print;
    ctx.accept();
  });
  client.on("session", (acceptSession) => {
    const session = acceptSession();
    const env: Record<string, string> = {};
    session.on("env", (accept, _reject, info) => {
      if (info.key === "GIT_PROTOCOL") env["GIT_PROTOCOL"] = info.val;
      accept?.();
    });
    session.on("pty", (accept) => accept?.());
    session.on("shell", (accept) => {
      const channel = accept();
      const owner = findDeployKey(state, fingerprint);
      state.authLog.push({ time: new Date().toISOString(), fingerprint, keyId: owner?.key.id, ok: true, command: "shell" });
      fail(
        channel,
        `Hi ${owner ? `${owner.repo.owner}/${owner.repo.name}` : "there"}! You've successfully authenticated, but GitHub does not provide shell access.`,
      );
    });
    session.on("exec", (accept, _reject, info) => {
      const channel = accept();
      const match = COMMAND.exec(info.command.trim());
      const repo = match ? findRepo(state, `${match[2] ?? ""}/${match[3] ?? ""}`) : undefined;
      const key = repo ? enabledKeyOn(repo, fingerprint) : undefined;
      const entry = {
        time: new Date().toISOString(),
        fingerprint,
        command: info.command,
        repo: repo ? `${repo.owner}/${repo.name}` : undefined,
      };
      if (!match) {
        state.authLog.push({ ...entry, ok: false, reason: "Invalid command" });
        return fail(channel, `Invalid command: ${info.command}`);
      }
      if (!repo || !key) {
        state.authLog.push({ ...entry, keyId: key?.id, ok: false, reason: "ERROR: Repository not found." });
        return fail(channel, "ERROR: Repository not found.");
      }
      const service = match[1] ?? "upload-pack";
      if (service === "receive-pack" && key.readOnly) {
        state.authLog.push({ ...entry, keyId: key.id, ok: false, reason: "read only key" });
        return fail(channel, "ERROR: The key you are authenticating with has been marked as read only.");
      }
      key.lastUsed = entry.time.replace(/\.\d{3}Z$/, "Z");
      state.authLog.push({ ...entry, keyId: key.id, ok: true });
      runGit(channel, service, repo, env);
    });
  });
}

export async function startGitHost(state: GitHubState): Promise<GitHost> {
  const clients = new Set<Connection>();
  const server = new ssh2.Server({ hostKeys: state.hostKeys.map((k) => k.privateKey), ident: "babeld-local" }, (client) => {
    clients.add(client);
    client.on("close", () => clients.delete(client));
    serveConnection(state, client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const client of clients) client.end();
        server.close(() => resolve());
      }),
  };
}
