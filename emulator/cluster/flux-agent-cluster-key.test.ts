// The key pair the agent makes when a flux configuration has an SSH URL and no sshPrivateKey (generateKeys): made once,
// published as repositoryPublicKey, kept out of ARM, refused by the git host until registered, retried with Flux's
// growing delay, forgotten with the configuration.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { DEFAULT_AGENT } from "./agent-behaviour.ts";
import { AKS, b64, LRO, RG, startFluxWorld, until } from "../testing/flux-agent.ts";
import type { FluxWorld } from "../testing/flux-agent.ts";

let w: FluxWorld;

before(async () => {
  w = await startFluxWorld();
});
afterEach(() => w.t.cloud.setAgent(DEFAULT_AGENT));
after(async () => w.stop());

const PRIVATE = /PRIVATE KEY|b3BlbnNzaC1rZXktdjE|sshPrivateKey":"[^"]/;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const fetches = (name: string) => w.t.cloud.agentFetches(w.clusterId, name);
const reports = (name: string) => w.t.cloud.agentReports(w.clusterId, name);
const keyOf = (name: string) => w.t.cloud.agentClusterKey(w.clusterId, name);

async function createKeyless(name: string): Promise<void> {
  await w.client.fluxConfigurations.beginCreateOrUpdateAndWait(RG, ...AKS, "aks-flux", name, w.config({ key: null }), LRO);
}

async function patch(name: string, properties: Record<string, unknown>): Promise<void> {
  await w.client.fluxConfigurations.beginUpdateAndWait(RG, ...AKS, "aks-flux", name, properties, LRO);
}

describe("cluster-generated key", () => {
  test("the pair is made once and published in the first report; the private half is in no stored setting, GET or list", async () => {
    await createKeyless("made");
    const read = await w.get("made");
    const key = keyOf("made");
    assert.ok(key, "the agent made a pair");
    assert.match(key.publicKey, /^ecdsa-sha2-nistp384 [A-Za-z0-9+/]+=*$/, "default clusterKeyType ecdsa (P-384)");
    assert.equal(read.repositoryPublicKey, key.publicKey, "published before the create operation ended");
    assert.equal(read.complianceState, "Non-Compliant");
    assert.match(read.errorMessage ?? "", /Permission denied \(publickey\)/);
    assert.deepEqual(w.t.cloud.getFluxConfiguration(w.clusterId, "made")?.configurationProtectedSettings, {});
    const listed = [];
    for await (const c of w.client.fluxConfigurations.list(RG, ...AKS, "aks-flux")) listed.push(c);
    for (const body of [read, listed, w.t.cloud.getFluxConfiguration(w.clusterId, "made")]) {
      assert.doesNotMatch(JSON.stringify(body), PRIVATE);
    }
    assert.deepEqual(readdirSync(join(w.dir, "agent")), [], "no key file left behind");
    await w.t.cloud.reconcileNow();
    assert.equal(keyOf("made")?.fingerprint, key.fingerprint, "one pair per configuration");
    assert.ok(fetches("made").every((f) => f.keyFingerprint === key.fingerprint && !f.ok));
    assert.ok(reports("made").every((r) => r.keyFingerprint === key.fingerprint));
  });

  test("Permission denied until the public half is registered, unchanged failures unreported; then progressing and Compliant", async () => {
    w.t.cloud.setAgent({ retryMinMs: 30, retryMaxMs: 120 });
    await createKeyless("denied");
    const settled = (await w.get("denied")).statusUpdatedAt?.toISOString();
    await until(
      () => fetches("denied").length,
      (n) => n >= 4,
    );
    assert.ok(fetches("denied").every((f) => !f.ok));
    assert.equal(reports("denied").length, 1, "identical failures are not reported");
    assert.equal((await w.get("denied")).statusUpdatedAt?.toISOString(), settled);
    const key = keyOf("denied");
    w.allow(key?.publicKey ?? "");
    const read = await until(
      () => w.get("denied"),
      (r) => r.complianceState === "Compliant",
      5_000,
    );
    assert.equal(read.complianceState, "Compliant");
    assert.equal(read.sourceSyncedCommitId, `main/${w.head()}`);
    assert.deepEqual(
      reports("denied").map((r) => [r.complianceState, r.progressing, r.keyFingerprint]),
      [
        ["Non-Compliant", false, key?.fingerprint],
        ["Pending", true, key?.fingerprint],
        ["Compliant", false, key?.fingerprint],
      ],
    );
  });

  test("failed fetches are retried after a delay doubling from retryMinMs up to retryMaxMs", async () => {
    // Delays large against a fetch's own time (an ssh round trip, up to several hundred ms on a loaded machine).
    w.t.cloud.setAgent({ retryMinMs: 200, retryMaxMs: 1600 });
    await createKeyless("backoff");
    const all = await until(
      () => fetches("backoff"),
      (f) => f.length >= 6,
      15_000,
    );
    const starts = all.slice(0, 6).map((f) => Date.parse(f.at));
    const gaps = starts.slice(1).map((t, i) => t - (starts[i] ?? 0));
    // Each gap = the delay (200, 400, 800, 1600, 1600) + the fetch's own time + up to one 25 ms tick.
    for (const [i, delay] of [200, 400, 800, 1600, 1600].entries()) {
      assert.ok((gaps[i] ?? 0) >= delay, `gap ${i} ${gaps[i]} ms >= ${delay} ms (${gaps.join(", ")})`);
      assert.ok((gaps[i] ?? 0) < delay + 1000, `gap ${i} ${gaps[i]} ms well under ${delay + 1000} ms (${gaps.join(", ")})`);
    }
    assert.ok((gaps[3] ?? 0) - (gaps[0] ?? 0) > 1000, `the delay grows (${gaps.join(", ")})`);
  });

  test("a GitRepository spec change fetches at once, failing or not; a scheduled retry is not needed", async () => {
    w.t.cloud.setAgent({ retryMinMs: 60_000 });
    await createKeyless("spec");
    await sleep(150);
    assert.equal(fetches("spec").length, 1, "no retry within retryMinMs");
    await patch("spec", { gitRepository: { timeoutInSeconds: 300 } });
    assert.deepEqual(
      fetches("spec").map((f) => [f.generation, f.ok]),
      [
        [1, false],
        [2, false],
      ],
    );
    w.allow(keyOf("spec")?.publicKey ?? "");
    await patch("spec", { gitRepository: { timeoutInSeconds: 400 } });
    assert.deepEqual(fetches("spec").at(-1)?.ok, true);
    const read = await until(
      () => w.get("spec"),
      (r) => r.complianceState === "Compliant",
      3_000,
    );
    assert.equal(read.complianceState, "Compliant");
  });

  test("generateKeys: false publishes nothing and fetches without a key", async () => {
    w.t.cloud.setAgent({ generateKeys: false });
    await createKeyless("nokey");
    const read = await w.get("nokey");
    assert.equal(read.repositoryPublicKey ?? "", "");
    assert.equal(keyOf("nokey"), undefined);
    assert.equal(read.complianceState, "Non-Compliant");
    assert.match(read.errorMessage ?? "", /Permission denied \(publickey\)/);
    assert.doesNotMatch(read.errorMessage ?? "", /identity/i, "no machine key was offered");
    assert.deepEqual(
      fetches("nokey").map((f) => [f.ok, f.keyFingerprint]),
      [[false, undefined]],
    );
  });

  test("deleting the configuration forgets the pair; the re-created configuration gets a new one", async () => {
    await createKeyless("again");
    const first = keyOf("again");
    assert.ok(first);
    await w.client.fluxConfigurations.beginDeleteAndWait(RG, ...AKS, "aks-flux", "again", LRO);
    assert.equal(keyOf("again"), undefined);
    await createKeyless("again");
    const second = keyOf("again");
    assert.ok(second && second.fingerprint !== first.fingerprint, "a new pair");
    assert.equal((await w.get("again")).repositoryPublicKey, second.publicKey);
  });

  test("a PATCH that gives an sshPrivateKey switches to it (lazy): repositoryPublicKey becomes its public half", async () => {
    await createKeyless("switch");
    w.allow(keyOf("switch")?.publicKey ?? "");
    await patch("switch", { gitRepository: { timeoutInSeconds: 300 } });
    await until(
      () => w.get("switch"),
      (r) => r.complianceState === "Compliant",
    );
    await patch("switch", { configurationProtectedSettings: { sshPrivateKey: b64(w.deployKey.privateKey) } });
    assert.notEqual(fetches("switch").at(-1)?.keyFingerprint, w.deployKey.fingerprint, "lazy: no fetch on a key-only change");
    await patch("switch", { gitRepository: { timeoutInSeconds: 400 } });
    assert.equal(fetches("switch").at(-1)?.keyFingerprint, w.deployKey.fingerprint);
    assert.equal(reports("switch").at(-1)?.keyFingerprint, w.deployKey.fingerprint);
    const published = (await w.get("switch")).repositoryPublicKey ?? "";
    assert.equal(published.split(" ").slice(0, 2).join(" "), w.deployKey.publicKey.split(" ").slice(0, 2).join(" "));
  });
});
