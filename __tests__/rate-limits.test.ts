// Rate limits, GitHub's and Azure Resource Manager's, as the local cloud answers them: waited out inside wait-timeout
// with a `Rate limit:` progress line, or, when the wait would end past it, a failure that names the limit.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, scaledArmThrottling, type LocalCloud } from "../emulator/index.ts";
import { errorAnnotations } from "./support/annotations.ts";
import { runAction } from "../emulator/run-action.ts";

let cloud: LocalCloud;
const secondary = {
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
};

before(async () => {
  cloud = await startLocalCloud({ delays: { provisioningMs: 300, reconciliationMs: 200 } });
});
after(() => cloud.close());

const seed = (name: string): ReturnType<typeof seedScenario> =>
  seedScenario(cloud, { clusterName: `aks-limits-${name}`, repo: `cfg-limits-${name}` });

test("GitHub's primary limit (remaining 0 until x-ratelimit-reset) is waited out with a progress line", async () => {
  const scenario = await seed("primary");
  cloud.github.setRateLimit({ limit: 100, remaining: 0, resetInSeconds: 2 });
  const run = await runAction(actionEnv(cloud, scenario));
  cloud.github.setRateLimit({ limit: 5000 });
  assert.equal(run.code, 0, run.everything);
  assert.match(
    run.stdout,
    /Rate limit: GitHub's primary rate limit stopped GET \S+; waiting \d+s \(until x-ratelimit-reset\), then trying again; wait-timeout leaves \d+m\d+s\./,
  );
});

test("a secondary limit without retry-after backs off a minute, as GitHub's docs say: past wait-timeout, it fails naming the limit", async () => {
  const scenario = await seed("bare");
  cloud.injectFault({ service: "github", method: "POST", path: "/keys", kind: "status", status: 403, body: secondary, times: Infinity });
  const run = await runAction(actionEnv(cloud, scenario, { "wait-timeout": "30s" }));
  cloud.clearFaults();
  assert.equal(run.code, 1, run.everything);
  const [error] = errorAnnotations(run.stdout);
  assert.equal(error?.title, "Rate limit outlasts wait-timeout");
  assert.match(error?.message ?? "", /GitHub's secondary rate limit stopped POST \/repos\/contoso\/cfg-limits-bare\/keys/);
  assert.match(error?.message ?? "", /60s: no retry-after: GitHub's back-off/);
  assert.match(error?.message ?? "", /troubleshooting\.md#rate-limited/);
  assert.equal(cloud.github.deployKeys(`contoso/cfg-limits-bare`).length, 0, "nothing was registered");
});

test("ARM's token buckets (scaled) answer 429 with Retry-After: each one waited out, the run Compliant", async () => {
  const scenario = await seed("arm");
  const before = cloud.azure.throttled();
  // A bucket of 5 reads: the start's burst of reads alone overdraws it (the waits' own pacing by the remaining reads,
  // src/azure/read-budget.ts, keeps a bucket of 10 from ever answering 429).
  cloud.azure.setThrottling(scaledArmThrottling(50));
  const run = await runAction(actionEnv(cloud, scenario));
  cloud.azure.setThrottling(undefined);
  assert.equal(run.code, 0, run.everything);
  assert.equal(run.outputs["compliance-state"], "Compliant");
  const throttled = cloud.azure.throttled() - before;
  assert.ok(throttled > 0, "ARM throttled some requests");
  const lines = run.stdout
    .split("\n")
    .filter((line) => line.startsWith("Rate limit: Azure Resource Manager throttling (HTTP 429 SubscriptionRequestsThrottled)"));
  assert.equal(lines.length, throttled, run.stdout);
  assert.match(lines[0] ?? "", /waiting \d+s \(Retry-After: \d+\)/);
});

test("an ARM 429 whose Retry-After ends past wait-timeout fails at once, naming the limit", async () => {
  const scenario = await seed("arm-long");
  cloud.injectFault({
    service: "arm",
    method: "GET",
    path: `/managedClusters/${scenario.clusterName}`,
    kind: "status",
    status: 429,
    retryAfter: 600,
    times: Infinity,
  });
  const started = performance.now();
  const run = await runAction(actionEnv(cloud, scenario, { "wait-timeout": "1m" }));
  cloud.clearFaults();
  assert.equal(run.code, 1, run.everything);
  assert.ok(performance.now() - started < 30_000, "it did not wait");
  const [error] = errorAnnotations(run.stdout);
  assert.equal(error?.title, "Rate limit outlasts wait-timeout");
  assert.match(
    error?.message ?? "",
    /Azure Resource Manager throttling \(HTTP 429 TooManyRequests\) stopped GET \S+managedClusters\/aks-limits-arm-long/,
  );
  assert.match(error?.message ?? "", /10m00s: Retry-After: 600/);
});

test("the pure rules: GitHub's back-off without retry-after doubles from a minute; a wait fits only before the deadline", async () => {
  const { secondaryBackoffMs, fitsBefore, rateLimitError, waitLine } = await import("../src/rate-limits.ts");
  assert.deepEqual([0, 1, 2, 3].map(secondaryBackoffMs), [60_000, 120_000, 240_000, 480_000]);
  const hit = {
    limit: "GitHub's secondary rate limit",
    request: "POST /repos/o/r/keys",
    waitMs: 60_000,
    reason: "no retry-after: GitHub's back-off",
    attempt: 2,
  };
  assert.equal(fitsBefore(hit, 1_000_000, 900_000), true);
  assert.equal(fitsBefore(hit, 1_000_000, 950_000), false);
  assert.equal(
    waitLine(hit, 1_000_000, 900_000),
    "Rate limit: GitHub's secondary rate limit stopped POST /repos/o/r/keys (time 2); waiting 60s (no retry-after: GitHub's back-off), then trying again; wait-timeout leaves 1m40s.",
  );
  const error = rateLimitError(hit, 1_000_000, undefined, 950_000);
  assert.equal(error.code, "rate-limited");
  assert.match(error.message, /would end after wait-timeout \(50s left\)/);
});
