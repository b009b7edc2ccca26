// The Flux agent stand-in against a real SSH git host: an ssh2 server in this process that runs
// git-upload-pack on a bare repository seeded with git, keys made with ssh-keygen.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import ssh2 from "ssh2";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { armClient, SUBSCRIPTION, sleep, startTestCloud, trust } from "./test-support.ts";
import type { TestCloud } from "./test-support.ts";

const RG = "rg-flux";
const AKS = ["Microsoft.ContainerService", "managedClusters"] as const;
const LRO = { updateIntervalInMs: 10 };

let t: TestCloud;
let dir: string;
let server: ssh2.Server;
let port: number;
let headSha: string;
let goodKey: string;
let strangerKey: string;
let knownHosts: string;
let wrongKnownHosts: string;
let clusterId: string;

function keygen(name: string): { privateKey: string; publicKey: string } {
  const path = join(dir, name);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path]);
  return { privateKey: readFileSync(path, "utf8"), publicKey: readFileSync(`${path}.pub`, "utf8").trim() };
}

function git(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, { cwd, encoding: "utf8", env: { ...process.env, GIT_AUTHOR_NAME: "t", GIT_AUTHOR_EMAIL: "t@example.com", GIT_COMMITTER_NAME: "t", GIT_COMMITTER_EMAIL: "t@example.com" } }).trim();
}

function seedRepository(): void {
  const work = join(dir, "work");
  execFileSync("git", ["init", "-q", "-b", "main", work]);
  execFileSync("mkdir", ["-p", join(work, "clusters", "prod")]);
  writeFileSync(join(work, "clusters", "prod", "kustomization.yaml"), "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n");
  git(work, "add", ".");
  git(work, "commit", "-q", "-m", "fleet");
  git(work, "tag", "v1.2.0");
  execFileSync("git", ["clone", "-q", "--bare", work, join(dir, "repos", "octo-org", "fleet.git")]);
  headSha = git(work, "rev-parse", "HEAD");
}

function startGitHost(hostKey: string, allowed: string): Promise<number> {
  const allowedKey = ssh2.utils.parseKey(allowed);
  if (allowedKey instanceof Error) throw allowedKey;
  server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on("authentication", (ctx) => {
      if (ctx.method === "publickey" && ctx.key.algo === allowedKey.type && ctx.key.data.equals(allowedKey.getPublicSSH())) {
        if (!ctx.signature || !ctx.blob) return ctx.accept();
        return allowedKey.verify(ctx.blob, ctx.signature, ctx.hashAlgo) ? ctx.accept() : ctx.reject();
      }
      return ctx.reject(["publickey"]);
    });
    client.on("error", () => undefined);
    client.on("session", (accept) => {
      const session = accept();
      session.on("exec", (acceptExec, _reject, info) => {
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
  return new Promise((resolve) => server.listen(0, "127.0.0.1", () => resolve((server.address() as AddressInfo).port)));
}

const b64 = (text: string): string => Buffer.from(text).toString("base64");

function config(overrides: { key?: string; knownHosts?: string; path?: string; ref?: Record<string, string>; suspend?: boolean } = {}): FluxConfiguration {
  return {
    sourceKind: "GitRepository",
    namespace: "flux-system",
    suspend: overrides.suspend ?? false,
    gitRepository: {
      url: `ssh://git@localhost:${port}/octo-org/fleet.git`,
      repositoryRef: overrides.ref ?? { branch: "main" },
      sshKnownHosts: b64(overrides.knownHosts ?? knownHosts),
    },
    kustomizations: { infra: { path: overrides.path ?? "./clusters/prod", prune: true } },
    configurationProtectedSettings: { sshPrivateKey: b64(overrides.key ?? goodKey) },
  };
}

/** Waits (bounded) until the agent has reported on the configuration. */
async function settled(name: string, cluster = "aks-flux"): Promise<FluxConfiguration> {
  const client = armClient(t, "deployer");
  let read = await client.fluxConfigurations.get(RG, ...AKS, cluster, name);
  for (let i = 0; i < 400 && (!read.statusUpdatedAt || read.provisioningState !== "Succeeded"); i += 1) {
    await sleep(25);
    read = await client.fluxConfigurations.get(RG, ...AKS, cluster, name);
  }
  return read;
}

function gitRepositoryCondition(read: FluxConfiguration): { status?: string; message?: string; reason?: string } | undefined {
  return read.statuses?.find((s) => s !== null && s.kind === "GitRepository")?.statusConditions?.find((c) => c.type === "Ready");
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "flux-agent-test-"));
  seedRepository();
  const host = keygen("host");
  const otherHost = keygen("other-host");
  const deploy = keygen("deploy");
  goodKey = deploy.privateKey;
  strangerKey = keygen("stranger").privateKey;
  port = await startGitHost(host.privateKey, deploy.publicKey);
  knownHosts = `[localhost]:${port} ${host.publicKey}\n`;
  wrongKnownHosts = `[localhost]:${port} ${otherHost.publicKey}\n`;
  mkdirSync(join(dir, "agent"));
  t = await startTestCloud({ delays: { reconcileIntervalMs: 60_000 }, agentTmpDir: join(dir, "agent") });
  clusterId = t.cloud.addCluster({ subscriptionId: SUBSCRIPTION, resourceGroup: RG, name: "aks-flux", type: "managedClusters" });
  t.cloud.addCluster({ subscriptionId: SUBSCRIPTION, resourceGroup: RG, name: "aks-bare", type: "managedClusters" });
  t.cloud.grantRole({ clientId: trust(t, "deployer"), scope: `/subscriptions/${SUBSCRIPTION}`, role: "Contributor" });
  await armClient(t, "deployer").extensions.beginCreateAndWait(RG, ...AKS, "aks-flux", "flux", { extensionType: "microsoft.flux", autoUpgradeMinorVersion: true }, LRO);
});

after(async () => {
  await t.stop();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

describe("Flux agent", () => {
  test("fetches over SSH with the stored deploy key and reports Compliant at the branch head", async () => {
    const client = armClient(t, "deployer");
    await client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", "fleet", config(), LRO);
    const read = await settled("fleet");
    assert.equal(read.complianceState, "Compliant", JSON.stringify(read.statuses));
    assert.equal(read.sourceSyncedCommitId, `main/${headSha}`);
    assert.deepEqual({ ...gitRepositoryCondition(read), lastTransitionTime: undefined }, {
      type: "Ready", status: "True", reason: "Succeeded", message: `stored artifact for revision 'main@sha1:${headSha}'`, lastTransitionTime: undefined,
    });
    const kustomization = read.statuses?.find((s) => s !== null && s.kind === "Kustomization");
    assert.equal(kustomization?.name, "fleet-infra");
    assert.equal(kustomization?.complianceState, "Compliant");
    assert.match(read.repositoryPublicKey ?? "", /^ssh-ed25519 /);
  });

  test("a kustomization path missing from the repository is Non-Compliant", async () => {
    const client = armClient(t, "deployer");
    await client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", "nopath", config({ path: "clusters/nope", ref: { tag: "v1.2.0" } }), LRO);
    const read = await settled("nopath");
    assert.equal(read.complianceState, "Non-Compliant");
    assert.equal(gitRepositoryCondition(read)?.status, "True");
    const condition = read.statuses?.find((s) => s !== null && s.kind === "Kustomization")?.statusConditions?.[0];
    assert.match(condition?.message ?? "", /^kustomization path not found: stat \/tmp\/kustomization-[0-9a-f]+\/clusters\/nope: no such file or directory$/);
  });

  test("known hosts that do not hold the server's key -> Host key verification failed", async () => {
    const client = armClient(t, "deployer");
    await client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", "badhost", config({ knownHosts: wrongKnownHosts }), LRO);
    const read = await settled("badhost");
    assert.equal(read.complianceState, "Non-Compliant");
    assert.equal(gitRepositoryCondition(read)?.status, "False");
    assert.match(gitRepositoryCondition(read)?.message ?? "", /Host key verification failed\./);
  });

  test("an unknown key is denied, and a PATCH with the registered key makes it Compliant", async () => {
    const client = armClient(t, "deployer");
    await client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", "rotate", config({ key: strangerKey }), LRO);
    const denied = await settled("rotate");
    assert.equal(denied.complianceState, "Non-Compliant");
    assert.match(gitRepositoryCondition(denied)?.message ?? "", /Permission denied \(publickey\)/);
    assert.match(denied.errorMessage ?? "", /Permission denied \(publickey\)/);

    await client.fluxConfigurations.beginUpdateAndWait(RG, ...AKS, "aks-flux", "rotate", { configurationProtectedSettings: { sshPrivateKey: b64(goodKey) } }, LRO);
    let read = await client.fluxConfigurations.get(RG, ...AKS, "aks-flux", "rotate");
    for (let i = 0; i < 400 && read.complianceState !== "Compliant"; i += 1) {
      await sleep(25);
      read = await client.fluxConfigurations.get(RG, ...AKS, "aks-flux", "rotate");
    }
    assert.equal(read.complianceState, "Compliant");
    assert.ok((read.statusUpdatedAt?.getTime() ?? 0) > (denied.statusUpdatedAt?.getTime() ?? 0));
  });

  test("without a Succeeded microsoft.flux extension the configuration stays Pending; suspend gives Suspended", async () => {
    const client = armClient(t, "deployer");
    await client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-bare", "waiting", config(), LRO);
    await t.cloud.reconcileNow();
    const pending = await settled("waiting", "aks-bare");
    assert.equal(pending.complianceState, "Pending");
    assert.deepEqual(pending.statuses, []);
    await client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", "paused", config({ suspend: true }), LRO);
    assert.equal((await settled("paused")).complianceState, "Suspended");
  });

  test("the agent leaves no key material behind and stops reconciling deleted configurations", async () => {
    const client = armClient(t, "deployer");
    await t.cloud.reconcileNow();
    assert.deepEqual(readdirSync(join(dir, "agent")), []);
    await client.fluxConfigurations.beginDeleteAndWait(RG, ...AKS, "aks-flux", "fleet", LRO);
    await t.cloud.reconcileNow();
    assert.equal(t.cloud.getFluxConfiguration(clusterId, "fleet"), undefined);
  });
});
