// A world for the Flux agent stand-in's tests: a real SSH git host (an ssh2 server in this process running
// git-upload-pack on a bare repository seeded with git, keys made with ssh-keygen), an Azure stand-in with a
// Succeeded microsoft.flux extension on cluster aks-flux, and helpers to write and read flux configurations.
import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import type { FluxConfiguration, SourceControlConfigurationClient } from "@azure/arm-kubernetesconfiguration";
import type { AzureDelays } from "../azure/index.ts";
import { armClient, SUBSCRIPTION, sleep, startTestCloud, trust } from "./azure.ts";
import type { TestCloud } from "./azure.ts";
import type { AgentBehaviour } from "../cluster/agent-behaviour.ts";
import { startGitHost } from "./flux-git-host.ts";

export const RG = "rg-flux";
export const AKS = ["Microsoft.ContainerService", "managedClusters"] as const;
export const LRO = { updateIntervalInMs: 10 };

export interface Key {
  readonly privateKey: string;
  readonly publicKey: string;
  /** SHA256:… as ssh-keygen -l prints it. */
  readonly fingerprint: string;
}

export interface FluxWorld {
  readonly t: TestCloud;
  readonly dir: string;
  readonly clusterId: string;
  readonly client: SourceControlConfigurationClient;
  readonly deployKey: Key;
  /** A second key the git host also accepts (for rotations). */
  readonly nextKey: Key;
  /** A key the git host refuses. */
  readonly strangerKey: Key;
  /** Registers one more public key (`type base64`) on the git host, as adding a deploy key on GitHub does. */
  readonly allow: (publicKey: string) => void;
  readonly knownHosts: string;
  readonly wrongKnownHosts: string;
  readonly head: () => string;
  /** Commits a file to main on the git host; returns the new head. */
  readonly push: (file: string) => string;
  /** Commits files (repository path -> text) to main on the git host; returns the new head. */
  readonly pushFiles: (files: Readonly<Record<string, string>>) => string;
  readonly config: (overrides?: ConfigOverrides) => FluxConfiguration;
  readonly get: (name: string, cluster?: string) => Promise<FluxConfiguration>;
  readonly stop: () => Promise<void>;
}

export interface ConfigOverrides {
  /** The private key for configurationProtectedSettings.sshPrivateKey; null: no protected settings at all. */
  readonly key?: string | null;
  readonly knownHosts?: string;
  readonly path?: string;
  readonly ref?: Record<string, string>;
  readonly suspend?: boolean;
  readonly kustomizations?: FluxConfiguration["kustomizations"];
}

export const b64 = (text: string): string => Buffer.from(text).toString("base64");

/** Polls `read` until `done` holds (bounded); returns the last value read. */
export async function until<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let value = await read();
  while (!done(value) && Date.now() < deadline) {
    await sleep(10);
    value = await read();
  }
  return value;
}

function gitIn(cwd: string, ...args: string[]): string {
  return execFileSync("git", args, {
    cwd,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_AUTHOR_NAME: "t",
      GIT_AUTHOR_EMAIL: "t@example.com",
      GIT_COMMITTER_NAME: "t",
      GIT_COMMITTER_EMAIL: "t@example.com",
    },
  }).trim();
}

export async function startFluxWorld(options: { delays?: Partial<AzureDelays>; agent?: Partial<AgentBehaviour> } = {}): Promise<FluxWorld> {
  const dir = mkdtempSync(join(tmpdir(), "flux-agent-test-"));
  const keygen = (name: string): Key => {
    const path = join(dir, name);
    execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", path]);
    const fingerprint = /SHA256:\S+/.exec(execFileSync("ssh-keygen", ["-l", "-E", "sha256", "-f", path], { encoding: "utf8" }))?.[0] ?? "";
    return { privateKey: readFileSync(path, "utf8"), publicKey: readFileSync(`${path}.pub`, "utf8").trim(), fingerprint };
  };
  const work = join(dir, "work");
  const bare = join(dir, "repos", "octo-org", "fleet.git");
  execFileSync("git", ["init", "-q", "-b", "main", work]);
  mkdirSync(join(work, "clusters", "prod"), { recursive: true });
  writeFileSync(
    join(work, "clusters", "prod", "kustomization.yaml"),
    "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources: []\n",
  );
  gitIn(work, "add", ".");
  gitIn(work, "commit", "-q", "-m", "fleet");
  gitIn(work, "tag", "v1.2.0");
  execFileSync("git", ["clone", "-q", "--bare", work, bare]);
  const host = keygen("host");
  const deployKey = keygen("deploy");
  const nextKey = keygen("next");
  const { server, port, allow } = await startGitHost(dir, host.privateKey, [deployKey.publicKey, nextKey.publicKey]);
  mkdirSync(join(dir, "agent"));
  const t = await startTestCloud({
    ...(options.delays ? { delays: options.delays } : {}),
    ...(options.agent ? { agent: options.agent } : {}),
    agentTmpDir: join(dir, "agent"),
  });
  const clusterId = t.cloud.addCluster({ subscriptionId: SUBSCRIPTION, resourceGroup: RG, name: "aks-flux", type: "managedClusters" });
  t.cloud.addCluster({ subscriptionId: SUBSCRIPTION, resourceGroup: RG, name: "aks-bare", type: "managedClusters" });
  t.cloud.grantRole({ clientId: trust(t, "deployer"), scope: `/subscriptions/${SUBSCRIPTION}`, role: "Contributor" });
  const client = armClient(t, "deployer");
  await client.extensions.beginCreateAndWait(
    RG,
    ...AKS,
    "aks-flux",
    "flux",
    { extensionType: "microsoft.flux", autoUpgradeMinorVersion: true },
    LRO,
  );
  const knownHosts = `[localhost]:${port} ${host.publicKey}\n`;
  return {
    t,
    dir,
    clusterId,
    client,
    deployKey,
    nextKey,
    strangerKey: keygen("stranger"),
    allow,
    knownHosts,
    wrongKnownHosts: `[localhost]:${port} ${keygen("other-host").publicKey}\n`,
    head: () => gitIn(bare, "rev-parse", "main"),
    push: (file) => {
      writeFileSync(join(work, "clusters", "prod", file), `# ${file}\n`);
      gitIn(work, "add", ".");
      gitIn(work, "commit", "-q", "-m", file);
      gitIn(work, "push", "-q", bare, "main");
      return gitIn(work, "rev-parse", "HEAD");
    },
    pushFiles: (files) => {
      for (const [path, text] of Object.entries(files)) {
        mkdirSync(dirname(join(work, path)), { recursive: true });
        writeFileSync(join(work, path), text);
      }
      gitIn(work, "add", ".");
      gitIn(work, "commit", "-q", "-m", "manifests");
      gitIn(work, "push", "-q", bare, "main");
      return gitIn(work, "rev-parse", "HEAD");
    },
    config: (o = {}) => ({
      sourceKind: "GitRepository",
      namespace: "flux-system",
      suspend: o.suspend ?? false,
      gitRepository: {
        url: `ssh://git@localhost:${port}/octo-org/fleet.git`,
        repositoryRef: o.ref ?? { branch: "main" },
        sshKnownHosts: b64(o.knownHosts ?? knownHosts),
      },
      kustomizations: o.kustomizations ?? { infra: { path: o.path ?? "./clusters/prod", prune: true } },
      ...(o.key === null ? {} : { configurationProtectedSettings: { sshPrivateKey: b64(o.key ?? deployKey.privateKey) } }),
    }),
    get: (name, cluster = "aks-flux") => client.fluxConfigurations.get(RG, ...AKS, cluster, name),
    stop: async () => {
      await t.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
