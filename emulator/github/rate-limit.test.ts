import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { throttling } from "@octokit/plugin-throttling";
import { injectFault } from "../http.ts";
import { failureOf, startLocalGitHub } from "../testing/github.ts";
import type { LocalGitHub } from "../testing/github.ts";

let local: LocalGitHub;
const repo = { owner: "contoso", repo: "fleet" };

before(async () => {
  local = await startLocalGitHub();
  await local.github.createRepo({ owner: "contoso", name: "fleet" });
  local.github.addToken("ghs_app", { kind: "app", repos: "*", permissions: { administration: "write" } });
});
after(() => local.stop());

test("rate headers count down with every call", async () => {
  local.github.setRateLimit({ limit: 100, remaining: 50 });
  const first = await local.octokit("ghs_app").rest.repos.get(repo);
  const second = await local.octokit("ghs_app").rest.repos.get(repo);
  assert.deepEqual(
    [first.headers["x-ratelimit-limit"], first.headers["x-ratelimit-remaining"], first.headers["x-ratelimit-used"]],
    ["100", "49", "51"],
  );
  assert.equal(second.headers["x-ratelimit-remaining"], "48");
  assert.match(String(second.headers["x-ratelimit-reset"]), /^\d{10}$/);
});

test("a spent primary limit answers 403 with remaining 0 until reset", async () => {
  local.github.setRateLimit({ limit: 100, remaining: 0, resetInSeconds: 600 });
  const failure = await failureOf(local.octokit("ghs_app").rest.repos.get(repo));
  local.github.setRateLimit({ limit: 5000 });
  assert.equal(failure.status, 403);
  assert.match((failure.data as { message: string }).message, /^API rate limit exceeded/);
});

test("secondary limits answer 403 or 429 with retry-after and GitHub's message", async () => {
  local.github.throttle("secondary", 1, 7);
  local.github.throttle("secondary-429", 1, 3);
  const octokit = local.octokit("ghs_app");
  const first = await failureOf(octokit.rest.repos.listDeployKeys(repo));
  const second = await failureOf(octokit.rest.repos.listDeployKeys(repo));
  assert.equal(first.status, 403);
  assert.match((first.data as { message: string }).message, /^You have exceeded a secondary rate limit/);
  assert.equal(second.status, 429);
  assert.equal((await octokit.rest.repos.listDeployKeys(repo)).status, 200);
});

test("octokit's throttling plugin sees the secondary limit, waits retry-after and succeeds", async () => {
  const seen: number[] = [];
  const octokit = local.octokit(
    "ghs_app",
    {
      throttle: {
        onRateLimit: () => false,
        onSecondaryRateLimit: (retryAfter: number) => {
          seen.push(retryAfter);
          return true;
        },
      },
    },
    throttling,
  );
  const throttled = local.github.throttle("secondary", 1, 1);
  const { status } = await octokit.rest.repos.get(repo);
  assert.equal(status, 200);
  assert.deepEqual(seen, [1]);
  assert.ok(throttled() >= 1);
});

test("http.ts faults reach the github service (429 with Retry-After)", async () => {
  injectFault(local.traffic, { service: "github", path: "/keys", kind: "status", status: 429, retryAfter: 2, times: 1 });
  const failure = await failureOf(local.octokit("ghs_app").rest.repos.listDeployKeys(repo));
  assert.equal(failure.status, 429);
});

/** A refused call's status, body and headers. */
async function refusal(call: Promise<unknown>): Promise<{ status: number; data: unknown; headers: Record<string, string | undefined> }> {
  try {
    await call;
  } catch (error) {
    const e = error as { status: number; response?: { data?: unknown; headers?: Record<string, string | undefined> } };
    return { status: e.status, data: e.response?.data, headers: e.response?.headers ?? {} };
  }
  throw new Error("expected the call to fail");
}

test("GitHub's documented limits, scaled: content-generating requests per minute and per hour, points, each answer variant", async () => {
  const { scaledGitHubLimits, GITHUB_LIMITS } = await import("./documented-limits.ts");
  assert.deepEqual(
    [GITHUB_LIMITS.contentPerMinute, GITHUB_LIMITS.contentPerHour, GITHUB_LIMITS.pointsPerMinute, GITHUB_LIMITS.concurrent],
    [80, 500, 900, 100],
  );
  const octokit = local.octokit("ghs_app");
  const create = (i: number): Promise<unknown> =>
    octokit.rest.repos.createDeployKey({
      ...repo,
      title: `k${i}`,
      key: `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${String(i).padStart(43, "A")}`,
    });
  // 2 content-generating requests a 1.5 s "minute", 3 an "hour": the third waits a minute, the fourth an hour.
  local.github.enforceLimits(scaledGitHubLimits(1500, 40, { contentPerHour: 3 }));
  try {
    const primary = await octokit.rest.repos.get(repo);
    assert.deepEqual(
      [primary.headers["x-ratelimit-limit"], primary.headers["x-ratelimit-remaining"]],
      ["125", "124"],
      "5,000 / 40 an hour",
    );
    await create(1);
    await create(2);
    const third = await refusal(create(3));
    assert.equal(third.status, 403);
    assert.match((third.data as { message: string }).message, /secondary rate limit/);
    const retryAfter = Number(third.headers["retry-after"]);
    assert.ok(retryAfter >= 1 && retryAfter <= 2, `retry-after ${retryAfter}`);
    assert.equal((await octokit.rest.repos.get(repo)).status, 200, "a GET is not content-generating");
    await new Promise((resolve) => setTimeout(resolve, 1600));
    await create(3);
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const fourth = await refusal(create(4));
    assert.equal(fourth.status, 403, "the hour's 3 are spent though the minute is free");
    assert.equal(local.github.rateLimit.documented.refused["content-hour"], 1);
    assert.equal(local.github.rateLimit.documented.refused["content-minute"], 1);
    // The no-retry-after variant, and 429.
    local.github.enforceLimits(scaledGitHubLimits(1500, 1000, { secondaryAnswer: "403-no-retry-after", pointsPerMinute: 1 }));
    await octokit.rest.repos.get(repo);
    const bare = await refusal(octokit.rest.repos.get(repo));
    assert.equal(bare.status, 403);
    assert.equal(bare.headers["retry-after"], undefined);
    local.github.enforceLimits(scaledGitHubLimits(1500, 1000, { secondaryAnswer: "429-retry-after", pointsPerMinute: 1 }));
    await octokit.rest.repos.get(repo);
    assert.equal((await failureOf(octokit.rest.repos.get(repo))).status, 429);
  } finally {
    local.github.enforceLimits(undefined);
  }
  assert.equal((await octokit.rest.repos.get(repo)).headers["x-ratelimit-limit"], "5000");
});
