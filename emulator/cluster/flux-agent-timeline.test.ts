// When the agent reports, relative to the operation and to the sync interval: the recorded model (reports
// land while the operation runs; no heartbeat) and its switches (progressingReports, reporting "periodic").
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_DELAYS } from "../azure/arm-state.ts";
import { DEFAULT_AGENT } from "./agent-behaviour.ts";
import { AKS, LRO, RG, startFluxWorld, until } from "../testing/flux-agent.ts";
import type { FluxWorld } from "../testing/flux-agent.ts";

let w: FluxWorld;

before(async () => {
  w = await startFluxWorld();
});
afterEach(() => {
  w.t.cloud.setAgent(DEFAULT_AGENT);
  w.t.cloud.setDelays(DEFAULT_DELAYS);
});
after(async () => w.stop());

const reports = (name: string): Array<[string, boolean]> =>
  w.t.cloud.agentReports(w.clusterId, name).map((r) => [r.complianceState, r.progressing]);

describe("Flux agent timeline", () => {
  test("the operation is still running when the first report lands: a GET during it already shows statusUpdatedAt", async () => {
    w.t.cloud.setAgent({ operationEndMs: 1500 });
    const poller = await w.client.fluxConfigurations.beginCreateOrUpdate(RG, ...AKS, "aks-flux", "early", w.config(), LRO);
    const during = await until(
      () => w.get("early"),
      (r) => Boolean(r.statusUpdatedAt),
    );
    assert.equal(during.provisioningState, "Creating");
    assert.ok(during.statusUpdatedAt, "the agent's report landed during the operation");
    assert.equal(during.sourceSyncedCommitId, `main/${w.head()}`);
    assert.equal(w.t.cloud.agentReports(w.clusterId, "early")[0]?.at, during.statusUpdatedAt?.toISOString());
    const done = await poller.pollUntilDone();
    assert.equal(done.provisioningState, "Succeeded");
  });

  test("on-change: statusUpdatedAt stays across sync-interval fetches and moves when a new commit is pushed", async () => {
    await w.client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", "watch", w.config(), LRO);
    const settled = await until(
      () => w.get("watch"),
      (r) => r.complianceState === "Compliant",
    );
    const fetched = w.t.cloud.agentFetches(w.clusterId, "watch").length;
    w.t.cloud.setAgent({ syncIntervalMs: 100 });
    await until(
      () => w.t.cloud.agentFetches(w.clusterId, "watch").length,
      (n) => n >= fetched + 2,
    );
    const unchanged = await w.get("watch");
    assert.equal(unchanged.statusUpdatedAt?.toISOString(), settled.statusUpdatedAt?.toISOString(), "no heartbeat");
    assert.deepEqual(reports("watch"), [
      ["Pending", true],
      ["Compliant", false],
    ]);

    const sha = w.push("apps.yaml");
    const moved = await until(
      () => w.get("watch"),
      (r) => r.sourceSyncedCommitId === `main/${sha}` && r.complianceState === "Compliant",
    );
    assert.equal(moved.sourceSyncedCommitId, `main/${sha}`);
    assert.ok((moved.statusUpdatedAt?.getTime() ?? 0) > (settled.statusUpdatedAt?.getTime() ?? 0));
    assert.deepEqual(reports("watch"), [
      ["Pending", true],
      ["Compliant", false],
      ["Pending", true],
      ["Compliant", false],
    ]);
  });

  test("progressingReports 2: two progressing reports (DependencyNotReady / ProgressingWithRetry), then Compliant", async () => {
    w.t.cloud.setAgent({ progressingReports: 2 });
    const kustomizations = { infra: { path: "./clusters/prod" }, apps: { path: "./clusters/prod", dependsOn: ["infra"] } };
    const seen: string[] = [];
    const poller = await w.client.fluxConfigurations.beginCreateOrUpdate(
      RG,
      ...AKS,
      "aks-flux",
      "steps",
      w.config({ kustomizations }),
      LRO,
    );
    const final = await until(
      async () => {
        const read = await w.get("steps");
        const reasons = (read.statuses ?? []).map((s) => s?.statusConditions?.[0]?.reason ?? "").join(",");
        if (seen.at(-1) !== reasons) seen.push(reasons);
        return read;
      },
      (r) => r.complianceState === "Compliant",
    );
    await poller.pollUntilDone();
    assert.equal(final.complianceState, "Compliant");
    assert.deepEqual(reports("steps"), [
      ["Non-Compliant", true],
      ["Non-Compliant", true],
      ["Compliant", false],
    ]);
    assert.ok(seen.includes("Succeeded,Progressing,DependencyNotReady"), seen.join(" | "));
    assert.ok(seen.includes("Succeeded,ProgressingWithRetry,DependencyNotReady"), seen.join(" | "));
    assert.equal(seen.at(-1), "Succeeded,ReconciliationSucceeded,ReconciliationSucceeded");
  });

  test("progressingReports 0: straight to the final report", async () => {
    w.t.cloud.setAgent({ progressingReports: 0 });
    await w.client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", "direct", w.config(), LRO);
    assert.equal((await w.get("direct")).complianceState, "Compliant");
    assert.deepEqual(reports("direct"), [["Compliant", false]]);
  });

  test("reporting periodic: every reconcileIntervalMs the agent re-fetches and re-reports (statusUpdatedAt moves)", async () => {
    await w.client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", "beat", w.config(), LRO);
    const settled = await until(
      () => w.get("beat"),
      (r) => r.complianceState === "Compliant",
    );
    w.t.cloud.setDelays({ reconcileIntervalMs: 100 });
    w.t.cloud.setAgent({ reporting: "periodic" });
    const later = await until(
      () => w.get("beat"),
      (r) => (r.statusUpdatedAt?.getTime() ?? 0) > (settled.statusUpdatedAt?.getTime() ?? 0),
    );
    assert.ok((later.statusUpdatedAt?.getTime() ?? 0) > (settled.statusUpdatedAt?.getTime() ?? 0), "heartbeat");
    assert.equal(later.complianceState, "Compliant");
    assert.deepEqual(
      reports("beat")
        .slice(2)
        .map(([state]) => state)
        .slice(0, 1),
      ["Compliant"],
      "same result, reported again",
    );
  });
});
