// ARM's read budget paces every wait: what ARM says is left of the identity's token bucket
// (x-ms-ratelimit-remaining-subscription-reads, and the subscription's global bucket) stretches the cadence before
// ARM has to refuse reads. Pure rules first, then a run against the local cloud's documented token bucket, drained by
// "other runs" of the same identity.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { readFileSync } from "node:fs";
import { ReadBudget } from "../src/azure/read-budget.ts";
import { ARM_THROTTLING, actionEnv, seedScenario, startLocalCloud, type LocalCloud } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";

const answer = (headers: Record<string, string>): { get(name: string): string | undefined } => ({ get: (name) => headers[name] });

test("the pace is 1 while half a bucket is left, then half a bucket / remaining, at most 8", () => {
  const budget = new ReadBudget();
  assert.equal(budget.pace(), 1, "nothing heard yet");
  budget.observe(answer({ "x-ms-ratelimit-remaining-subscription-reads": "11999" }));
  assert.equal(budget.pace(), 1, "the hourly model's numbers are ample");
  budget.observe(answer({ "x-ms-ratelimit-remaining-subscription-reads": "125" }));
  assert.equal(budget.pace(), 1);
  budget.observe(answer({ "x-ms-ratelimit-remaining-subscription-reads": "50" }));
  assert.equal(budget.pace(), 2.5);
  budget.observe(answer({ "x-ms-ratelimit-remaining-subscription-reads": "0" }));
  assert.equal(budget.pace(), 8);
  budget.observe(answer({}));
  assert.equal(budget.pace(), 8, "an answer without the header keeps what was last said");
  budget.observe(
    answer({ "x-ms-ratelimit-remaining-subscription-reads": "200", "x-ms-ratelimit-remaining-subscription-global-reads": "625" }),
  );
  assert.equal(budget.pace(), 3, "the global bucket (15 × 250) counts too");
  budget.observe(
    answer({ "x-ms-ratelimit-remaining-subscription-reads": "not a number", "x-ms-ratelimit-remaining-subscription-global-reads": "3000" }),
  );
  assert.equal(budget.pace(), 1);
});

/** Reads from "other runs" of the same identity: GETs that take tokens from the subscription's read bucket. */
function otherRuns(
  cloud: LocalCloud,
  subscriptionId: string,
): { readonly burst: (n: number) => Promise<void>; readonly steady: (perSecond: number) => () => void } {
  const ca = readFileSync(cloud.tls.caPath);
  const url = new URL(
    `${cloud.azure.armEndpoint.replace(/\/$/, "")}/subscriptions/${subscriptionId}/providers/Microsoft.KubernetesConfiguration?api-version=2021-04-01`,
  );
  const get = (): Promise<void> =>
    new Promise((resolve) => {
      const req = request(url, { method: "GET", ca }, (res) => {
        res.resume();
        res.on("end", resolve);
      });
      req.on("error", () => resolve());
      req.end();
    });
  return {
    burst: async (n) => {
      for (let i = 0; i < n; i += 10) await Promise.all(Array.from({ length: Math.min(10, n - i) }, get));
    },
    steady: (perSecond) => {
      // Catches up with the rate when timers run late (a loaded machine), so the bucket really is held low.
      const started = performance.now();
      let sent = 0;
      const timer = setInterval(() => {
        const owed = Math.floor(((performance.now() - started) / 1000) * perSecond) - sent;
        for (let i = 0; i < owed; i += 1) void get();
        sent += Math.max(0, owed);
      }, 20);
      return () => clearInterval(timer);
    },
  };
}

/** The gaps between the polls of the extension's operation, after the write that started it (ms). */
function extensionPollGaps(cloud: LocalCloud, since: number): number[] {
  const log = cloud.traffic.log.slice(since);
  const write = log.find((r) => r.service === "arm" && r.method === "PUT" && /\/extensions\/[^/?]+/.test(r.path));
  assert.ok(write, "the extension was written");
  const polls = log.filter(
    (r) => r.service === "arm" && r.method === "GET" && /\/extensions\/[^/]+\/operations\//.test(r.path) && r.status === 200,
  );
  return polls.map((p, i) => p.at - (i === 0 ? write.at : (polls[i - 1]?.at ?? p.at)));
}

test("a run whose identity's read bucket runs low stretches its polls beyond Retry-After, and still converges", async () => {
  const cloud = await startLocalCloud({
    delays: { extensionProvisioningMs: 6000, provisioningMs: 300, reconciliationMs: 200, retryAfterSeconds: 1 },
  });
  try {
    // Alone: the bucket stays full, the extension's operation is polled at its Retry-After.
    const alone = await seedScenario(cloud, { clusterName: "aks-budget-alone", repo: "cfg-budget-alone" });
    cloud.azure.setThrottling(ARM_THROTTLING);
    let since = cloud.traffic.log.length;
    const first = await runAction(actionEnv(cloud, alone));
    assert.equal(first.code, 0, first.everything);
    const aloneGaps = extensionPollGaps(cloud, since);
    assert.ok(Math.min(...aloneGaps) >= 990, `never sooner than Retry-After: ${aloneGaps.join(", ")}`);
    assert.ok(Math.max(...aloneGaps) < 1_500, `alone, at Retry-After: ${aloneGaps.join(", ")}`);

    // With other runs of the same identity taking 24 of the 25 reads a second ARM refills, about 30–80 are left in the
    // bucket (of 250) while the run waits: it reads less often.
    const shared = await seedScenario(cloud, { clusterName: "aks-budget-shared", repo: "cfg-budget-shared" });
    assert.equal(shared.subscriptionId, alone.subscriptionId, "both runs read from one identity's bucket");
    cloud.azure.setThrottling(ARM_THROTTLING);
    const others = otherRuns(cloud, shared.subscriptionId);
    await others.burst(220);
    const stop = others.steady(24);
    since = cloud.traffic.log.length;
    const second = await runAction(actionEnv(cloud, shared)).finally(stop);
    cloud.azure.setThrottling(undefined);
    assert.equal(second.code, 0, second.everything);
    assert.equal(second.outputs["compliance-state"], "Compliant");
    const sharedGaps = extensionPollGaps(cloud, since);
    assert.ok(sharedGaps.length >= 1, "the extension's operation was polled");
    assert.ok(
      Math.min(...sharedGaps) >= 1_500,
      `with about 80 reads or fewer left the pace is at least 1.5: polls ${sharedGaps.join(", ")} ms apart (alone: ${aloneGaps.join(", ")})`,
    );
  } finally {
    await cloud.close();
  }
});
