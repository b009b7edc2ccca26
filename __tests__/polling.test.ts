// Polling honours Retry-After: pure rules, then through the local cloud's long-running operations.
import { test } from "node:test";
import assert from "node:assert/strict";
import { nextPollDelay, retryAfterMs } from "../src/poll.ts";
import { startLocalCloud, seedScenario, actionEnv } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";

test("Retry-After parses seconds and HTTP dates", () => {
  assert.equal(retryAfterMs("3"), 3000);
  assert.equal(retryAfterMs("0"), 0);
  assert.equal(retryAfterMs(undefined), undefined);
  assert.equal(retryAfterMs("soon"), undefined);
  const now = Date.parse("2026-11-25T12:00:00Z");
  assert.equal(retryAfterMs("Wed, 25 Nov 2026 12:00:05 GMT", now), 5000);
});

test("the poll cadence is the server's Retry-After, else half the time waited, from 250 ms to 1 s (500 ms once the end is near)", () => {
  assert.equal(nextPollDelay(0, undefined), 250);
  assert.equal(nextPollDelay(1_000, undefined), 500);
  assert.equal(nextPollDelay(30_000, undefined), 1000);
  assert.equal(nextPollDelay(600_000, undefined), 1000);
  assert.equal(nextPollDelay(30_000, undefined, true), 500);
  assert.equal(nextPollDelay(200, undefined, true), 250);
  assert.equal(nextPollDelay(0, 1000), 1000);
  assert.equal(nextPollDelay(30_000, 1000), 1000, "a server that asks for 1 s is read every second");
  assert.equal(nextPollDelay(30_000, 15_000, true), 15_000);
  assert.equal(nextPollDelay(30_000, 0), 250, "Retry-After: 0 is no licence to spin");
});

test("operations are polled no faster than their Retry-After, the first poll after the write included", async () => {
  const cloud = await startLocalCloud({ delays: { provisioningMs: 2600, retryAfterSeconds: 1 } });
  try {
    const scenario = await seedScenario(cloud);
    const result = await runAction(actionEnv(cloud, scenario));
    assert.equal(result.code, 0, result.everything);
    const polls = new Map<string, number[]>();
    for (const r of cloud.traffic.log) {
      if (r.service === "arm" && r.method === "GET" && r.path.includes("/operations/")) {
        const url = r.path.replace(/\?.*$/, "");
        polls.set(url, [...(polls.get(url) ?? []), r.at]);
      }
    }
    assert.ok(polls.size >= 2, "the extension and the configuration were both polled");
    const writes = cloud.traffic.log.filter((r) => r.service === "arm" && (r.method === "PUT" || r.method === "PATCH"));
    for (const [url, times] of polls) {
      const write = writes.filter((w) => url.startsWith(w.path.replace(/\?.*$/, "")) && w.at <= (times[0] ?? 0)).at(-1);
      assert.ok(write, `${url}: the write that started it`);
      const gaps = times.map((t, i) => t - (i === 0 ? write.at : (times[i - 1] ?? t)));
      for (const gap of gaps) assert.ok(gap >= 990, `${url}: polled ${gap} ms after the last answer, Retry-After is 1 s`);
      assert.ok(times.length <= 6, `${url}: ${times.length} polls for a 2.6 s operation`);
    }
  } finally {
    await cloud.close();
  }
});
