// rotate, destroy and plan through the local cloud (issue 5), and apply's promises on failure (issue 4).
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";

let cloud: LocalCloud;

before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

const repoOf = (s: Scenario): string => `${s.owner}/${s.repo}`;

async function bootstrapped(name: string): Promise<Scenario> {
  const scenario = await seedScenario(cloud, { clusterName: `aks-${name}`, repo: `cfg-${name}` });
  const first = await runAction(actionEnv(cloud, scenario));
  assert.equal(first.code, 0, first.everything);
  return scenario;
}

function writesSince(mark: number): string[] {
  return cloud.writes({ since: mark }).map((r) => `${r.method} ${r.path}`);
}

test("rotate: the new key is proven in use before the old one goes", async () => {
  const scenario = await bootstrapped("rotate");
  const [old] = cloud.github.deployKeys(repoOf(scenario));
  assert.ok(old);
  assert.ok(
    cloud.github.authLog.some((a) => a.keyId === old.id && a.ok),
    "the old key was used before",
  );
  const mark = cloud.github.authLog.length;
  const result = await runAction(actionEnv(cloud, scenario, { mode: "rotate" }));
  assert.equal(result.code, 0, result.everything);
  const keys = cloud.github.deployKeys(repoOf(scenario));
  assert.equal(keys.length, 1, "only the new key remains");
  const fresh = keys[0];
  assert.ok(fresh && fresh.id !== old.id);
  assert.equal(String(fresh.id), result.outputs["deploy-key-id"]);
  const after = cloud.github.authLog.slice(mark).filter((a) => a.ok);
  assert.ok(
    after.some((a) => a.keyId === fresh.id),
    "the new key fetched after the switch",
  );
  assert.match(result.summary, /rotated and proven in use/);
  // The git host now refuses the old key: it is no longer a deploy key anywhere.
  assert.equal(
    cloud.github.deployKeys(repoOf(scenario)).some((k) => k.id === old.id),
    false,
  );
});

test("rotate: a failed switch keeps the old key working and removes the new one", async () => {
  const scenario = await bootstrapped("rotfail");
  const [old] = cloud.github.deployKeys(repoOf(scenario));
  cloud.injectFault({
    service: "arm",
    method: "PATCH",
    path: "fluxConfigurations",
    kind: "status",
    status: 400,
    times: 1,
    body: { error: { code: "InvalidRequestContent", message: "simulated bad request" } },
  });
  const result = await runAction(actionEnv(cloud, scenario, { mode: "rotate" }));
  assert.equal(result.code, 1, result.everything);
  const keys = cloud.github.deployKeys(repoOf(scenario));
  assert.deepEqual(
    keys.map((k) => k.id),
    [old?.id],
    "old key kept, new key removed",
  );
  const mark = cloud.github.authLog.length;
  await cloud.azure.reconcileNow();
  assert.ok(
    cloud.github.authLog.slice(mark).some((a) => a.ok && a.keyId === old?.id),
    "Flux still fetches with the old key",
  );
});

test("rotate: max-key-age makes rotate a no-op while the key is young", async () => {
  const scenario = await bootstrapped("young");
  const before = cloud.github.deployKeys(repoOf(scenario)).map((k) => k.id);
  const mark = cloud.traffic.log.length;
  const result = await runAction(actionEnv(cloud, scenario, { mode: "rotate", "max-key-age": "30d" }));
  assert.equal(result.code, 0, result.everything);
  assert.equal(result.outputs.changed, "false");
  assert.deepEqual(
    cloud.github.deployKeys(repoOf(scenario)).map((k) => k.id),
    before,
  );
  assert.deepEqual(writesSince(mark), []);
  assert.match(result.summary, /younger than max-key-age/);
});

test("destroy twice: removes the configuration and owned keys, then succeeds with nothing left", async () => {
  const scenario = await bootstrapped("destroy");
  const stranger = await runAction(actionEnv(cloud, scenario, { mode: "plan" }));
  assert.equal(stranger.code, 0);
  const first = await runAction(actionEnv(cloud, scenario, { mode: "destroy", "force-delete": "true" }));
  assert.equal(first.code, 0, first.everything);
  assert.equal(cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system"), undefined);
  assert.deepEqual(cloud.github.deployKeys(repoOf(scenario)), []);
  assert.ok(cloud.azure.deletions().some((d) => d.resourceId.toLowerCase().includes("/fluxconfigurations/flux-system") && d.forceDelete));
  assert.ok(cloud.azure.getExtension(scenario.clusterId, "flux"), "the extension stays unless remove-extension");
  const second = await runAction(actionEnv(cloud, scenario, { mode: "destroy" }));
  assert.equal(second.code, 0, second.everything);
  assert.equal(second.outputs.changed, "false");
  assert.match(second.summary, /nothing left to remove/);
});

test("plan shows a field-by-field diff and makes no write request", async () => {
  const scenario = await bootstrapped("plan");
  const mark = cloud.traffic.log.length;
  const result = await runAction(
    actionEnv(cloud, scenario, {
      mode: "plan",
      "sync-interval": "2m",
      "extension-settings": "image-automation-controller.enabled=true",
    }),
  );
  assert.equal(result.code, 0, result.everything);
  assert.deepEqual(writesSince(mark), [], "plan writes nothing");
  assert.equal(result.outputs.changed, "true");
  assert.match(result.stdout, /gitRepository\.syncIntervalInSeconds: 600 → 120/);
  assert.match(result.stdout, /configurationSettings\.image-automation-controller\.enabled: \(none\) → true/);
  assert.match(result.summary, /would update/);
  assert.doesNotMatch(result.everything, /BEGIN OPENSSH PRIVATE KEY/);
  const unchanged = await runAction(actionEnv(cloud, scenario, { mode: "plan" }));
  assert.equal(unchanged.outputs.changed, "false", unchanged.everything);
});

test("apply: a failure after the deploy key was added leaves no deploy key and no configuration", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-broken", repo: "cfg-broken" });
  const result = await runAction(actionEnv(cloud, scenario, { path: "clusters/nope" }));
  assert.equal(result.code, 1, result.everything);
  assert.match(result.stdout, /title=Kustomization path not found/);
  assert.deepEqual(cloud.github.deployKeys(repoOf(scenario)), []);
  assert.equal(cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system"), undefined);
});

test("apply: a wait longer than the GitHub token's life still signs in (fresh OIDC tokens)", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-slow", repo: "cfg-slow" });
  cloud.github.setTokenLifetime(3);
  cloud.azure.setAccessTokenLifetime(2);
  cloud.azure.setDelays({ reconciliationMs: 5000 });
  try {
    const issued = cloud.github.oidc.issued();
    const result = await runAction(actionEnv(cloud, scenario));
    assert.equal(result.code, 0, result.everything);
    assert.ok(cloud.github.oidc.issued() - issued >= 2, "a second GitHub token was fetched during the wait");
  } finally {
    cloud.github.setTokenLifetime(300);
    cloud.azure.setAccessTokenLifetime(3599);
    cloud.azure.setDelays({ reconciliationMs: 20 });
  }
});

test("apply: the private key can be kept as a sealed Actions secret that GitHub decrypts to the same key", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-sealed", repo: "cfg-sealed" });
  const result = await runAction(actionEnv(cloud, scenario, { "private-key-secret": "FLUX_DEPLOY_KEY" }));
  assert.equal(result.code, 0, result.everything);
  const stored = cloud.github.secrets(repoOf(scenario)).FLUX_DEPLOY_KEY;
  const sent = cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system")?.configurationProtectedSettings.sshPrivateKey;
  assert.ok(stored && sent);
  assert.equal(Buffer.from(sent, "base64").toString("utf8"), stored);
});

test("bad input fails before any network request", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-bad", repo: "cfg-bad" });
  const mark = cloud.traffic.log.length;
  const result = await runAction(actionEnv(cloud, scenario, { "subscription-id": "not-a-guid", path: "../etc" }));
  assert.equal(result.code, 1);
  assert.match(result.stdout, /subscription-id/);
  assert.match(result.stdout, /path/);
  assert.equal(cloud.traffic.log.length, mark, "no request at all");
});

test("rotate: a proof that times out keeps both keys, warns and fails", async () => {
  const scenario = await bootstrapped("rotslow");
  cloud.azure.setDelays({ reconciliationMs: 120_000, reconcileIntervalMs: 120_000 });
  try {
    const result = await runAction(actionEnv(cloud, scenario, { mode: "rotate", "wait-timeout": "30s" }));
    assert.equal(result.code, 1, result.everything);
    assert.match(result.stdout, /::warning::Rotation not proven: both deploy keys were kept/);
    assert.equal(cloud.github.deployKeys(repoOf(scenario)).length, 2, "old and new key both kept");
    assert.match(result.summary, /BOTH keys were kept/);
  } finally {
    cloud.azure.setDelays({ reconciliationMs: 20, reconcileIntervalMs: 2000 });
  }
});
