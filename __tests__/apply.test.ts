// mode: apply end to end through the local cloud: real SDK clients, a real SSH fetch by the Flux agent.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";

let cloud: LocalCloud;
let scenario: Scenario;

before(async () => {
  cloud = await startLocalCloud();
  scenario = await seedScenario(cloud);
});
after(() => cloud.close());

test("first bootstrap reaches Compliant at the branch head with a read-only deploy key", async () => {
  const result = await runAction(actionEnv(cloud, scenario));
  assert.equal(result.code, 0, result.everything);
  assert.equal(result.outputs["compliance-state"], "Compliant");
  assert.match(result.outputs["synced-commit"] ?? "", new RegExp(`${scenario.headSha}$`));
  assert.equal(result.outputs.changed, "true");
  const keys = cloud.github.deployKeys(`${scenario.owner}/${scenario.repo}`);
  assert.equal(keys.length, 1);
  assert.equal(keys[0]?.readOnly, true);
  assert.equal(String(keys[0]?.id), result.outputs["deploy-key-id"]);
  assert.ok(keys[0]?.lastUsed, "the Flux agent fetched with the key");
  const stored = cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system");
  assert.ok(stored?.configurationProtectedSettings.sshPrivateKey, "the private key went to the protected settings");
  assert.match(result.summary, /Compliant/);
  assert.match(result.summary, /Deploy key/);
});

test("a re-run changes nothing: no new deploy key and no write to ARM", async () => {
  const before = cloud.traffic.log.length;
  const keysBefore = cloud.github.deployKeys(`${scenario.owner}/${scenario.repo}`).map((k) => k.id);
  const result = await runAction(actionEnv(cloud, scenario));
  assert.equal(result.code, 0, result.everything);
  assert.equal(result.outputs.changed, "false");
  const writes = cloud.writes({ since: before });
  assert.deepEqual(
    writes.map((w) => `${w.method} ${w.path}`),
    [],
  );
  assert.deepEqual(
    cloud.github.deployKeys(`${scenario.owner}/${scenario.repo}`).map((k) => k.id),
    keysBefore,
  );
});
