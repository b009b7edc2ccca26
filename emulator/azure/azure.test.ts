// The Azure stand-in driven through the real SDK clients: @azure/identity ClientAssertionCredential and
// @azure/arm-kubernetesconfiguration SourceControlConfigurationClient, trusting the local CA via `ca`.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { injectFault } from "../http.ts";
import { armClient, credential, httpsJson, SUBSCRIPTION, sleep, startTestCloud, trust } from "../testing/azure.ts";
import type { TestCloud } from "../testing/azure.ts";

const RG = "rg-fleet";
const AKS = ["Microsoft.ContainerService", "managedClusters"] as const;
const ARC = ["Microsoft.Kubernetes", "connectedClusters"] as const;
const LRO = { updateIntervalInMs: 10 };

let t: TestCloud;
let aksId: string;

before(async () => {
  t = await startTestCloud({ listPageSize: 1 });
  aksId = t.cloud.addCluster({
    subscriptionId: SUBSCRIPTION,
    resourceGroup: RG,
    name: "aks-1",
    type: "managedClusters",
    podIdentity: { enabled: true, exceptions: [{ name: "flux", namespace: "flux-system", podLabels: { app: "flux" } }] },
  });
  t.cloud.addCluster({ subscriptionId: SUBSCRIPTION, resourceGroup: RG, name: "arc-1", type: "connectedClusters" });
  t.cloud.grantRole({ clientId: trust(t, "deployer"), scope: `/subscriptions/${SUBSCRIPTION}`, role: "Contributor" });
  t.cloud.grantRole({ clientId: trust(t, "extension-only"), scope: aksId, role: "Kubernetes Extension Contributor" });
});
after(async () => t.stop());

function scope(): string {
  return `${t.cloud.armEndpoint}/.default`;
}

describe("Entra ID federated sign-in", () => {
  test("a matching federated credential yields an access token ARM accepts", async () => {
    const token = await credential(t, "deployer").getToken(scope());
    const res = await httpsJson(t.tls.ca, "GET", `${t.cloud.armEndpoint}${aksId}?api-version=2024-05-01`, {
      authorization: `Bearer ${token.token}`,
    });
    assert.equal(res.status, 200);
    const body = res.json as { properties: { podIdentityProfile: { enabled: boolean; userAssignedIdentityExceptions: unknown[] } } };
    assert.equal(body.properties.podIdentityProfile.enabled, true);
    assert.deepEqual(body.properties.podIdentityProfile.userAssignedIdentityExceptions, [
      { name: "flux", namespace: "flux-system", podLabels: { app: "flux" } },
    ]);
  });

  test("Subscriptions - List names the subscriptions the principal holds a role in (what az login reads)", async () => {
    const url = `${t.cloud.armEndpoint}/subscriptions?api-version=2022-12-01`;
    const deployer = await credential(t, "deployer").getToken(scope());
    const listed = await httpsJson(t.tls.ca, "GET", url, { authorization: `Bearer ${deployer.token}` });
    assert.equal(listed.status, 200);
    const value = (listed.json as { value: { subscriptionId: string; state: string; id: string }[] }).value;
    assert.deepEqual(
      value.map((s) => [s.id, s.subscriptionId, s.state]),
      [[`/subscriptions/${SUBSCRIPTION}`, SUBSCRIPTION, "Enabled"]],
    );
    const scoped = await credential(t, "extension-only").getToken(scope());
    const narrow = await httpsJson(t.tls.ca, "GET", url, { authorization: `Bearer ${scoped.token}` });
    assert.equal((narrow.json as { value: unknown[] }).value.length, 1, "a role at a cluster still lists its subscription");
    const anonymous = await httpsJson(t.tls.ca, "GET", url, {});
    assert.equal(anonymous.status, 401);
  });

  test("no matching federated credential -> AADSTS70021 naming issuer, subject and audience", async () => {
    t.github.setOidcSubject("repo:octo-org/fleet:ref:refs/heads/feature");
    try {
      await assert.rejects(credential(t, "deployer").getToken(scope()), (error: Error) => {
        assert.match(error.message, /AADSTS70021: No matching federated identity record found for presented assertion\./);
        assert.match(error.message, /Assertion Subject: 'repo:octo-org\/fleet:ref:refs\/heads\/feature'/);
        assert.ok(error.message.includes(`Assertion Issuer: '${t.github.oidc.issuer}'`));
        return true;
      });
    } finally {
      t.github.setOidcSubject("repo:octo-org/fleet:ref:refs/heads/main");
    }
  });

  test("an expired assertion -> AADSTS700024", async () => {
    t.github.setTokenLifetime(0);
    try {
      await assert.rejects(
        credential(t, "deployer").getToken(scope()),
        /AADSTS700024: Client assertion is not within its valid time range\. Current time: .*, assertion valid from .*, expiry time of assertion /,
      );
    } finally {
      t.github.setTokenLifetime(300);
    }
  });

  test("an expired access token is refused by ARM and the SDK fetches a new one", async () => {
    t.cloud.setAccessTokenLifetime(1);
    try {
      const old = await credential(t, "deployer").getToken(scope());
      await sleep(1100);
      const res = await httpsJson(t.tls.ca, "GET", `${t.cloud.armEndpoint}${aksId}?api-version=2024-05-01`, {
        authorization: `Bearer ${old.token}`,
      });
      assert.equal(res.status, 401);
      assert.equal((res.json as { error: { code: string } }).error.code, "ExpiredAuthenticationToken");
      const client = armClient(t, "deployer");
      const before = t.cloud.accessTokensIssued();
      for await (const _ of client.extensions.list(RG, ...AKS, "aks-1")) {
        /* drain */
      }
      await sleep(1100);
      for await (const _ of client.extensions.list(RG, ...AKS, "aks-1")) {
        /* drain */
      }
      assert.ok(t.cloud.accessTokensIssued() >= before + 2, "a new access token for each expired one");
    } finally {
      t.cloud.setAccessTokenLifetime(3599);
    }
  });
});

describe("ARM", () => {
  test("extension PUT, PATCH and DELETE are long-running operations polled through Azure-AsyncOperation", async () => {
    const client = armClient(t, "deployer");
    const created = await client.extensions.beginCreateAndWait(
      RG,
      ...AKS,
      "aks-1",
      "flux",
      { extensionType: "microsoft.flux", autoUpgradeMinorVersion: true },
      LRO,
    );
    assert.equal(created.provisioningState, "Succeeded");
    // Auto-upgrade: the newest version of the train (extension-versions.ts).
    assert.equal(created.currentVersion, "1.24.1");
    assert.deepEqual(created.scope, { cluster: { releaseNamespace: "flux-system" } });
    const put = t.traffic.log.find((r) => r.method === "PUT" && r.path.includes("/extensions/flux"));
    assert.equal(put?.status, 201);
    assert.ok(
      t.traffic.log.some((r) => r.method === "GET" && /\/extensions\/flux\/operations\/[0-9a-f-]+\?api-version=2023-05-01/.test(r.path)),
    );

    const updated = await client.extensions.beginUpdateAndWait(
      RG,
      ...AKS,
      "aks-1",
      "flux",
      { configurationSettings: { "multiTenancy.enforce": "false" } },
      LRO,
    );
    assert.deepEqual(updated.configurationSettings, { "multiTenancy.enforce": "false" });
    assert.equal(t.traffic.log.findLast((r) => r.method === "PATCH")?.status, 202);

    await client.extensions.beginUpdateAndWait(
      RG,
      ...AKS,
      "aks-1",
      "flux",
      { configurationSettings: { "multiTenancy.enforce": "false" } },
      LRO,
    );
    assert.equal(t.traffic.log.findLast((r) => r.method === "PATCH")?.status, 200, "a PATCH that changes nothing answers 200");

    await client.extensions.beginCreateAndWait(
      RG,
      ...AKS,
      "aks-1",
      "other",
      { extensionType: "microsoft.dapr", autoUpgradeMinorVersion: false, version: "1.13.0" },
      LRO,
    );
    const names: string[] = [];
    for await (const e of client.extensions.list(RG, ...AKS, "aks-1")) names.push(e.name ?? "");
    assert.deepEqual(names.sort(), ["flux", "other"]);
    assert.ok(
      t.traffic.log.some((r) => r.path.includes("$skipToken=1")),
      "second page fetched through nextLink",
    );
    assert.equal(t.cloud.getExtension(aksId, "other")?.properties["currentVersion"], "1.13.0", "a pinned version is honoured");

    await client.extensions.beginDeleteAndWait(RG, ...AKS, "aks-1", "other", { forceDelete: true, ...LRO });
    assert.equal(t.traffic.log.findLast((r) => r.method === "DELETE")?.status, 202);
    await assert.rejects(client.extensions.get(RG, ...AKS, "aks-1", "other"), { statusCode: 404, code: "ResourceNotFound" });
    assert.deepEqual(t.cloud.deletions().at(-1), {
      resourceId: `${aksId}/providers/Microsoft.KubernetesConfiguration/extensions/other`,
      forceDelete: true,
    });
    await client.extensions.beginDeleteAndWait(RG, ...AKS, "aks-1", "other", LRO);
    assert.equal(t.traffic.log.findLast((r) => r.method === "DELETE")?.status, 204, "deleting an absent extension answers 204");
  });

  test("protected settings are hidden on GET, kept by a PATCH without them and replaced by a PATCH with them", async () => {
    const client = armClient(t, "deployer");
    const config = {
      sourceKind: "GitRepository",
      namespace: "flux-system",
      gitRepository: { url: "ssh://git@localhost:1/octo-org/fleet.git", repositoryRef: { branch: "main" }, sshKnownHosts: "" },
      kustomizations: { infra: { path: "./clusters/prod" } },
      configurationProtectedSettings: { sshPrivateKey: "S0VZMQo=", extra: "eA==" },
    };
    const created = await client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...ARC, "arc-1", "fleet", config, LRO);
    assert.deepEqual(created.configurationProtectedSettings, {});
    assert.equal(created.provisioningState, "Succeeded");
    assert.equal(created.kustomizations?.["infra"]?.wait, true);
    const arcId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Kubernetes/connectedClusters/arc-1`;
    assert.deepEqual(t.cloud.getFluxConfiguration(arcId, "fleet")?.configurationProtectedSettings, {
      sshPrivateKey: "S0VZMQo=",
      extra: "eA==",
    });

    await client.fluxConfigurations.beginUpdateAndWait(
      RG,
      ...ARC,
      "arc-1",
      "fleet",
      { gitRepository: { repositoryRef: { branch: "release" } } },
      LRO,
    );
    const kept = t.cloud.getFluxConfiguration(arcId, "fleet");
    assert.deepEqual(kept?.configurationProtectedSettings, { sshPrivateKey: "S0VZMQo=", extra: "eA==" });
    assert.deepEqual((kept?.properties["gitRepository"] as { repositoryRef: unknown }).repositoryRef, { branch: "release" });

    await client.fluxConfigurations.beginUpdateAndWait(
      RG,
      ...ARC,
      "arc-1",
      "fleet",
      { configurationProtectedSettings: { sshPrivateKey: "S0VZMgo=" } },
      LRO,
    );
    assert.deepEqual(t.cloud.getFluxConfiguration(arcId, "fleet")?.configurationProtectedSettings, { sshPrivateKey: "S0VZMgo=" });
    const read = await client.fluxConfigurations.get(RG, ...ARC, "arc-1", "fleet");
    assert.deepEqual(read.configurationProtectedSettings, {});
    assert.equal(JSON.stringify(t.traffic.log).includes("S0VZMgo="), false, "the traffic log redacts protected settings");

    await assert.rejects(
      client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...ARC, "arc-1", "fleet", { ...config, namespace: "other" }, LRO),
      (error: Error & { statusCode?: number }) => error.statusCode === 400 && /cannot be changed after creation/.test(error.message),
    );
    await client.fluxConfigurations.beginDeleteAndWait(RG, ...ARC, "arc-1", "fleet", LRO);
    assert.equal(t.cloud.getFluxConfiguration(arcId, "fleet"), undefined);
  });

  test("a principal without a role covering the action gets 403 AuthorizationFailed", async () => {
    const client = armClient(t, "extension-only");
    for await (const _ of client.extensions.list(RG, ...AKS, "aks-1")) {
      /* allowed */
    }
    await assert.rejects(
      client.fluxConfigurations.get(RG, ...AKS, "aks-1", "fleet"),
      (error: Error & { statusCode?: number; code?: string }) => {
        assert.equal(error.statusCode, 403);
        assert.equal(error.code, "AuthorizationFailed");
        assert.match(
          error.message,
          /The client 'extension-only' with object id 'extension-only' does not have authorization to perform action 'Microsoft\.KubernetesConfiguration\/fluxConfigurations\/read' over scope '.*\/fluxConfigurations\/fleet' or the scope is invalid\./,
        );
        return true;
      },
    );
  });

  test("a missing cluster or resource group is a 404 in ARM's shape", async () => {
    const client = armClient(t, "deployer");
    await assert.rejects(
      client.extensions.get(RG, ...AKS, "nope", "flux"),
      (error: Error & { statusCode?: number; code?: string }) =>
        error.statusCode === 404 &&
        error.code === "ResourceNotFound" &&
        error.message ===
          `The Resource 'Microsoft.ContainerService/managedClusters/nope' under resource group '${RG}' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix`,
    );
    await assert.rejects(client.extensions.get("rg-missing", ...AKS, "aks-1", "flux"), { statusCode: 404, code: "ResourceGroupNotFound" });
  });

  test("a wrong api-version is refused with 400", async () => {
    const token = await credential(t, "deployer").getToken(scope());
    const url = `${t.cloud.armEndpoint}${aksId}/providers/Microsoft.KubernetesConfiguration/extensions?api-version=2099-01-01`;
    const res = await httpsJson(t.tls.ca, "GET", url, { authorization: `Bearer ${token.token}` });
    assert.equal(res.status, 400);
    assert.equal((res.json as { error: { code: string } }).error.code, "NoRegisteredProviderFound");
    const missing = await httpsJson(t.tls.ca, "GET", url.replace(/\?.*$/, ""), { authorization: `Bearer ${token.token}` });
    assert.equal((missing.json as { error: { code: string } }).error.code, "MissingApiVersionParameter");
  });

  test("an unregistered Microsoft.KubernetesConfiguration gives 409 until the provider is registered", async () => {
    const subscription = "33333333-3333-3333-3333-333333333333";
    t.cloud.addCluster({ subscriptionId: subscription, resourceGroup: RG, name: "aks-2", type: "managedClusters" });
    t.cloud.setProviderState(subscription, "Microsoft.KubernetesConfiguration", "NotRegistered");
    t.cloud.grantRole({ clientId: "deployer", scope: `/subscriptions/${subscription}`, role: "Contributor" });
    const client = armClient(t, "deployer", subscription);
    await assert.rejects(
      client.extensions.get(RG, ...AKS, "aks-2", "flux"),
      (error: Error & { statusCode?: number; code?: string }) =>
        error.statusCode === 409 &&
        error.code === "MissingSubscriptionRegistration" &&
        error.message ===
          "The subscription is not registered to use namespace 'Microsoft.KubernetesConfiguration'. See https://aka.ms/rps-not-found for how to register subscriptions.",
    );
    const token = await credential(t, "deployer").getToken(scope());
    const base = `${t.cloud.armEndpoint}/subscriptions/${subscription}/providers/Microsoft.KubernetesConfiguration`;
    const registered = await httpsJson(t.tls.ca, "POST", `${base}/register?api-version=2021-04-01`, {
      authorization: `Bearer ${token.token}`,
    });
    assert.equal((registered.json as { registrationState: string }).registrationState, "Registering");
    let state = "";
    for (let i = 0; i < 100 && state !== "Registered"; i += 1) {
      await sleep(10);
      state = (
        (await httpsJson(t.tls.ca, "GET", `${base}?api-version=2021-04-01`, { authorization: `Bearer ${token.token}` })).json as {
          registrationState: string;
        }
      ).registrationState;
    }
    assert.equal(state, "Registered");
    await assert.rejects(client.extensions.get(RG, ...AKS, "aks-2", "flux"), { statusCode: 404, code: "ResourceNotFound" });
  });

  test("failNextOperation makes the long-running operation end Failed", async () => {
    const client = armClient(t, "deployer");
    t.cloud.failNextOperation("extension", "helm install failed: simulated");
    await assert.rejects(
      client.extensions.beginCreateAndWait(
        RG,
        ...ARC,
        "arc-1",
        "flux",
        { extensionType: "microsoft.flux", autoUpgradeMinorVersion: true },
        LRO,
      ),
      /The long-running operation has failed\. ExtensionOperationFailed\. helm install failed: simulated/,
    );
    const stored = t.cloud.getExtension(
      `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.Kubernetes/connectedClusters/arc-1`,
      "flux",
    );
    assert.equal(stored?.properties["provisioningState"], "Failed");
    assert.match(JSON.stringify(stored?.properties["statuses"]), /helm install failed: simulated/);
    const retried = await client.extensions.beginCreateAndWait(
      RG,
      ...ARC,
      "arc-1",
      "flux",
      { extensionType: "microsoft.flux", identity: { type: "SystemAssigned" } },
      LRO,
    );
    assert.equal(retried.provisioningState, "Succeeded");
    assert.equal(retried.identity?.type, "SystemAssigned");
    assert.ok(retried.identity?.principalId, "connected clusters get a system-assigned identity recorded");
  });

  test("an injected 503 with Retry-After is retried by the SDK", async () => {
    const client = armClient(t, "deployer");
    const hits = injectFault(t.traffic, {
      service: "arm",
      method: "GET",
      path: "/extensions/flux",
      kind: "status",
      status: 503,
      retryAfter: 0,
      times: 1,
    });
    const extension = await client.extensions.get(RG, ...AKS, "aks-1", "flux");
    assert.equal(extension.name, "flux");
    assert.equal(hits(), 1);
  });
});
