// What each mode writes, as the local cloud's request log shows it (method + path, ids and the cluster's
// path folded): the review tool for every change to a mode. Reads are left out; their count is bounded elsewhere.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";

let cloud: LocalCloud;
let scenario: Scenario;

before(async () => {
  cloud = await startLocalCloud();
  scenario = await seedScenario(cloud, { clusterName: "aks-requests", repo: "cfg-requests" });
});
after(() => cloud.close());

/** Runs the action and returns its writes, in order, with the cluster path and key ids folded. */
async function writesOf(inputs: Record<string, string>): Promise<string[]> {
  const mark = cloud.traffic.log.length;
  const run = await runAction(actionEnv(cloud, scenario, inputs));
  assert.equal(run.code, 0, run.everything);
  return cloud.writes({ since: mark }).map(
    (r) =>
      `${r.method} ${r.path
        .replace(/\?.*$/, "")
        .replace(scenario.clusterId, "{cluster}")
        .replace(/\/keys\/\d+$/, "/keys/{id}")}`,
  );
}

const KEYS = "/repos/contoso/cfg-requests/keys";
const CONFIGURATION = "{cluster}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations/flux-system";
const EXTENSION = "{cluster}/providers/Microsoft.KubernetesConfiguration/extensions/flux";

test("apply, first run: the deploy key and the extension (in either order), then the configuration", async () => {
  const writes = await writesOf({});
  assert.deepEqual([...writes.slice(0, 2)].sort(), [`POST ${KEYS}`, `PUT ${EXTENSION}`].sort());
  assert.deepEqual(writes.slice(2), [`PUT ${CONFIGURATION}`]);
});

test("apply, again: no write at all", async () => {
  assert.deepEqual(await writesOf({}), []);
});

test("apply with a changed path: one PATCH of the configuration", async () => {
  assert.deepEqual(await writesOf({ path: "clusters/production" }), [`PATCH ${CONFIGURATION}`]);
});

test("rotate: new key, switch (with the spec nudge), old key removed after the proof, nudge undone", async () => {
  assert.deepEqual(await writesOf({ path: "clusters/production", mode: "rotate" }), [
    `POST ${KEYS}`,
    `PATCH ${CONFIGURATION}`,
    `DELETE ${KEYS}/{id}`,
    `PATCH ${CONFIGURATION}`,
  ]);
});

test("plan: no write", async () => {
  assert.deepEqual(await writesOf({ path: "clusters/production", mode: "plan", "plan-for": "rotate" }), []);
});

test("destroy: the configuration, then the deploy key; again: nothing", async () => {
  assert.deepEqual(await writesOf({ mode: "destroy" }), [`DELETE ${CONFIGURATION}`, `DELETE ${KEYS}/{id}`]);
  assert.deepEqual(await writesOf({ mode: "destroy" }), []);
});
