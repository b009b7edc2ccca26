// The statuses the agent reports for a fetch result, in the progressing phase and at the end (pure).
import { describe as suite, test } from "node:test";
import assert from "node:assert/strict";
import { describe, signature } from "./flux-status.ts";
import { agentView, SHA } from "../testing/flux-view.ts";

const view = agentView({
  infra: { path: "./clusters/prod", timeoutInSeconds: 600 },
  apps: { path: "./apps", dependsOn: ["infra"] },
  lost: { path: "./nope" },
});
const fetched = { ok: true as const, sha: SHA, refName: "main", missingPaths: ["./nope"], publicKey: "" };
const ready = (step?: number): Array<[string, string, string, string]> =>
  describe(view, fetched, "2026-01-01T00:00:00.000Z", step).statuses.map((s) => {
    const c = s.statusConditions[0];
    return [s.name, s.complianceState, c?.reason ?? "", c?.message ?? ""];
  });

suite("Flux statuses", () => {
  test("first progressing report: Progressing / Reconciliation in progress (Pending); dependants DependencyNotReady; a missing path is final", () => {
    const rows = ready(0);
    assert.deepEqual(rows[0], ["fleet", "Compliant", "Succeeded", `stored artifact for revision 'main@sha1:${SHA}'`]);
    assert.deepEqual(rows[1], ["fleet-infra", "Pending", "Progressing", "Reconciliation in progress"]);
    assert.deepEqual(rows[2], ["fleet-apps", "Non-Compliant", "DependencyNotReady", "dependency 'flux-system/fleet-infra' is not ready"]);
    assert.equal(rows[3]?.[2], "ArtifactFailed");
    assert.match(
      rows[3]?.[3] ?? "",
      /^kustomization path not found: stat \/tmp\/kustomization-[0-9a-f]+\/nope: no such file or directory$/,
    );
  });

  test("later progressing reports: ProgressingWithRetry with kustomize-controller's health-check message (Non-Compliant)", () => {
    assert.deepEqual(ready(1)[1], [
      "fleet-infra",
      "Non-Compliant",
      "ProgressingWithRetry",
      `Running health checks for revision main@sha1:${SHA} with a timeout of 10m0s`,
    ]);
  });

  test("top-level complianceState: Non-Compliant over Pending over Compliant", () => {
    const only = { ...view, kustomizations: { infra: { path: "./clusters/prod" } } };
    const clean = { ...fetched, missingPaths: [] };
    assert.equal(describe(only, clean, "t", 0).complianceState, "Pending");
    assert.equal(describe(only, clean, "t", 1).complianceState, "Non-Compliant");
    assert.equal(describe(only, clean, "t").complianceState, "Compliant");
    assert.equal(describe(view, fetched, "t").complianceState, "Non-Compliant");
  });

  test("signatures ignore timestamps and the temp dir name, not a new commit", () => {
    assert.equal(signature(describe(view, fetched, "a")), signature(describe(view, fetched, "b")));
    assert.notEqual(signature(describe(view, fetched, "a")), signature(describe(view, { ...fetched, sha: SHA.replace("0", "f") }, "a")));
  });
});
