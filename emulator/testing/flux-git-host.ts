// The SSH git host of the Flux agent's tests: an ssh2 server in this process that runs real git-upload-pack on the bare
// repositories under `dir`/repos, accepting the public keys it is given (more can be allowed later, as deploy keys are).
import { spawn } from "node:child_process";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import ssh2 from "ssh2";

export interface TestGitHost {
  readonly server: ssh2.Server;
  readonly port: number;
  /** Accepts one more public key from now on. */
  readonly allow: (publicKey: string) => void;
}

function parse(publicKey: string): ssh2.ParsedKey {
  const parsed = ssh2.utils.parseKey(publicKey);
  if (parsed instanceof Error) throw parsed;
  return parsed;
}

/** Public-key auth against `allowed` (and keys allowed later); a refused key gets OpenSSH's `Permission denied (publickey)`. */
export function startGitHost(dir: string, hostKey: string, allowed: readonly string[]): Promise<TestGitHost> {
  const keys = allowed.map(parse);
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on("authentication", (ctx) => {
      const key =
        ctx.method === "publickey" ? keys.find((k) => ctx.key.algo === k.type && ctx.key.data.equals(k.getPublicSSH())) : undefined;
      if (ctx.method !== "publickey" || !key) return ctx.reject(["publickey"]);
      if (!ctx.signature || !ctx.blob) return ctx.accept();
      return key.verify(ctx.blob, ctx.signature, ctx.hashAlgo) ? ctx.accept() : ctx.reject();
    });
    client.on("error", () => undefined);
    client.on("session", (accept) => {
      accept().on("exec", (acceptExec, _reject, info) => {
        const stream = acceptExec();
        const match = /^git-upload-pack '\/?([\w.-]+\/[\w.-]+)'$/.exec(info.command);
        if (!match) {
          stream.stderr.write("unsupported command\n");
          stream.exit(1);
          stream.end();
          return;
        }
        const child = spawn("git-upload-pack", [join(dir, "repos", match[1] ?? "")], { stdio: ["pipe", "pipe", "pipe"] });
        stream.pipe(child.stdin);
        child.stdout.pipe(stream, { end: false });
        child.stderr.on("data", (d: Buffer) => stream.stderr.write(d));
        child.on("close", (code) => {
          stream.exit(code ?? 1);
          stream.end();
        });
      });
    });
  });
  const allow = (publicKey: string): void => void keys.push(parse(publicKey));
  return new Promise((resolve) =>
    server.listen(0, "127.0.0.1", () => resolve({ server, port: (server.address() as AddressInfo).port, allow })),
  );
}
