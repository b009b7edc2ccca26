// When the agent starts using a new deploy key after a PATCH of only configurationProtectedSettings.sshPrivateKey:
// keyFetch "lazy" (source-controller does not watch Secrets) and "eager".
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_AGENT } from "./agent-behaviour.ts";
import { AKS, b64, LRO, RG, startFluxWorld, until } from "../testing/flux-agent.ts";
import type { FluxWorld } from "../testing/flux-agent.ts";

let w: FluxWorld;

before(async () => {
  w = await startFluxWorld();
});
afterEach(() => w.t.cloud.setAgent(DEFAULT_AGENT));
after(async () => w.stop());

const fetches = (name: string): Array<[boolean, string | undefined]> =>
  w.t.cloud.agentFetches(w.clusterId, name).map((f) => [f.ok, f.keyFingerprint]);

async function patchKey(name: string, privateKey: string): Promise<void> {
  await w.client.fluxConfigurations.beginUpdateAndWait(
    RG,
    ...AKS,
    "aks-flux",
    name,
    { configurationProtectedSettings: { sshPrivateKey: b64(privateKey) } },
    LRO,
  );
}

async function compliant(name: string): Promise<Date | undefined> {
  await w.client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", name, w.config(), LRO);
  return (
    await until(
      () => w.get(name),
      (r) => r.complianceState === "Compliant",
    )
  ).statusUpdatedAt;
}

describe("deploy key changes", () => {
  test("lazy: a key-only PATCH fetches nothing and reports nothing; a GitRepository spec change fetches with the new key", async () => {
    const settled = await compliant("lazy");
    await patchKey("lazy", w.nextKey.privateKey);
    assert.equal(w.t.cloud.getFluxConfiguration(w.clusterId, "lazy")?.properties["provisioningState"], "Succeeded");
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(fetches("lazy"), [[true, w.deployKey.fingerprint]], "no fetch after the key-only PATCH");
    assert.equal((await w.get("lazy")).statusUpdatedAt?.toISOString(), settled?.toISOString(), "no report: statusUpdatedAt did not move");

    await w.client.fluxConfigurations.beginUpdateAndWait(RG, ...AKS, "aks-flux", "lazy", { gitRepository: { timeoutInSeconds: 300 } }, LRO);
    assert.deepEqual(fetches("lazy"), [
      [true, w.deployKey.fingerprint],
      [true, w.nextKey.fingerprint],
    ]);
    const report = w.t.cloud.agentReports(w.clusterId, "lazy").at(-1);
    assert.equal(report?.keyFingerprint, w.nextKey.fingerprint);
    assert.equal(report?.generation, 3);
    assert.equal(report?.complianceState, "Compliant");
  });

  test("lazy: the new key is used at the next sync interval; an unchanged result is not reported", async () => {
    const settled = await compliant("interval");
    await patchKey("interval", w.nextKey.privateKey);
    w.t.cloud.setAgent({ syncIntervalMs: 150 });
    await until(
      () => fetches("interval").length,
      (n) => n >= 2,
    );
    w.t.cloud.setAgent({ syncIntervalMs: undefined });
    assert.deepEqual(fetches("interval").slice(0, 2), [
      [true, w.deployKey.fingerprint],
      [true, w.nextKey.fingerprint],
    ]);
    assert.equal(w.t.cloud.agentFetches(w.clusterId, "interval")[1]?.generation, 2);
    assert.equal((await w.get("interval")).statusUpdatedAt?.toISOString(), settled?.toISOString(), "same result, no report");
  });

  test("lazy: a denied key fixed by a key-only PATCH stays Non-Compliant until the sync interval, then a Compliant report with the new key", async () => {
    await w.client.fluxConfigurations.beginCreateOrUpdateAndWait(
      RG,
      ...AKS,
      "aks-flux",
      "fixed",
      w.config({ key: w.strangerKey.privateKey }),
      LRO,
    );
    await patchKey("fixed", w.deployKey.privateKey);
    await new Promise((r) => setTimeout(r, 150));
    assert.equal((await w.get("fixed")).complianceState, "Non-Compliant");
    w.t.cloud.setAgent({ syncIntervalMs: 100 });
    const read = await until(
      () => w.get("fixed"),
      (r) => r.complianceState === "Compliant",
    );
    assert.equal(read.complianceState, "Compliant");
    const compliantReport = w.t.cloud.agentReports(w.clusterId, "fixed").find((r) => r.complianceState === "Compliant");
    assert.equal(compliantReport?.keyFingerprint, w.deployKey.fingerprint);
    assert.deepEqual(fetches("fixed").slice(0, 2), [
      [false, w.strangerKey.fingerprint],
      [true, w.deployKey.fingerprint],
    ]);
  });

  test("eager: a key-only PATCH fetches with the new key at once and reports", async () => {
    w.t.cloud.setAgent({ keyFetch: "eager" });
    const settled = await compliant("eager");
    await patchKey("eager", w.nextKey.privateKey);
    assert.deepEqual(fetches("eager"), [
      [true, w.deployKey.fingerprint],
      [true, w.nextKey.fingerprint],
    ]);
    const report = w.t.cloud.agentReports(w.clusterId, "eager").at(-1);
    assert.equal(report?.keyFingerprint, w.nextKey.fingerprint);
    assert.equal(report?.generation, 2);
    assert.ok(((await w.get("eager")).statusUpdatedAt?.getTime() ?? 0) > (settled?.getTime() ?? Infinity), "statusUpdatedAt moved");
  });
});
