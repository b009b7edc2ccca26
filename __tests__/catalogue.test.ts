// The error catalogue, through the local cloud: each known failure is provoked the way it happens to users,
// and the run must end with exit code 1 and one `::error title=…::` annotation that names the fix.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario } from "../emulator/index.ts";
import { errorAnnotations } from "./support/annotations.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";

let cloud: LocalCloud;
const WORKFLOW_TOKEN = "ghs_workflowGitHubToken000000000000000";

before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

interface Case {
  readonly name: string;
  /** isolated: runs alongside others; reconciles: also needs the Flux agent at normal speed; shared/after: changes state every scenario sees; slow: the 30 s wait-timeout. */
  readonly group: "isolated" | "reconciles" | "shared" | "slow" | "after";
  /** Seeds the world, changes it to fail this way, returns the run's environment. */
  readonly arrange: () => Promise<{ env: Record<string, string>; scenario: Scenario }>;
  /** Puts shared cloud state back (runs even when the case fails). */
  readonly restore?: (scenario: Scenario) => void;
  readonly title: string;
  /** Text the message must contain: the fix, and the facts the user needs for it. */
  readonly says: readonly (string | RegExp | ((scenario: Scenario) => string))[];
}

/** A scenario with its own GitHub token (seedScenario re-points the shared one at the newest repository). */
const seed = async (name: string, options: Parameters<typeof seedScenario>[1] = {}): Promise<Scenario> => {
  const scenario = await seedScenario(cloud, { clusterName: `aks-${name}`, repo: `cfg-${name}`, ...options });
  const token = `ghs_catalogue${name.replace(/[^a-z]/g, "")}${"0".repeat(24)}`;
  cloud.github.addToken(token, {
    repos: [`${scenario.owner}/${scenario.repo}`],
    permissions: { administration: "write", metadata: "read", contents: "read" },
    kind: "app",
  });
  return { ...scenario, token };
};
const plain = async (name: string, inputs: Record<string, string> = {}, options: Parameters<typeof seedScenario>[1] = {}) => {
  const scenario = await seed(name, options);
  return { env: actionEnv(cloud, scenario, inputs), scenario };
};

const CASES: readonly Case[] = [
  {
    name: "no id-token: write permission",
    group: "isolated",
    arrange: async () => {
      const { env, scenario } = await plain("oidc");
      delete env.ACTIONS_ID_TOKEN_REQUEST_URL;
      delete env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
      return { env, scenario };
    },
    title: "No GitHub OIDC token",
    says: ["permissions: id-token: write"],
  },
  {
    name: "AADSTS70021: no federated credential for this subject",
    group: "shared",
    arrange: async () => {
      const arranged = await plain("fic");
      cloud.github.setOidcSubject("repo:contoso/platform:ref:refs/heads/feature");
      return arranged;
    },
    restore: (s) => cloud.github.setOidcSubject(s.subject),
    title: "No matching federated credential",
    says: [
      () => `issuer:   ${cloud.github.oidc.issuer}`,
      "subject:  repo:contoso/platform:ref:refs/heads/feature",
      "audience: api://AzureADTokenExchange",
      "--subject 'repo:contoso/platform:ref:refs/heads/feature'",
      "az identity federated-credential create",
    ],
  },
  {
    name: "AADSTS700024: the OIDC token is expired on arrival",
    group: "shared",
    arrange: async () => {
      const arranged = await plain("expired");
      cloud.github.setTokenLifetime(0);
      return arranged;
    },
    restore: () => cloud.github.setTokenLifetime(300),
    title: "GitHub token expired",
    says: ["AADSTS700024", "clock"],
  },
  {
    name: "the workflow's GITHUB_TOKEN cannot manage deploy keys",
    group: "isolated",
    arrange: async () => {
      const scenario = await seed("ghtoken");
      cloud.github.addToken(WORKFLOW_TOKEN, {
        repos: [`${scenario.owner}/${scenario.repo}`],
        permissions: { contents: "read", metadata: "read" },
        kind: "github_token",
      });
      return { env: actionEnv(cloud, scenario, { "github-token": WORKFLOW_TOKEN }), scenario };
    },
    title: "GitHub token lacks Administration: write",
    says: ["Administration: read and write", "GITHUB_TOKEN can never manage deploy keys", "actions/create-github-app-token"],
  },
  {
    name: "deploy keys disabled by organisation policy",
    group: "isolated",
    arrange: async () => {
      const arranged = await plain("nokeys");
      cloud.github.setDeployKeysDisabled(`${arranged.scenario.owner}/${arranged.scenario.repo}`, true);
      return arranged;
    },
    title: "Deploy keys are disabled",
    says: ["organization or enterprise policy", "deploy_keys_enabled_for_repositories=true"],
  },
  {
    name: "resource provider not registered and register-providers false",
    group: "after",
    arrange: async () => {
      const arranged = await plain("provider", { "register-providers": "false" });
      const { subscriptionId, clientId } = arranged.scenario;
      cloud.azure.setProviderState(subscriptionId, "Microsoft.KubernetesConfiguration", "NotRegistered");
      // Reading registrations needs a role at subscription scope.
      cloud.azure.grantRole({ clientId, scope: `/subscriptions/${subscriptionId}`, role: "Reader" });
      return arranged;
    },
    restore: (s) => cloud.azure.setProviderState(s.subscriptionId, "Microsoft.KubernetesConfiguration", "Registered"),
    title: "Resource provider not registered",
    says: [
      (s) => `az provider register --namespace Microsoft.KubernetesConfiguration --subscription ${s.subscriptionId} --wait`,
      "register-providers: true",
    ],
  },
  {
    name: "principal lacks a role on the cluster",
    group: "isolated",
    arrange: () => plain("reader", {}, { roles: ["Reader"] }),
    title: "Azure role missing",
    says: ["az role assignment create --assignee", (s) => `--scope ${s.clusterId}\n`, "Microsoft.KubernetesConfiguration/extensions/write"],
  },
  {
    name: "cluster not found",
    group: "isolated",
    arrange: async () => {
      const scenario = await seed("ghost-home");
      cloud.azure.addResourceGroup(scenario.subscriptionId, "rg-empty");
      cloud.azure.grantRole({
        clientId: scenario.clientId,
        scope: `/subscriptions/${scenario.subscriptionId}/resourceGroups/rg-empty`,
        role: "Reader",
      });
      return { env: actionEnv(cloud, scenario, { "resource-group": "rg-empty", "cluster-name": "aks-ghost" }), scenario };
    },
    title: "Cluster not found",
    says: [
      (s) => `/subscriptions/${s.subscriptionId}/resourceGroups/rg-empty/providers/Microsoft.ContainerService/managedClusters/aks-ghost`,
      "connectedClusters",
      "cluster-type",
    ],
  },
  {
    name: "the flux extension fails to install",
    group: "shared",
    arrange: async () => {
      const arranged = await plain("extfail");
      cloud.azure.failNextOperation(
        "extension",
        "Helm installation failed: pods in flux-system are Pending: 0/1 nodes are available: insufficient cpu",
      );
      return arranged;
    },
    title: "Flux extension failed",
    says: ["Its status messages:", "insufficient cpu", "az k8s-extension delete --force"],
  },
  {
    name: "known hosts: the pinned fingerprint matches no host key",
    group: "isolated",
    arrange: () => plain("pin", { "ssh-host-fingerprints": "SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8" }),
    title: "Host keys not verified",
    says: ["SHA256:nThbg6kXUpJWGl7E1IGOCspRomTxdCARLviKw6E5SY8", "update `ssh-host-fingerprints`"],
  },
  {
    // Found by Flux: with the repository check (on by default) the same mistake fails before any write
    // (__tests__/repository-check.test.ts).
    name: "kustomization path not in the repository (repository-check: false: found by Flux)",
    group: "reconciles",
    arrange: () => plain("nopath", { path: "clusters/nope", "repository-check": "false" }),
    title: "Kustomization path not found",
    says: ["clusters/nope", "Fix `path` / `kustomizations`"],
  },
  {
    name: "Permission denied (publickey): deploy keys disabled after bootstrap",
    group: "reconciles",
    arrange: async () => {
      const arranged = await plain("revoked");
      const first = await runAction(arranged.env);
      assert.equal(first.code, 0, first.everything);
      const repo = `${arranged.scenario.owner}/${arranged.scenario.repo}`;
      cloud.github.setDeployKeysDisabled(repo, true);
      await cloud.github.pushCommit(repo, "main", {
        "clusters/staging/extra.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: extra\n",
      });
      // Flux sees the push at its next scheduled fetch (sync interval), shortened here.
      cloud.azure.setAgent({ syncIntervalMs: 500 });
      return arranged;
    },
    restore: () => cloud.azure.setAgent({ syncIntervalMs: undefined }),
    title: "Git host refused the deploy key",
    says: ["Permission denied (publickey)", "organisation policy can disable deploy keys"],
  },
  {
    name: "wait-timeout: Flux does not reconcile in time",
    group: "slow",
    arrange: async () => {
      const arranged = await plain("slow", { "wait-timeout": "30s", "progress-interval": "10" });
      // The agent picks the configuration up, then reports its kustomization still in progress until long after wait-timeout.
      cloud.azure.setAgent({ progressingReports: 1000, progressStepMs: 120_000 });
      return arranged;
    },
    restore: () => cloud.azure.setAgent({ progressingReports: 1, progressStepMs: 40 }),
    title: "Timed out waiting for Flux",
    says: ["(wait-timeout)", "Last state:", "Reconciliation in progress"],
  },
];

// Not provoked here: `deploy-key-in-use` (the action generates a fresh key on every run, so no natural run can
// present a key GitHub already holds) and `extension-busy` (needs an operation outlasting wait-timeout's 30 s minimum).

async function check(c: Case, onLine?: (line: string) => void): Promise<void> {
  const { env, scenario } = await c.arrange();
  let result: ActionRun;
  try {
    result = await runAction(env, onLine ? { onLine } : {});
  } finally {
    c.restore?.(scenario);
  }
  assert.equal(result.code, 1, result.everything);
  const errors = errorAnnotations(result.stdout);
  assert.equal(errors.length, 1, `exactly one error annotation:\n${result.stdout}`);
  const [error] = errors;
  assert.equal(error?.title, c.title, result.stdout);
  for (const expected of c.says) {
    const text = typeof expected === "function" ? expected(scenario) : expected;
    if (text instanceof RegExp) assert.match(error?.message ?? "", text);
    else assert.ok(error?.message.includes(text), `message should contain ${JSON.stringify(text)}:\n${error?.message}`);
  }
  assert.match(error?.message ?? "", /See https:\/\/\S+\/troubleshooting\.md#[a-z-]+/);
  assert.ok(result.summary.includes(`What went wrong: ${c.title}`), result.summary);
}

const inGroup = (group: Case["group"]): Case[] => CASES.filter((c) => c.group === group);

test("catalogue: failures found by the Flux agent", { concurrency: true }, async (t) => {
  await Promise.all(inGroup("reconciles").map((c) => t.test(c.name, () => check(c))));
});

// The wait-timeout case needs 30 s (the least wait-timeout); once it is in its wait (token fetched, extension
// made) the other cases run meanwhile: first those that touch only their own cluster and repository, side by
// side, then one by one those that change sign-in or extension state every scenario shares.
test("catalogue: wait-timeout, and the failures before any wait while it waits", { concurrency: true }, async (t) => {
  const [slow] = inGroup("slow");
  assert.ok(slow);
  let waiting: () => void = () => undefined;
  const inWait = new Promise<void>((resolve) => (waiting = resolve));
  const slowRun = t.test(slow.name, () => check(slow, (line) => line.startsWith("::group::Wait for Flux") && waiting()));
  await inWait;
  await Promise.all(inGroup("isolated").map((c) => t.test(c.name, () => check(c))));
  for (const c of inGroup("shared")) await t.test(c.name, () => check(c));
  await slowRun;
});

test("catalogue: failures that change subscription-wide state", async (t) => {
  for (const c of inGroup("after")) await t.test(c.name, () => check(c));
});

test("docs/troubleshooting.md has an entry (symptom, cause, fix) for every ErrorCode", () => {
  const errors = readFileSync(new URL("../src/errors.ts", import.meta.url), "utf8");
  const union = /export type ErrorCode =([^;]+);/.exec(errors)?.[1] ?? "";
  const codes = [...union.matchAll(/"([a-z-]+)"/g)].map((m) => m[1] ?? "");
  assert.ok(codes.length >= 20, union);
  const docs = readFileSync(new URL("../docs/troubleshooting.md", import.meta.url), "utf8");
  const sections = new Map(
    docs
      .split(/^## /m)
      .slice(1)
      .map((part) => [part.split("\n")[0]?.trim() ?? "", part]),
  );
  for (const code of codes) {
    const section = sections.get(code);
    assert.ok(section, `## ${code} in docs/troubleshooting.md`);
    for (const part of ["**Symptom:**", "**Cause:**", "**Fix:**"]) assert.ok(section.includes(part), `${code}: ${part}`);
  }
});
