// The Flux agent stand-in reporting HelmReleases found in the fetched tree, read back through the Azure SDK.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { FluxConfiguration, ObjectStatusDefinition } from "@azure/arm-kubernetesconfiguration";
import { helmReleaseFiles, helmReleaseManifest } from "../github/helm-release-fixtures.ts";
import { DEFAULT_AGENT } from "./agent-behaviour.ts";
import { AKS, LRO, RG, startFluxWorld, until } from "../testing/flux-agent.ts";
import type { FluxWorld } from "../testing/flux-agent.ts";
import { PODINFO_INSTALL_FAILED } from "../testing/flux-view.ts";

let w: FluxWorld;

before(async () => {
  w = await startFluxWorld();
  // The v2beta2 HelmRelease below is served up to microsoft.flux 1.22.x (Flux 2.6); 1.23.0 and later refuse it.
  w.t.cloud.addExtension(w.clusterId, { version: "1.22.2" });
  w.pushFiles({
    ...helmReleaseFiles({ path: "clusters/prod", releases: [{ name: "podinfo", namespace: "podinfo" }] }),
    // A multi-document file: a ConfigMap and an older-API HelmRelease; and one outside the kustomization's path.
    "clusters/prod/cache.yaml": `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n---\n${helmReleaseManifest({ name: "redis", namespace: "cache", apiVersion: "v2beta2", chart: "redis", version: "19.0.2" })}`,
    "elsewhere/other.yaml": helmReleaseManifest({ name: "other" }),
  });
});
after(async () => {
  w.t.cloud.setAgent(DEFAULT_AGENT);
  await w.stop();
});

/** HelmRelease statuses by name (the agent lists them in the order of the files in the tree). */
const releases = (read: FluxConfiguration): ObjectStatusDefinition[] =>
  (read.statuses ?? [])
    .filter((s): s is ObjectStatusDefinition => s !== null && s.kind === "HelmRelease")
    .sort((a, b) => String(a.name).localeCompare(String(b.name)));
const readyOf = (s: ObjectStatusDefinition | undefined): string[] => {
  const c = s?.statusConditions?.find((x) => x.type === "Ready");
  return [c?.status ?? "", c?.reason ?? "", c?.message ?? ""];
};

describe("Flux agent: HelmReleases", () => {
  test("a failing install is reported with Helm's message and counts, then installs once the failure is gone", async () => {
    w.t.cloud.setAgent({ helmFailures: { "podinfo/podinfo": { action: "install", message: "context deadline exceeded" } } });
    await w.client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", "fleet", w.config(), LRO);
    const failed = await until(
      () => w.get("fleet"),
      (r) => r.complianceState === "Non-Compliant" && releases(r).length === 2,
    );
    assert.deepEqual(
      releases(failed).map((s) => [s.name, s.namespace, s.complianceState]),
      [
        ["podinfo", "podinfo", "Non-Compliant"],
        ["redis", "cache", "Compliant"],
      ],
      JSON.stringify(failed.statuses),
    );
    const [podinfo, redis] = releases(failed);
    assert.deepEqual(podinfo?.appliedBy, { name: "fleet-infra", namespace: "flux-system" });
    assert.deepEqual(readyOf(podinfo), [...PODINFO_INSTALL_FAILED.ready]);
    assert.deepEqual(podinfo?.helmReleaseProperties, PODINFO_INSTALL_FAILED.helmReleaseProperties);
    assert.deepEqual(readyOf(redis).slice(1), [
      "InstallSucceeded",
      "Helm install succeeded for release cache/redis.v1 with chart redis@19.0.2",
    ]);
    const kustomization = failed.statuses?.find((s) => s !== null && s.kind === "Kustomization");
    assert.equal(readyOf(kustomization ?? undefined)[1], "HealthCheckFailed");

    w.t.cloud.setAgent({ helmFailures: {} });
    await w.t.cloud.reconcileNow();
    const fixed = await until(
      () => w.get("fleet"),
      (r) => r.complianceState === "Compliant",
    );
    assert.deepEqual(readyOf(releases(fixed)[0]), [
      "True",
      "InstallSucceeded",
      "Helm install succeeded for release podinfo/podinfo.v1 with chart podinfo@6.7.1",
    ]);
    assert.equal(releases(fixed)[0]?.helmReleaseProperties?.lastRevisionApplied, 1);
    assert.ok(!releases(fixed).some((s) => s.name === "other"), "only manifests under the kustomization's path");
  });
});
