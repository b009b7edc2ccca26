// HelmRelease statuses the agent reports for the HelmRelease manifests under a kustomization's path (pure), and how
// manifests are read from YAML.
import { describe as suite, test } from "node:test";
import assert from "node:assert/strict";
import { parseAllDocuments } from "yaml";
import { helmReleaseManifest } from "../github/helm-release-fixtures.ts";
import type { HelmReleaseFixture } from "../github/helm-release-fixtures.ts";
import { helmReleaseOf } from "./flux-manifests.ts";
import type { HelmReleaseManifest } from "./flux-manifests.ts";
import { describe } from "./flux-status.ts";
import type { ObjectStatus } from "./flux-status.ts";
import { agentView, PODINFO_INSTALL_FAILED, SHA } from "../testing/flux-view.ts";

const view = agentView({ infra: { path: "./clusters/prod" }, apps: { path: "./apps", dependsOn: ["infra"] } });

function manifest(release: HelmReleaseFixture): HelmReleaseManifest {
  const parsed = helmReleaseOf(parseAllDocuments(helmReleaseManifest(release))[0]?.toJS(), "clusters/prod/helm/x.yaml");
  assert.ok(parsed);
  return parsed;
}

const podinfo = manifest({ name: "podinfo", namespace: "podinfo" });
const fetched = (releases: readonly HelmReleaseManifest[]) =>
  ({
    ok: true,
    sha: SHA,
    refName: "main",
    missingPaths: [],
    publicKey: "",
    helmReleases: { "./clusters/prod": releases, "./apps": [] },
  }) as const;
const helm = (statuses: readonly ObjectStatus[]): ObjectStatus[] => statuses.filter((s) => s.kind === "HelmRelease");
const ready = (s: ObjectStatus | undefined): [string, string, string] => {
  const c = s?.statusConditions.find((x) => x.type === "Ready");
  return [c?.status ?? "", c?.reason ?? "", c?.message ?? ""];
};

suite("HelmRelease statuses", () => {
  test("an installed release: Compliant, InstallSucceeded at revision 1, applied by its kustomization", () => {
    const report = describe(view, fetched([podinfo]), "t1");
    const [status] = helm(report.statuses);
    assert.deepEqual(
      { ...status, statusConditions: undefined },
      {
        kind: "HelmRelease",
        name: "podinfo",
        namespace: "podinfo",
        complianceState: "Compliant",
        appliedBy: { name: "fleet-infra", namespace: "flux-system" },
        statusConditions: undefined,
        helmReleaseProperties: {
          lastRevisionApplied: 1,
          helmChartRef: { name: "podinfo-podinfo", namespace: "flux-system" },
          failureCount: 0,
          installFailureCount: 0,
          upgradeFailureCount: 0,
        },
      },
    );
    assert.deepEqual(ready(status), [
      "True",
      "InstallSucceeded",
      "Helm install succeeded for release podinfo/podinfo.v1 with chart podinfo@6.7.1",
    ]);
    assert.equal(report.complianceState, "Compliant");
  });

  test("a failed install: InstallFailed with Helm's message and counts; the waiting kustomization fails its health check", () => {
    const failures = { "podinfo/podinfo": { action: "install" as const, message: "context deadline exceeded" } };
    const report = describe(view, fetched([podinfo]), "t1", undefined, failures);
    const [status] = helm(report.statuses);
    assert.equal(status?.complianceState, "Non-Compliant");
    assert.deepEqual(ready(status), [...PODINFO_INSTALL_FAILED.ready]);
    assert.deepEqual(status?.helmReleaseProperties, PODINFO_INSTALL_FAILED.helmReleaseProperties);
    const [infra, apps] = report.statuses.filter((s) => s.kind === "Kustomization");
    assert.equal(ready(infra)[1], "HealthCheckFailed");
    assert.match(
      ready(infra)[2],
      /^health check failed after \d+\.\d{6}ms: failed early due to stalled resources: \[HelmRelease\/podinfo\/podinfo status: 'Failed'\]$/,
    );
    assert.deepEqual(ready(apps).slice(1), ["DependencyNotReady", "dependency 'flux-system/fleet-infra' is not ready"]);
    assert.equal(report.complianceState, "Non-Compliant");
    // The same failure reported again reads the same (no churn for the on-change agent).
    assert.equal(ready(infra)[2], ready(describe(view, fetched([podinfo]), "t2", undefined, failures).statuses[1])[2]);
  });

  test("wait: false keeps the kustomization Ready; the release alone is Non-Compliant", () => {
    const noWait = { ...view, kustomizations: { infra: { path: "./clusters/prod", wait: false } } };
    const report = describe(noWait, fetched([podinfo]), "t", undefined, { "podinfo/podinfo": { action: "install", message: "boom" } });
    assert.deepEqual(
      report.statuses.map((s) => [s.kind, s.complianceState]),
      [
        ["GitRepository", "Compliant"],
        ["Kustomization", "Compliant"],
        ["HelmRelease", "Non-Compliant"],
      ],
    );
  });

  test("a failed upgrade: UpgradeFailed at revision 1 with upgradeFailureCount; release name and namespace as Helm's", () => {
    const targeted = manifest({ name: "redis", namespace: "flux-system", targetNamespace: "cache" });
    assert.deepEqual([targeted.releaseName, targeted.releaseNamespace], ["cache-redis", "cache"]);
    const report = describe(view, fetched([targeted]), "t", undefined, {
      "flux-system/redis": { action: "upgrade", message: "timed out" },
    });
    const [status] = helm(report.statuses);
    assert.deepEqual(ready(status).slice(1), [
      "UpgradeFailed",
      "Helm upgrade failed for release cache/cache-redis with chart podinfo@6.7.1: timed out",
    ]);
    assert.deepEqual(
      [
        status?.helmReleaseProperties?.lastRevisionApplied,
        status?.helmReleaseProperties?.upgradeFailureCount,
        status?.helmReleaseProperties?.failureCount,
      ],
      [1, 1, 1],
    );
  });

  test("an unchanged release keeps its condition; a new chart version upgrades to the next revision", () => {
    const first = describe(view, fetched([podinfo]), "t1");
    const again = describe({ ...view, previous: { ...view.previous, statuses: first.statuses } }, fetched([podinfo]), "t2");
    assert.deepEqual(helm(again.statuses), helm(first.statuses));
    const bumped = manifest({ name: "podinfo", namespace: "podinfo", version: "6.8.0" });
    const upgraded = describe({ ...view, previous: { ...view.previous, statuses: again.statuses } }, fetched([bumped]), "t3");
    const [status] = helm(upgraded.statuses);
    assert.deepEqual(ready(status), [
      "True",
      "UpgradeSucceeded",
      "Helm upgrade succeeded for release podinfo/podinfo.v2 with chart podinfo@6.8.0",
    ]);
    assert.equal(status?.helmReleaseProperties?.lastRevisionApplied, 2);
    assert.equal(status?.statusConditions[0]?.lastTransitionTime, "t1");
  });

  test("while the kustomization applies: no release yet, then Progressing during its health checks", () => {
    assert.deepEqual(helm(describe(view, fetched([podinfo]), "t", 0).statuses), []);
    const [checking] = helm(describe(view, fetched([podinfo]), "t", 1).statuses);
    assert.equal(checking?.complianceState, "Pending");
    assert.deepEqual(ready(checking), ["Unknown", "Progressing", "Running 'install' action with timeout of 5m0s"]);
  });

  test("a kustomization that applies nothing reports no release; a failed fetch keeps the ones it had", () => {
    assert.deepEqual(helm(describe(view, { ...fetched([podinfo]), missingPaths: ["./clusters/prod"] }, "t").statuses), []);
    const installed = describe(view, fetched([podinfo]), "t1");
    const failed = describe(
      { ...view, previous: { ...view.previous, statuses: installed.statuses } },
      { ok: false, message: "x", publicKey: "" },
      "t2",
    );
    assert.deepEqual(helm(failed.statuses), helm(installed.statuses));
  });
});

suite("HelmRelease manifests", () => {
  test("helm.toolkit.fluxcd.io v2, v2beta1 and v2beta2 HelmReleases are read; other objects are not", () => {
    const docs = (text: string): unknown[] => parseAllDocuments(text).map((d) => d.toJS());
    assert.equal(helmReleaseOf(docs(helmReleaseManifest({ name: "a", apiVersion: "v2beta1" }))[0], "f")?.name, "a");
    assert.equal(helmReleaseOf(docs(helmReleaseManifest({ name: "b", apiVersion: "v2beta2" }))[0], "f")?.namespace, "default");
    assert.equal(
      helmReleaseOf(docs("apiVersion: helm.toolkit.fluxcd.io/v1\nkind: HelmRelease\nmetadata:\n  name: x\n")[0], "f"),
      undefined,
    );
    assert.equal(helmReleaseOf(docs("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n")[0], "f"), undefined);
    const gitChart = helmReleaseOf(
      docs(
        "apiVersion: helm.toolkit.fluxcd.io/v2\nkind: HelmRelease\nmetadata: {name: app, namespace: web}\nspec:\n  chart:\n    spec:\n      chart: ./charts/app\n      sourceRef: {kind: GitRepository, name: flux-system, namespace: flux-system}\n",
      )[0],
      "f",
    );
    assert.deepEqual(
      [gitChart?.chart, gitChart?.version, gitChart?.helmChartRef],
      ["app", "0.1.0", { name: "web-app", namespace: "flux-system" }],
    );
  });
});
