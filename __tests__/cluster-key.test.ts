// key-source: cluster through the bundled action: the cluster's Flux agent makes the key pair, the action
// registers the public half it publishes, and no request the action sends ever carries a private key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";
import { fingerprintOfLine } from "./support/secret-scan.ts";

let cloud: LocalCloud;
let counter = 0;

before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

async function fresh(): Promise<Scenario> {
  counter += 1;
  return seedScenario(cloud, { clusterName: `aks-ck-${counter}`, repo: `cfg-ck-${counter}` });
}

const repoOf = (s: Scenario): string => `${s.owner}/${s.repo}`;
const bundled = { bundled: true } as const;

/** Every request body the action sent since `mark`, as text. */
function bodiesSince(mark: number): string[] {
  return cloud.traffic.log.slice(mark).map((r) => JSON.stringify(r.body ?? ""));
}

test("key-source: cluster ends Compliant with one read-only deploy key equal to the key the cluster published", async () => {
  const scenario = await fresh();
  const mark = cloud.traffic.log.length;
  const run = await runAction(actionEnv(cloud, scenario, { "key-source": "cluster" }), bundled);
  assert.equal(run.code, 0, run.everything);
  assert.equal(run.outputs["compliance-state"], "Compliant");
  assert.match(run.outputs["synced-commit"] ?? "", new RegExp(`${scenario.headSha}$`));
  const stored = cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system");
  const published = String(stored?.properties["repositoryPublicKey"] ?? "");
  assert.ok(published, "the configuration publishes the cluster's key");
  assert.deepEqual(stored?.configurationProtectedSettings, {}, "Azure never received a private key");
  const keys = cloud.github.deployKeys(repoOf(scenario));
  assert.equal(keys.length, 1);
  assert.equal(keys[0]?.readOnly, true);
  assert.equal(fingerprintOfLine(keys[0]?.key ?? ""), fingerprintOfLine(published));
  for (const body of bodiesSince(mark)) {
    assert.doesNotMatch(
      body,
      /sshPrivateKey|configurationProtectedSettings|PRIVATE KEY|b3BlbnNzaC1rZXktdjE/,
      "no private key in any request",
    );
  }
  assert.match(run.summary, /private half never left the cluster/);
});

test("key-source: cluster, run again: nothing is written", async () => {
  const scenario = await fresh();
  assert.equal((await runAction(actionEnv(cloud, scenario, { "key-source": "cluster" }), bundled)).code, 0);
  const mark = cloud.traffic.log.length;
  const run = await runAction(actionEnv(cloud, scenario, { "key-source": "cluster" }), bundled);
  assert.equal(run.code, 0, run.everything);
  assert.equal(run.outputs.changed, "false");
  const writes = cloud.writes({ since: mark });
  assert.deepEqual(
    writes.map((w) => `${w.method} ${w.path}`),
    [],
  );
});

test("rotate leaves a cluster-made key alone unless key-source: action is given; with it, the switch is proven first", async () => {
  const scenario = await fresh();
  assert.equal((await runAction(actionEnv(cloud, scenario, { "key-source": "cluster" }), bundled)).code, 0);
  const [clusterKey] = cloud.github.deployKeys(repoOf(scenario));
  assert.ok(clusterKey);
  const skipped = await runAction(actionEnv(cloud, scenario, { mode: "rotate" }), bundled);
  assert.equal(skipped.code, 0, skipped.everything);
  assert.match(skipped.stdout, /::warning::.*made by the cluster/);
  assert.deepEqual(
    cloud.github.deployKeys(repoOf(scenario)).map((k) => k.id),
    [clusterKey.id],
    "nothing changed",
  );

  const mark = cloud.traffic.log.length;
  const rotated = await runAction(actionEnv(cloud, scenario, { mode: "rotate", "key-source": "action" }), bundled);
  assert.equal(rotated.code, 0, rotated.everything);
  const keys = cloud.github.deployKeys(repoOf(scenario));
  assert.equal(keys.length, 1);
  const [actionKey] = keys;
  assert.ok(actionKey && actionKey.id !== clusterKey.id && actionKey.lastUsed);
  const deletion = cloud.traffic.log.slice(mark).find((r) => r.method === "DELETE" && r.path.endsWith(`/keys/${clusterKey.id}`));
  assert.ok(deletion, "the cluster key's deploy key was removed");
  const print = fingerprintOfLine(actionKey.key);
  const proof = cloud.azure
    .agentReports(scenario.clusterId, "flux-system")
    .find((r) => r.complianceState === "Compliant" && r.fetched && r.keyFingerprint === print);
  assert.ok(proof && Date.parse(proof.at) < deletion.at, "a Compliant report made with the new key before the old deploy key went");
});

test("a cluster that never publishes a key fails with a clear message and leaves nothing behind", async () => {
  const scenario = await fresh();
  cloud.azure.setAgent({ generateKeys: false });
  try {
    const run = await runAction(actionEnv(cloud, scenario, { "key-source": "cluster", "wait-timeout": "30s" }), bundled);
    assert.equal(run.code, 1, run.everything);
    assert.match(run.stdout, /title=The cluster published no key/);
    assert.deepEqual(cloud.github.deployKeys(repoOf(scenario)), []);
    await cloud.azure.reconcileNow();
    assert.equal(cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system"), undefined, "the configuration was deleted again");
  } finally {
    cloud.azure.setAgent({ generateKeys: true });
  }
});

test("private-key-secret is refused with key-source: cluster, before any request", async () => {
  const scenario = await fresh();
  const mark = cloud.traffic.log.length;
  const run = await runAction(actionEnv(cloud, scenario, { "key-source": "cluster", "private-key-secret": "FLUX_KEY" }));
  assert.equal(run.code, 1);
  assert.match(run.stdout, /private-key-secret: cannot be used with key-source: cluster/);
  assert.equal(cloud.traffic.log.length, mark);
});

test("plan shows the key source and what apply would do", async () => {
  const scenario = await fresh();
  const run = await runAction(actionEnv(cloud, scenario, { "key-source": "cluster", mode: "plan" }));
  assert.equal(run.code, 0, run.everything);
  assert.match(run.stdout, /the key the cluster makes, registered once the configuration publishes it/);
  assert.match(run.summary, /Key source: cluster/);
});
