// A fleet through the reusable workflow's pieces (support/fleet-pieces.ts: List clusters, each cluster job with its
// record, the Roll-up) against the local cloud: with GitHub's and ARM's limits scaled down so requests are throttled,
// every cluster ends Compliant and the roll-up lists them all; a failed, a cancelled and a never-started cluster each
// appear in the roll-up and its outputs.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { startLocalCloud, seedScenario, actionEnv, scaledArmThrottling, scaledGitHubLimits, type Scenario } from "../emulator/index.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";
import { clustersFile, listFleet, recordJob, rollUp, runClusterAction, runMatrices } from "./support/fleet-pieces.ts";

const CLUSTERS = 12;
const delays = { provisioningMs: 500, reconciliationMs: 300 };

test(`${CLUSTERS} clusters, GitHub's and ARM's limits scaled down: every cluster Compliant, the waits in their logs, all in one roll-up`, async () => {
  const cloud = await startLocalCloud({ delays });
  try {
    // One cluster alone, no limits: the yardstick for the fleet's wall time and requests.
    const solo = await seedScenario(cloud, { clusterName: "aks-solo", repo: "solo-config" });
    const soloFrom = cloud.traffic.log.length;
    const soloStarted = performance.now();
    const alone = await runAction(actionEnv(cloud, solo, { path: "clusters/production" }));
    const soloSeconds = (performance.now() - soloStarted) / 1000;
    assert.equal(alone.code, 0, alone.everything);
    const soloRequests = cloud.traffic.log.slice(soloFrom);

    const scenarios: Scenario[] = [];
    for (let i = 0; i < CLUSTERS; i += 1) {
      scenarios.push(await seedScenario(cloud, { clusterName: `aks-fleet-${String(i).padStart(2, "0")}`, repo: "fleet-config" }));
    }
    // GitHub: a 2 s "minute" (an hour of 120 s) and every documented count divided by 20: 4 content-generating requests
    // and 45 points a minute, 5 at once. ARM: the subscription's buckets divided by 4 (62 reads, refilled 6.25 a second).
    cloud.github.enforceLimits(scaledGitHubLimits(2000, 20));
    cloud.azure.setThrottling(scaledArmThrottling(4));
    const fleet = listFleet(clustersFile(cloud, scenarios), { "max-parallel": 6 });
    assert.deepEqual(
      fleet.parts.map((p) => [p.clusters.length, p.maxParallel]),
      [[CLUSTERS, 6]],
    );
    const from = cloud.traffic.log.length;
    const logs = new Map<string, ActionRun>();
    const started = performance.now();
    await runMatrices(fleet, async (entry) => {
      const scenario = scenarios.find((s) => s.clusterName === entry["cluster-name"]);
      assert.ok(scenario);
      const run = await runClusterAction(cloud, scenario, fleet, entry);
      logs.set(scenario.clusterName, run);
      recordJob(fleet, entry, {
        run,
        fluxOutcome: run.code === 0 ? "success" : "failure",
        jobStatus: run.code === 0 ? "success" : "failure",
      });
    });
    const fleetSeconds = (performance.now() - started) / 1000;
    const githubThrottled = Object.values(cloud.github.rateLimit.documented.refused).reduce((a, b) => a + b, 0);
    const armThrottled = cloud.azure.throttled();
    cloud.github.enforceLimits(undefined);
    cloud.azure.setThrottling(undefined);

    for (const [name, run] of logs) {
      assert.equal(run.code, 0, `${name}:\n${run.everything}`);
      assert.equal(run.outputs["compliance-state"], "Compliant", name);
    }
    // GitHub throttled, and every throttled answer waited out with its line in that cluster's log. ARM's bucket is
    // shared by the fleet; the runs pace their waits by the reads ARM says are left (src/azure/read-budget.ts), which
    // usually keeps them inside it: any 429 that still comes is waited out with its line (ARM's 429s themselves:
    // rate-limits.test.ts).
    const lines = (prefix: string): number =>
      [...logs.values()].reduce((n, run) => n + run.stdout.split("\n").filter((l) => l.startsWith(prefix)).length, 0);
    assert.ok(githubThrottled > 0, `throttled: GitHub ${githubThrottled}, ARM ${armThrottled}`);
    assert.equal(lines("Rate limit: GitHub's secondary rate limit stopped"), githubThrottled);
    assert.equal(lines("Rate limit: Azure Resource Manager throttling (HTTP 429 SubscriptionRequestsThrottled)"), armThrottled);

    const result = rollUp(fleet);
    assert.equal(result.outputs["failed"], "false");
    assert.equal(result.outputs["changed"], "true");
    assert.deepEqual(JSON.parse(result.outputs["totals"] ?? ""), {
      clusters: CLUSTERS,
      failed: 0,
      cancelled: 0,
      notStarted: 0,
      changed: CLUSTERS,
      unchanged: 0,
    });
    assert.deepEqual(result.value.clusters.map((c) => c.cluster.name).sort(), scenarios.map((s) => s.clusterName).sort());
    assert.match(result.summary, new RegExp(`^## ✅ Flux fleet apply: ${CLUSTERS} cluster\\(s\\)`));
    assert.match(result.summary, /### Changed \(12\)/);
    for (const s of scenarios) assert.match(result.summary, new RegExp(`\\| ${s.clusterName} \\(rg-platform\\) \\| ✅ \\| .*Compliant`));

    const fleetRequests = cloud.traffic.log.slice(from);
    const per = (requests: typeof fleetRequests, service: string, n: number): string =>
      (requests.filter((r) => r.service === service).length / n).toFixed(1);
    const writes = (requests: typeof fleetRequests): number => requests.filter((r) => r.service === "github" && r.method !== "GET").length;
    console.log(
      `one cluster alone: ${soloSeconds.toFixed(1)} s, requests GitHub ${per(soloRequests, "github", 1)}, ARM ${per(soloRequests, "arm", 1)}, ` +
        `Entra ${per(soloRequests, "entra", 1)}, content-generating ${writes(soloRequests)}\n` +
        `fleet of ${CLUSTERS} (max-parallel 6, limits scaled): ${fleetSeconds.toFixed(1)} s; per cluster GitHub ${per(fleetRequests, "github", CLUSTERS)}, ` +
        `ARM ${per(fleetRequests, "arm", CLUSTERS)}, Entra ${per(fleetRequests, "entra", CLUSTERS)} (throttled answers included: GitHub ` +
        `${githubThrottled}, ARM ${armThrottled}), content-generating ${(writes(fleetRequests) / CLUSTERS).toFixed(1)}`,
    );
  } finally {
    await cloud.close();
  }
});

test("a failed, a cancelled and a never-started cluster: each in the roll-up, failures first, and in its outputs", async () => {
  const cloud = await startLocalCloud({ delays });
  try {
    const names = ["aks-ok", "aks-broken", "aks-cancelled", "aks-never"];
    const scenarios: Scenario[] = [];
    for (const name of names) scenarios.push(await seedScenario(cloud, { clusterName: name, repo: "fleet-config" }));
    const file = clustersFile(cloud, scenarios) as { clusters: Record<string, string>[] };
    const broken = file.clusters[1];
    if (broken) broken["path"] = "clusters/nope";
    const fleet = listFleet(file, { "max-parallel": 4 });
    await runMatrices(fleet, async (entry) => {
      const scenario = scenarios.find((s) => s.clusterName === entry["cluster-name"]);
      assert.ok(scenario);
      // The run was cancelled before this job started: no step ran, no record.
      if (scenario.clusterName === "aks-never") return;
      if (scenario.clusterName === "aks-cancelled") {
        // The runner cancels the step: SIGINT (the action ends within seconds; the record step runs: always()).
        const run = await runClusterAction(cloud, scenario, fleet, entry, {
          onSpawn: (child: ChildProcess) => void setTimeout(() => child.kill("SIGINT"), 1500),
        });
        recordJob(fleet, entry, { run, fluxOutcome: "cancelled", jobStatus: "cancelled" });
        return;
      }
      const run = await runClusterAction(cloud, scenario, fleet, entry);
      recordJob(fleet, entry, {
        run,
        fluxOutcome: run.code === 0 ? "success" : "failure",
        jobStatus: run.code === 0 ? "success" : "failure",
      });
    });
    const result = rollUp(fleet);
    assert.equal(result.outputs["failed"], "true");
    assert.equal(result.outputs["changed"], "true");
    assert.deepEqual(JSON.parse(result.outputs["totals"] ?? ""), {
      clusters: 4,
      failed: 1,
      cancelled: 1,
      notStarted: 1,
      changed: 1,
      unchanged: 0,
    });
    assert.deepEqual(
      result.value.clusters.map((c) => [c.cluster.name, c.outcome]),
      [
        ["aks-broken", "failed"],
        ["aks-cancelled", "cancelled"],
        ["aks-never", "not started"],
        ["aks-ok", "succeeded"],
      ],
    );
    assert.equal(result.value.clusters[0]?.error?.code, "kustomization-path-not-found");
    assert.match(result.summary, /^## ❌ Flux fleet apply: 4 cluster\(s\)/);
    assert.match(result.summary, /\| 1 \| 1 \| 1 \| 1 \| 0 \|/);
    assert.match(result.summary, /### Failed, cancelled or not run \(3\)/);
    assert.match(
      result.summary,
      /\| aks-broken \(rg-platform\) \| ❌ failed \| .*\(`kustomization-path-not-found`\) \| \[job\]\(https:\/\/github\.com\/contoso\/platform\/actions\/runs\/42\/job\/5000001\) \|/,
    );
    assert.match(result.summary, /\| aks-cancelled \(rg-platform\) \| 🛑 cancelled \|/);
    assert.match(result.summary, /\| aks-never \(rg-platform\) \| ⏸️ not started \| no record: the job never started/);
  } finally {
    await cloud.close();
  }
});
