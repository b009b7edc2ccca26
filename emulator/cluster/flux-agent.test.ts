// The Flux agent stand-in against a real SSH git host: what it fetches and what it reports.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import { AKS, LRO, RG, startFluxWorld, until } from "../testing/flux-agent.ts";
import type { FluxWorld } from "../testing/flux-agent.ts";

let w: FluxWorld;

before(async () => {
  w = await startFluxWorld();
});
after(async () => w.stop());

function gitRepositoryCondition(read: FluxConfiguration): { status?: string; message?: string; reason?: string } | undefined {
  return read.statuses?.find((s) => s !== null && s.kind === "GitRepository")?.statusConditions?.find((c) => c.type === "Ready");
}

async function create(name: string, config: FluxConfiguration, cluster = "aks-flux"): Promise<FluxConfiguration> {
  await w.client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, cluster, name, config, LRO);
  return w.get(name, cluster);
}

describe("Flux agent", () => {
  test("fetches over SSH with the stored deploy key: Pending while the kustomization applies, then Compliant at the branch head", async () => {
    const done = await create("fleet", w.config());
    assert.equal(done.provisioningState, "Succeeded");
    const read = await until(
      () => w.get("fleet"),
      (r) => r.complianceState === "Compliant",
    );
    assert.equal(read.complianceState, "Compliant", JSON.stringify(read.statuses));
    assert.equal(read.sourceSyncedCommitId, `main/${w.head()}`);
    assert.deepEqual(
      { ...gitRepositoryCondition(read), lastTransitionTime: undefined },
      {
        type: "Ready",
        status: "True",
        reason: "Succeeded",
        message: `stored artifact for revision 'main@sha1:${w.head()}'`,
        lastTransitionTime: undefined,
      },
    );
    const kustomization = read.statuses?.find((s) => s !== null && s.kind === "Kustomization");
    assert.equal(kustomization?.name, "fleet-infra");
    assert.equal(kustomization?.complianceState, "Compliant");
    assert.match(read.repositoryPublicKey ?? "", /^ssh-ed25519 /);
    const reports = w.t.cloud.agentReports(w.clusterId, "fleet");
    assert.deepEqual(
      reports.map((r) => [r.complianceState, r.progressing, r.fetched]),
      [
        ["Pending", true, true],
        ["Compliant", false, true],
      ],
    );
    assert.ok(reports.every((r) => r.keyFingerprint === w.deployKey.fingerprint && r.generation === 1));
    assert.equal(reports.at(-1)?.at, read.statusUpdatedAt?.toISOString());
    assert.deepEqual(
      w.t.cloud.agentFetches(w.clusterId, "fleet").map((f) => [f.ok, f.keyFingerprint]),
      [[true, w.deployKey.fingerprint]],
    );
  });

  test("a kustomization path missing from the repository is Non-Compliant in the first report", async () => {
    const read = await create("nopath", w.config({ path: "clusters/nope", ref: { tag: "v1.2.0" } }));
    assert.equal(read.complianceState, "Non-Compliant");
    assert.equal(gitRepositoryCondition(read)?.status, "True");
    const condition = read.statuses?.find((s) => s !== null && s.kind === "Kustomization")?.statusConditions?.[0];
    assert.match(
      condition?.message ?? "",
      /^kustomization path not found: stat \/tmp\/kustomization-[0-9a-f]+\/clusters\/nope: no such file or directory$/,
    );
    assert.deepEqual(
      w.t.cloud.agentReports(w.clusterId, "nopath").map((r) => [r.complianceState, r.progressing]),
      [["Non-Compliant", false]],
    );
  });

  test("known hosts that do not hold the server's key -> Host key verification failed, with no progressing phase", async () => {
    const read = await create("badhost", w.config({ knownHosts: w.wrongKnownHosts }));
    assert.equal(read.complianceState, "Non-Compliant");
    assert.equal(gitRepositoryCondition(read)?.status, "False");
    assert.match(gitRepositoryCondition(read)?.message ?? "", /Host key verification failed\./);
    assert.deepEqual(
      w.t.cloud.agentReports(w.clusterId, "badhost").map((r) => r.progressing),
      [false],
    );
    assert.deepEqual(
      w.t.cloud.agentFetches(w.clusterId, "badhost").map((f) => f.ok),
      [false],
    );
  });

  test("an unknown key is denied (Permission denied) in the report that lands before the operation ends", async () => {
    const read = await create("denied", w.config({ key: w.strangerKey.privateKey }));
    assert.equal(read.complianceState, "Non-Compliant");
    assert.match(gitRepositoryCondition(read)?.message ?? "", /Permission denied \(publickey\)/);
    assert.match(read.errorMessage ?? "", /Permission denied \(publickey\)/);
    assert.equal(w.t.cloud.agentFetches(w.clusterId, "denied")[0]?.keyFingerprint, w.strangerKey.fingerprint);
  });

  test("without a Succeeded microsoft.flux extension the configuration stays Pending; suspend gives Suspended", async () => {
    const pending = await create("waiting", w.config(), "aks-bare");
    await w.t.cloud.reconcileNow();
    assert.equal(pending.complianceState, "Pending");
    assert.deepEqual(pending.statuses, []);
    assert.equal((await w.get("waiting", "aks-bare")).complianceState, "Pending");
    const bare = w.clusterId.replace("aks-flux", "aks-bare");
    assert.deepEqual(
      w.t.cloud.agentReports(bare, "waiting").map((r) => [r.complianceState, r.fetched]),
      [
        ["Pending", false],
        ["Pending", false],
      ],
    );
    assert.deepEqual(w.t.cloud.agentFetches(bare, "waiting"), []);
    assert.equal((await create("paused", w.config({ suspend: true }))).complianceState, "Suspended");
  });

  test("the agent leaves no key material behind and stops reconciling deleted configurations", async () => {
    await w.t.cloud.reconcileNow();
    assert.deepEqual(readdirSync(join(w.dir, "agent")), []);
    await w.client.fluxConfigurations.beginDeleteAndWait(RG, ...AKS, "aks-flux", "fleet", LRO);
    const fetches = w.t.cloud.agentFetches(w.clusterId, "fleet").length;
    await w.t.cloud.reconcileNow();
    assert.equal(w.t.cloud.getFluxConfiguration(w.clusterId, "fleet"), undefined);
    assert.equal(w.t.cloud.agentFetches(w.clusterId, "fleet").length, fetches);
  });
});
