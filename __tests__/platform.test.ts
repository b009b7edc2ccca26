// Preflight and platform coverage through the local cloud: resource provider registration, AAD pod identity,
// Azure Arc (connectedClusters), sovereign clouds' defaults, and GitHub Enterprise Server without /meta ssh_keys.
import { describe, test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario } from "../emulator/index.ts";
import { errorAnnotations, type Annotation } from "./support/annotations.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";
import { actionDefaults } from "../emulator/runner-env.ts";
import { getSettings } from "../src/inputs/index.ts";
import { inputEnv } from "../emulator/runner-env.ts";

let cloud: LocalCloud;

before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

/** A scenario with its own GitHub token (seedScenario re-points the shared one at the newest repository). */
const seed = async (name: string, options: Parameters<typeof seedScenario>[1] = {}): Promise<Scenario> => {
  const scenario = await seedScenario(cloud, { clusterName: `aks-${name}`, repo: `cfg-${name}`, ...options });
  const token = `ghs_platform${name.replace(/[^a-z]/g, "")}${"0".repeat(24)}`;
  cloud.github.addToken(token, {
    repos: [`${scenario.owner}/${scenario.repo}`],
    permissions: { administration: "write", metadata: "read", contents: "read" },
    kind: "app",
  });
  return { ...scenario, token };
};

function errorOf(result: ActionRun): Annotation | undefined {
  return errorAnnotations(result.stdout)[0];
}

const KC = "Microsoft.KubernetesConfiguration";

test("preflight registers an unregistered provider when register-providers is true", async () => {
  const scenario = await seed("register");
  cloud.azure.setProviderState(scenario.subscriptionId, KC, "NotRegistered");
  cloud.azure.grantRole({ clientId: scenario.clientId, scope: `/subscriptions/${scenario.subscriptionId}`, role: "Contributor" });
  const result = await runAction(actionEnv(cloud, scenario, { "register-providers": "true" }));
  assert.equal(result.code, 0, result.everything);
  assert.ok(
    cloud
      .writes({ service: "arm" })
      .some((r) => r.method === "POST" && r.path.startsWith(`/subscriptions/${scenario.subscriptionId}/providers/${KC}/register?`)),
    "POSTed register",
  );
  assert.match(result.summary, /Resource provider registered: Microsoft\.KubernetesConfiguration\./);
  assert.equal(result.outputs["compliance-state"], "Compliant");
});

test("preflight refuses with the exact az provider register command when it may not, or must not, register", async () => {
  const scenario = await seed("noregister");
  const command = `az provider register --namespace ${KC} --subscription ${scenario.subscriptionId} --wait`;
  cloud.azure.setProviderState(scenario.subscriptionId, KC, "NotRegistered");
  try {
    const refused = await runAction(actionEnv(cloud, scenario, { "register-providers": "false" }));
    assert.equal(refused.code, 1, refused.everything);
    assert.equal(errorOf(refused)?.title, "Resource provider not registered");
    assert.ok(errorOf(refused)?.message.includes(command), refused.stdout);

    // A principal that may read but not register (Reader on the subscription; the Contributor grant of the
    // previous test is on its own scope, so use a client without it).
    const readerClient = "9f8e7d6c-5b4a-4c3d-8e2f-1a0b9c8d7e6f";
    cloud.azure.addFederatedCredential({
      tenantId: scenario.tenantId,
      clientId: readerClient,
      issuer: cloud.github.oidc.issuer,
      subject: scenario.subject,
      audience: "api://AzureADTokenExchange",
    });
    cloud.azure.grantRole({ clientId: readerClient, scope: `/subscriptions/${scenario.subscriptionId}`, role: "Reader" });
    cloud.azure.grantRole({ clientId: readerClient, scope: scenario.clusterId, role: "Kubernetes Extension Contributor" });
    const forbidden = await runAction(actionEnv(cloud, scenario, { "client-id": readerClient, "register-providers": "true" }));
    assert.equal(forbidden.code, 1, forbidden.everything);
    assert.equal(errorOf(forbidden)?.title, "Resource provider not registered");
    assert.ok(errorOf(forbidden)?.message.includes("may not register it"), forbidden.stdout);
    assert.ok(errorOf(forbidden)?.message.includes(command), forbidden.stdout);
  } finally {
    cloud.azure.setProviderState(scenario.subscriptionId, KC, "Registered");
  }
});

// These only touch their own cluster and repository (and add a federated credential): run side by side.
describe("clusters and clouds", { concurrency: true }, () => {
  const EXCEPTION =
    "az aks pod-identity exception add --resource-group rg-platform --cluster-name aks-podid --namespace flux-system --name flux-extension --pod-labels app.kubernetes.io/name=flux-extension";

  test("AAD pod identity without the Flux exception: fail names the exception to add, warn warns and goes on", async () => {
    const scenario = await seed("podid", { podIdentity: { enabled: true, exceptions: [] } });
    const failed = await runAction(actionEnv(cloud, scenario, { "pod-identity-check": "fail" }));
    assert.equal(failed.code, 1, failed.everything);
    assert.equal(errorOf(failed)?.title, "AAD pod identity blocks Flux");
    assert.ok(errorOf(failed)?.message.includes(EXCEPTION), failed.stdout);
    assert.deepEqual(
      cloud.writes({ service: "arm" }).filter((r) => r.path.includes("/aks-podid/")),
      [],
      "nothing written before the check",
    );

    const warned = await runAction(actionEnv(cloud, scenario, { "pod-identity-check": "warn" }));
    assert.equal(warned.code, 0, warned.everything);
    assert.ok(
      warned.stdout.split("\n").some((l) => l.startsWith("::warning") && l.includes("az aks pod-identity exception add")),
      warned.stdout,
    );
  });

  test("AAD pod identity with the Flux exception passes without a warning", async () => {
    const scenario = await seed("podid-ok", {
      podIdentity: {
        enabled: true,
        exceptions: [{ name: "flux-extension", namespace: "flux-system", podLabels: { "app.kubernetes.io/name": "flux-extension" } }],
      },
    });
    const result = await runAction(actionEnv(cloud, scenario));
    assert.equal(result.code, 0, result.everything);
    assert.doesNotMatch(result.stdout, /pod-identity/);
  });

  test("the wrong cluster-type is named as such, even when the role covers only the real cluster", async () => {
    const scenario = await seed("arcwrong", { clusterType: "connectedClusters" });
    const mark = cloud.traffic.log.length;
    const result = await runAction(actionEnv(cloud, scenario));
    assert.equal(result.code, 1, result.everything);
    assert.equal(errorOf(result)?.title, "Wrong cluster-type");
    assert.match(errorOf(result)?.message ?? "", /Set `cluster-type: connectedClusters`/);
    // Other tests of this group run alongside: only this scenario's cluster and repository count.
    const mine = cloud.traffic.log.slice(mark).filter((r) => r.path.includes("arcwrong"));
    assert.ok(mine.length > 0, "the run's requests are in the log");
    assert.deepEqual(
      cloud.writes({ since: mark }).filter((r) => r.path.includes("arcwrong")),
      [],
    );
  });

  test("Azure Arc: connectedClusters resources under Microsoft.Kubernetes, the extension with a SystemAssigned identity", async () => {
    const scenario = await seed("arc", { clusterType: "connectedClusters" });
    assert.match(scenario.clusterId, /\/providers\/Microsoft\.Kubernetes\/connectedClusters\/aks-arc$/);
    const result = await runAction(actionEnv(cloud, scenario, { "cluster-type": "connectedClusters" }));
    assert.equal(result.code, 0, result.everything);
    assert.equal(cloud.azure.getExtension(scenario.clusterId, "flux")?.identity?.["type"], "SystemAssigned");
    assert.ok(
      result.outputs["flux-configuration-id"]?.startsWith(
        `${scenario.clusterId}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/`,
      ),
    );
    assert.equal(result.outputs["compliance-state"], "Compliant");
  });

  test("AzureUSGovernment through the local cloud: the token asks for the USGov audience the federated credential must have", async () => {
    const scenario = await seed("usgov");
    const inputs = { "azure-cloud": "AzureUSGovernment" };
    const refused = await runAction(actionEnv(cloud, scenario, inputs));
    assert.equal(refused.code, 1, refused.everything);
    assert.equal(errorOf(refused)?.title, "No matching federated credential");
    assert.ok(errorOf(refused)?.message.includes("audience: api://AzureADTokenExchangeUSGov"), refused.stdout);

    cloud.azure.addFederatedCredential({
      tenantId: scenario.tenantId,
      clientId: scenario.clientId,
      issuer: cloud.github.oidc.issuer,
      subject: scenario.subject,
      audience: "api://AzureADTokenExchangeUSGov",
    });
    const result = await runAction(actionEnv(cloud, scenario, inputs));
    assert.equal(result.code, 0, result.everything);
    assert.ok(
      cloud.traffic.log.some(
        (r) => r.service === "oidc" && decodeURIComponent(r.path).includes("audience=api://AzureADTokenExchangeUSGov"),
      ),
      "OIDC token for the USGov audience",
    );
    assert.match(result.summary, /\(https:\/\/portal\.azure\.us\/#@\/resource/);
  });
});

const BASE_INPUTS: Record<string, string> = {
  "subscription-id": "6b0c1f3e-3f5e-4d8e-9a51-2f1d5c0e7a11",
  "tenant-id": "72f988bf-86f1-41af-91ab-2d7cd011db47",
  "client-id": "4a3c2b1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0",
  "resource-group": "rg",
  "cluster-name": "aks",
  "github-token": "ghs_x",
  repository: "o/r",
  path: "clusters/x",
  "register-providers": "true",
  "pod-identity-check": "fail",
};

const SOVEREIGN = [
  ["AzureCloud", "https://login.microsoftonline.com", "https://management.azure.com", "api://AzureADTokenExchange"],
  ["AzureUSGovernment", "https://login.microsoftonline.us", "https://management.usgovcloudapi.net", "api://AzureADTokenExchangeUSGov"],
  ["AzureChinaCloud", "https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn", "api://AzureADTokenExchangeChina"],
] as const;

for (const [cloudName, authority, arm, audience] of SOVEREIGN) {
  test(`azure-cloud ${cloudName} sets authority host, ARM endpoint and default audience`, () => {
    const inputs = { ...BASE_INPUTS, "azure-cloud": cloudName };
    const env = { ...actionDefaults(), ...inputEnv(inputs) };
    const settings = getSettings(env);
    assert.equal(settings.azure.authorityHost, authority);
    assert.equal(settings.azure.armEndpoint, arm);
    assert.equal(settings.azure.audience, audience);
    assert.equal(getSettings({ ...env, INPUT_AUDIENCE: "api://custom" }).azure.audience, "api://custom");
  });
}

function sha256Fingerprint(publicLine: string): string {
  const blob = Buffer.from(publicLine.split(" ")[1] ?? "", "base64");
  return `SHA256:${createHash("sha256").update(blob).digest("base64").replace(/=+$/, "")}`;
}

test("GHES without /meta ssh_keys: known-hosts with pinned fingerprints works; without them it fails closed", async () => {
  const scenario = await seed("ghes");
  const knownHosts = cloud.github.hostKeys.map((line) => `[localhost]:${cloud.github.sshPort} ${line}`).join("\n");
  const pins = cloud.github.hostKeys.map(sha256Fingerprint).join(",");
  cloud.github.setMetaMode("no-ssh-keys");
  try {
    const unpinned = await runAction(actionEnv(cloud, scenario));
    assert.equal(unpinned.code, 1, unpinned.everything);
    assert.equal(errorOf(unpinned)?.title, "No host keys to verify");
    assert.match(errorOf(unpinned)?.message ?? "", /publishes no ssh_keys.*Set `known-hosts`.*`ssh-host-fingerprints`/s);

    const linesOnly = await runAction(actionEnv(cloud, scenario, { "known-hosts": knownHosts }));
    assert.equal(linesOnly.code, 1, linesOnly.everything);
    assert.match(errorOf(linesOnly)?.message ?? "", /ssh-host-fingerprints/);
    assert.deepEqual(cloud.github.deployKeys(`${scenario.owner}/${scenario.repo}`), [], "nothing added before host keys are trusted");

    const pinned = await runAction(actionEnv(cloud, scenario, { "known-hosts": knownHosts, "ssh-host-fingerprints": pins }));
    assert.equal(pinned.code, 0, pinned.everything);
    assert.equal(pinned.outputs["compliance-state"], "Compliant");
    assert.match(pinned.summary, /pinned ssh-host-fingerprints/);
    assert.equal(pinned.outputs["known-hosts"]?.trim().split("\n").length, cloud.github.hostKeys.length);
  } finally {
    cloud.github.setMetaMode("full");
  }
});
