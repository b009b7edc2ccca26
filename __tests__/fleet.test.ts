// A fleet as a matrix runs it: 20 clusters bootstrapped at once from one configuration repository.
import { test } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type Scenario } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";

const CLUSTERS = 20;

test(`${CLUSTERS} clusters at once: every one Compliant, one read-only deploy key each, titles unique`, async () => {
  const cloud = await startLocalCloud({ delays: { provisioningMs: 500, reconciliationMs: 300 } });
  try {
    const scenarios: Scenario[] = [];
    for (let i = 0; i < CLUSTERS; i += 1) {
      scenarios.push(await seedScenario(cloud, { clusterName: `aks-fleet-${String(i).padStart(2, "0")}`, repo: "fleet-config" }));
    }
    const started = Date.now();
    const results = await Promise.all(scenarios.map((s) => runAction(actionEnv(cloud, s, { path: "clusters/production" }))));
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    results.forEach((result, i) => {
      assert.equal(result.code, 0, `${scenarios[i]?.clusterName}:\n${result.everything}`);
      assert.equal(result.outputs["compliance-state"], "Compliant");
    });
    for (const scenario of scenarios) {
      const stored = cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system");
      assert.equal(stored?.properties["complianceState"], "Compliant", scenario.clusterName);
    }
    const keys = cloud.github.deployKeys("contoso/fleet-config");
    assert.equal(keys.length, CLUSTERS, "one deploy key per cluster");
    assert.equal(new Set(keys.map((k) => k.title)).size, CLUSTERS, "titles are unique");
    assert.ok(keys.every((k) => k.readOnly));
    for (const scenario of scenarios) {
      assert.equal(
        keys.filter((k) => k.title.includes(`/${scenario.clusterName}/`)).length,
        1,
        `${scenario.clusterName} has exactly one key`,
      );
    }
    const ids = new Set(results.map((r) => r.outputs["deploy-key-id"]));
    assert.equal(ids.size, CLUSTERS);
    console.log(
      `fleet: ${CLUSTERS} clusters Compliant in ${seconds} s, ${keys.length} deploy keys, ${new Set(keys.map((k) => k.title)).size} unique titles`,
    );
  } finally {
    await cloud.close();
  }
});
