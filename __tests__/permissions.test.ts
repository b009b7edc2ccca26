// Missing permissions, each with its own actionable message (what to grant, where), and no deploy key left behind.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario, type ScenarioOptions } from "../emulator/index.ts";
import { errorAnnotations } from "./support/annotations.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";

let cloud: LocalCloud;
let counter = 0;

before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

interface Case {
  readonly name: string;
  readonly options?: ScenarioOptions;
  readonly arrange?: (s: Scenario) => void | Promise<void>;
  readonly inputs?: (s: Scenario) => Record<string, string>;
  readonly title: RegExp;
  readonly message: readonly RegExp[];
}

const CASES: readonly Case[] = [
  {
    name: "GitHub token without Administration: write",
    arrange: (s) =>
      cloud.github.addToken("ghp_readOnlyAdministration000000000", {
        repos: [`${s.owner}/${s.repo}`],
        permissions: { administration: "read", contents: "read" },
        kind: "pat",
      }),
    inputs: () => ({ "github-token": "ghp_readOnlyAdministration000000000" }),
    title: /Administration/,
    message: [/Administration: read and write/, /GitHub App installation token|fine-grained PAT/],
  },
  {
    name: "the workflow's GITHUB_TOKEN",
    arrange: (s) =>
      cloud.github.addToken("ghs_workflowGithubToken00000000000", {
        repos: [`${s.owner}/${s.repo}`],
        permissions: { administration: "write", contents: "read" },
        kind: "github_token",
      }),
    inputs: () => ({ "github-token": "ghs_workflowGithubToken00000000000" }),
    title: /Administration/,
    message: [/GITHUB_TOKEN can never manage deploy keys/],
  },
  {
    name: "deploy keys disabled by organization policy",
    arrange: (s) => cloud.github.setDeployKeysDisabled(`${s.owner}/${s.repo}`, true),
    title: /Deploy keys are disabled/,
    message: [/Organization settings/, /deploy_keys_enabled_for_repositories/],
  },
  {
    name: "Azure principal with only Reader",
    options: { roles: ["Reader"] },
    title: /Azure role missing/,
    message: [/extensions\/write|fluxConfigurations\/write/, /az role assignment create/, /--scope \/subscriptions\//],
  },
  {
    // The role cannot read the cluster: Azure answers as it would for a wrong name, so both causes are named.
    name: "Azure principal with only Kubernetes Extension Contributor",
    options: { roles: ["Kubernetes Extension Contributor"] },
    title: /Cluster not readable: wrong name or no role/,
    message: [/az role assignment create --assignee 4a3c2b1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0 /, /--scope \/subscriptions\//, /az aks list/],
  },
  {
    name: "Kubernetes Extension Contributor + Reader (no fluxConfigurations actions)",
    options: { roles: ["Kubernetes Extension Contributor", "Reader"] },
    title: /Azure role missing/,
    message: [/fluxConfigurations\/write/, /Kubernetes Extension Contributor has only extensions/, /--scope \/subscriptions\//],
  },
  {
    name: "no federated credential matches (AADSTS70021)",
    arrange: () => cloud.github.setOidcSubject("repo:contoso/platform:ref:refs/heads/feature"),
    title: /No matching federated credential/,
    message: [
      /issuer: +https:\/\/localhost:\d+/,
      /subject: +repo:contoso\/platform:ref:refs\/heads\/feature/,
      /audience: +api:\/\/AzureADTokenExchange/,
      /federated-credential create/,
    ],
  },
  {
    name: "provider not registered and not registrable",
    arrange: (s) => {
      cloud.azure.setProviderState(s.subscriptionId, "Microsoft.KubernetesConfiguration", "NotRegistered");
      cloud.azure.grantRole({ clientId: s.clientId, scope: `/subscriptions/${s.subscriptionId}`, role: "Reader" });
    },
    title: /Resource provider not registered/,
    message: [
      /Microsoft\.KubernetesConfiguration/,
      /az provider register --namespace Microsoft\.KubernetesConfiguration/,
      /register\/action|subscription owner/,
    ],
  },
];

function failureText(run: ActionRun): string {
  return errorAnnotations(run.stdout)
    .map((a) => `::error title=${a.title}::${a.message}`)
    .join("\n");
}

for (const c of CASES) {
  test(`${c.name}: an actionable message and no deploy key left`, async () => {
    counter += 1;
    const scenario = await seedScenario(cloud, { clusterName: `aks-p${counter}`, repo: `cfg-p${counter}`, ...c.options });
    try {
      await c.arrange?.(scenario);
      const mark = cloud.traffic.log.length;
      const run = await runAction(actionEnv(cloud, scenario, c.inputs?.(scenario) ?? {}));
      assert.notEqual(run.code, 0, run.everything);
      const text = failureText(run);
      assert.match(text, /::error title=/, run.everything);
      const title = errorAnnotations(run.stdout)[0]?.title ?? "";
      assert.match(title, c.title, text);
      for (const pattern of c.message) assert.match(text, pattern, text);
      assert.match(text, /troubleshooting\.md#/, "names the troubleshooting entry");
      // The request log: any deploy key added was deleted again, and none is left.
      const requests = cloud.traffic.log.slice(mark).filter((r) => r.service === "github" && /\/keys/.test(r.path));
      const added = requests.filter((r) => r.method === "POST" && r.status === 201).length;
      const deleted = requests.filter((r) => r.method === "DELETE" && r.status === 204).length;
      assert.equal(added, deleted, `keys added ${added}, deleted ${deleted}`);
      assert.deepEqual(cloud.github.deployKeys(`${scenario.owner}/${scenario.repo}`), []);
      console.log(
        `${c.name}: [${title}] ${
          text
            .split("\n")[0]
            ?.replace(/^::error title=.*?::/, "")
            .slice(0, 160) ?? ""
        }`,
      );
    } finally {
      cloud.github.setOidcSubject(scenario.subject);
    }
  });
}
