// The Flux agent under the extension's Flux: an object in an apiVersion that Flux no longer serves fails its
// kustomization's apply (ReconciliationFailed, nothing of it applied); the same tree under an older extension applies.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import type { ObjectStatusDefinition } from "@azure/arm-kubernetesconfiguration";
import { oldApiFiles } from "../github/flux-api-fixtures.ts";
import { AKS, LRO, RG, startFluxWorld, until } from "../testing/flux-agent.ts";
import type { FluxWorld } from "../testing/flux-agent.ts";

let w: FluxWorld;
before(async () => {
  w = await startFluxWorld();
  w.pushFiles(oldApiFiles({ path: "clusters/prod" }).files);
});
after(async () => w.stop());

const ready = (statuses: readonly (ObjectStatusDefinition | null)[] | undefined, kind: string): string[] => {
  const c = statuses?.find((s) => s?.kind === kind)?.statusConditions?.find((x) => x.type === "Ready");
  return [c?.status ?? "", c?.reason ?? "", c?.message ?? ""];
};

describe("Flux agent: apiVersions the extension's Flux refuses", () => {
  test("microsoft.flux 1.24.1 refuses a v2beta1 HelmRelease and a v1beta2 HelmRepository; 1.22.2 applies them", async () => {
    await w.client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", "old", w.config(), LRO);
    const refused = await until(
      () => w.get("old"),
      (r) => r.complianceState === "Non-Compliant",
    );
    const [status, reason, message = ""] = ready(refused.statuses, "Kustomization");
    assert.deepEqual([status, reason], ["False", "ReconciliationFailed"]);
    assert.match(
      message,
      /^HelmRe(lease|pository)\/\S+ dry-run failed, error: no matches for kind "HelmRe(lease|pository)" in version "(helm|source)\.toolkit\.fluxcd\.io\/v2?beta[12]"$/,
    );
    assert.ok(!refused.statuses?.some((s) => s?.kind === "HelmRelease"), "nothing of the kustomization was applied");

    w.t.cloud.addExtension(w.clusterId, { version: "1.22.2" });
    await w.t.cloud.reconcileNow();
    const applied = await until(
      () => w.get("old"),
      (r) => r.complianceState === "Compliant",
    );
    assert.equal(ready(applied.statuses, "HelmRelease")[1], "InstallSucceeded");
  });
});
