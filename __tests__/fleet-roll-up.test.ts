// The roll-up's pure parts: the action's record of a run (src/report/record.ts), and fleet/record + fleet/roll-up (the
// real bash and jq) on records of each mode: rotate shows key ages before → after, plan the drift, destroy what went.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fleetRecord } from "../src/report/record.ts";
import { newReport } from "../src/report/report.ts";
import { runComposite } from "./support/composite.ts";

const cluster = {
  subscriptionId: "6b0c1f3e-3f5e-4d8e-9a51-2f1d5c0e7a11",
  resourceGroup: "rg",
  name: "aks-1",
  type: "managedClusters",
} as const;
const NOW = Date.parse("2026-12-07T00:00:00Z");
const title = (created: string): string =>
  `aks-flux-bootstrap managedclusters/${cluster.subscriptionId}/rg/aks-1/flux-system ${created} AbCdEfGhIjKl run 42-1`;

test("the record of a rotation: the new key's age and the removed key's age, outcome, changes, duration", () => {
  const report = newReport("rotate", cluster, "/subscriptions/x", "contoso/cfg", "https://portal.azure.com");
  report.outcome = "succeeded";
  report.headline = "rotated";
  const key = { id: 2, fingerprint: "SHA256:new", publicKey: "ssh-ed25519 AAAA", readOnly: true };
  report.deployKey = { ...key, change: "created", title: title("2026-12-06T23:59:00Z") };
  report.removedKeys.push({ ...key, id: 1, fingerprint: "SHA256:old", change: "deleted", title: title("2026-05-09T10:00:00Z") });
  const record = fleetRecord(report, 61.4, NOW);
  assert.equal(record.changed, true);
  assert.deepEqual(record.key, { fingerprint: "SHA256:new", created: "2026-12-06T23:59:00Z", ageDays: 0, change: "created" });
  assert.equal(record.removedKeys[0]?.ageDays, 211);
  assert.deepEqual(record.changes, ["Deploy key: created", "Older deploy key: deleted"]);
  assert.equal(record.durationSeconds, 61);
  assert.deepEqual(record.cluster, { subscription: cluster.subscriptionId, resourceGroup: "rg", type: "managedClusters", name: "aks-1" });
  assert.equal(record.error, undefined);
});

interface Given {
  readonly name: string;
  readonly result?: Record<string, unknown>;
  readonly fluxOutcome?: string;
  readonly status?: string;
}

function rollUpOf(mode: string, planFor: string, given: readonly Given[]): { outputs: Record<string, string>; summary: string } {
  const dir = mkdtempSync(join(tmpdir(), "roll-up-"));
  try {
    const records = join(dir, "records");
    mkdirSync(records);
    const entries = given.map((g, i) => ({
      "fleet-index": i,
      "subscription-id": "s",
      "resource-group": "rg",
      "cluster-type": "managedClusters",
      "cluster-name": g.name,
      environment: "prod",
    }));
    writeFileSync(join(records, "clusters.json"), JSON.stringify(entries));
    given.forEach((g, i) => {
      if (!g.result && !g.fluxOutcome) return;
      const run = runComposite(
        "record",
        {
          cluster: JSON.stringify(entries[i]),
          result: g.result ? JSON.stringify(g.result) : "",
          "flux-outcome": g.fluxOutcome ?? "success",
          job: JSON.stringify({ status: g.status ?? "success" }),
          mode,
          "plan-for": planFor,
        },
        dir,
        { RUNNER_TEMP: dir },
      );
      assert.equal(run.status, 0, run.stderr);
    });
    for (const i of given.keys()) {
      const file = join(dir, "aks-flux-bootstrap-record", `record-${i}.json`);
      // No record: the job never ran.
      if (existsSync(file)) writeFileSync(join(records, `record-${i}.json`), readFileSync(file, "utf8"));
    }
    const run = runComposite("roll-up", { records, mode, "plan-for": planFor }, dir, { RUNNER_TEMP: dir });
    assert.equal(run.status, 0, run.stderr);
    return { outputs: run.outputs, summary: run.summary };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const result = (over: Record<string, unknown>): Record<string, unknown> => ({
  outcome: "succeeded",
  changed: false,
  headline: "done",
  changes: [],
  complianceState: "Compliant",
  syncedCommit: `main@sha1:${"a".repeat(40)}`,
  key: { fingerprint: "SHA256:0123456789abcdefghij", created: "2026-12-01T00:00:00Z", ageDays: 6, change: "unchanged" },
  removedKeys: [],
  extensionVersion: "1.18.3",
  fluxVersion: "2.7.2",
  durationSeconds: 40,
  ...over,
});

test("rotate: key ages before → after; unchanged clusters (key younger than max-key-age) after the rotated ones", () => {
  const { outputs, summary } = rollUpOf("rotate", "apply", [
    { name: "aks-young", result: result({ outcome: "skipped", headline: "key younger than 30d" }) },
    {
      name: "aks-old",
      result: result({
        changed: true,
        changes: ["Deploy key: created", "Older deploy key: deleted"],
        key: { fingerprint: "SHA256:new", ageDays: 0, change: "created" },
        removedKeys: [{ fingerprint: "SHA256:old", ageDays: 212, change: "deleted" }],
      }),
    },
  ]);
  assert.equal(outputs["changed"], "true");
  assert.equal(outputs["failed"], "false");
  assert.match(summary, /^## ✅ Flux fleet rotate: 2 cluster\(s\)/);
  assert.match(summary, /Key age before → after/);
  assert.match(
    summary,
    /### Changed \(1\)[\s\S]*\| aks-old \(rg\) \| ✅ \| Deploy key: created; Older deploy key: deleted \| main@sha1:aaaaaaa \| Compliant \| 212 d → 0 d \| 1\.18\.3 · Flux 2\.7\.2 \| 40 s \|/,
  );
  assert.match(summary, /### Unchanged \(1\)[\s\S]*\| aks-young \(rg\) \| ⏭️ \| key younger than 30d \|/);
});

test("plan: the clusters that would change, and how (a drift report); a failing plan first", () => {
  const { outputs, summary } = rollUpOf("plan", "apply", [
    { name: "aks-same", result: result({ outcome: "planned" }) },
    {
      name: "aks-drifted",
      result: result({ outcome: "planned", changed: true, changes: ["Flux configuration: would update (kustomizations.cluster.path)"] }),
    },
    {
      name: "aks-refused",
      result: result({ outcome: "failed", error: { code: "flux-api-refused", title: "Flux will not serve these apiVersions" } }),
    },
  ]);
  assert.equal(outputs["changed"], "true");
  assert.equal(outputs["failed"], "true");
  assert.deepEqual(JSON.parse(outputs["totals"] ?? ""), { clusters: 3, failed: 1, cancelled: 0, notStarted: 0, changed: 1, unchanged: 1 });
  assert.match(summary, /^## ❌ Flux fleet plan of apply: 3 cluster\(s\)/);
  assert.match(summary, /📝 would change/);
  assert.match(
    summary,
    /### Would change: drift \(1\)[\s\S]*\| aks-drifted \(rg\) \| 📝 \| Flux configuration: would update \(kustomizations\.cluster\.path\) \|/,
  );
  assert.ok(
    summary.indexOf("aks-refused") < summary.indexOf("aks-drifted") && summary.indexOf("aks-drifted") < summary.indexOf("aks-same"),
  );
});

test("destroy: what went; a job whose token step failed before the action is a failure with its own words", () => {
  const { outputs, summary } = rollUpOf("destroy", "apply", [
    {
      name: "aks-gone",
      result: result({
        changed: true,
        changes: ["Flux configuration: deleted", "Deploy key: deleted"],
        key: null,
        complianceState: null,
        syncedCommit: null,
      }),
    },
    { name: "aks-no-token", fluxOutcome: "skipped", status: "failure" },
  ]);
  assert.equal(outputs["failed"], "true");
  assert.match(
    summary,
    /\| aks-no-token \(rg\) \| ❌ failed \| A step before the action failed \(see the job log\) \(`job-step-failed`\) \|/,
  );
  assert.match(summary, /\| aks-gone \(rg\) \| ✅ \| Flux configuration: deleted; Deploy key: deleted \| — \| — \| — \|/);
});

test("invalid inputs still leave a record: outcome failed, nothing changed, the error's code and title", async () => {
  const { runAction } = await import("../emulator/run-action.ts");
  const run = await runAction({ INPUT_MODE: "bogus", "INPUT_RESOURCE-GROUP": "rg", "INPUT_CLUSTER-NAME": "aks" });
  assert.equal(run.code, 1);
  const record = JSON.parse(run.outputs["result"] ?? "{}") as { outcome: string; changed: boolean; error: { code: string } };
  assert.deepEqual([record.outcome, record.changed, record.error.code], ["failed", false, "invalid-input"]);
});
