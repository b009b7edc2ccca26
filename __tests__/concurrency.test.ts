// Two runs for the same cluster at once (a workflow without a concurrency group): ARM answers the second
// writer 409 AnotherOperationInProgress, which the action waits out; in the end exactly one working deploy key.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";
import { pemOf, publicBlobOf } from "./support/secret-scan.ts";

let cloud: LocalCloud;

before(async () => {
  // Operations long enough that the two runs' writes overlap.
  cloud = await startLocalCloud({ delays: { provisioningMs: 600 } });
});
after(() => cloud.close());

// ARM's busy answers vary (AnotherOperationInProgress, or a plain Conflict naming the running state), and so does a
// running operation's status text: the action must judge the resource's state, not the wording.
const CASES = [
  ["a first bootstrap", false, "aks-c1", {}],
  ["a re-apply with a changed path", true, "aks-c2", {}],
  [
    "a first bootstrap, busy answered as a plain Conflict, operations 'Running'",
    false,
    "aks-c3",
    { busyError: "Conflict", runningStatus: "Running" },
  ],
] as const;

for (const [label, first, name, agent] of CASES) {
  test(`two simultaneous runs (${label}) end with one working key and a Compliant configuration`, async () => {
    cloud.azure.setAgent({ busyError: "AnotherOperationInProgress", runningStatus: "provisioning-state", ...agent });
    const scenario = await seedScenario(cloud, { clusterName: name, repo: `cfg-${name}` });
    const repo = `${scenario.owner}/${scenario.repo}`;
    if (first) assert.equal((await runAction(actionEnv(cloud, scenario))).code, 0);
    const inputs: Record<string, string> = first ? { path: "clusters/production" } : {};
    const mark = cloud.traffic.log.length;
    const [a, b] = await Promise.all([runAction(actionEnv(cloud, scenario, inputs)), runAction(actionEnv(cloud, scenario, inputs))]);
    const conflicts = cloud.traffic.log.slice(mark).filter((r) => r.status === 409);
    assert.equal(a.code, 0, a.everything);
    assert.equal(b.code, 0, b.everything);
    await cloud.azure.reconcileNow();
    const stored = cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system");
    assert.equal(stored?.properties["complianceState"], "Compliant");
    const pem = pemOf(stored);
    assert.ok(pem);
    const keys = cloud.github.deployKeys(repo);
    assert.deepEqual(
      keys.map((k) => k.key.split(" ")[1]),
      [publicBlobOf(pem)],
      "exactly one deploy key: the one the configuration uses",
    );
    console.log(`${label}: ${conflicts.length} answer(s) 409 were waited out`);
  });
}
