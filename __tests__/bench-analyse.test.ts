// The benchmark's pure helpers: phased() strata and traceOf() paths.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { LoggedRequest } from "../emulator/index.ts";
import { MIN_PHASED_EXTENSION_MS, phased, traceOf, type Latencies } from "../scripts/bench/analyse.ts";

const base: Latencies = {
  extensionInstallMs: 5500,
  configurationMs: 1500,
  reconciliationMs: 1500,
  operationEndMs: 1500,
  githubRequestMs: 60,
  armRequestMs: 40,
  retryAfterSeconds: 1,
};

test("phased: over n runs each end takes every stratum of ±1 s once, in two different orders", () => {
  for (let n = 1; n <= 15; n += 1) {
    const runs = Array.from({ length: n }, (_, i) => phased(base, i, n));
    const strata = (shifts: number[]): number[] => shifts.map((s) => Math.floor(((s + 1000) / 2000) * n)).sort((a, b) => a - b);
    const all = Array.from({ length: n }, (_, k) => k);
    const extension = runs.map((r) => r.extensionInstallMs - base.extensionInstallMs);
    const operation = runs.map((r) => r.operationEndMs - base.operationEndMs);
    assert.deepEqual(strata(extension), all, `extension, n=${n}`);
    assert.deepEqual(strata(operation), all, `operation end, n=${n}`);
    if (n >= 3) assert.notDeepEqual(extension, operation, `n=${n}`);
    for (const r of runs)
      assert.deepEqual({ ...r, extensionInstallMs: 0, operationEndMs: 0 }, { ...base, extensionInstallMs: 0, operationEndMs: 0 });
  }
});

test("phased: an install stays at least a second (or as short as it was), an operation's end at least 0", () => {
  for (let n = 1; n <= 15; n += 1) {
    for (let i = 0; i < n; i += 1) {
      const short = phased({ ...base, extensionInstallMs: 1200, operationEndMs: 300 }, i, n);
      assert.ok(short.extensionInstallMs >= MIN_PHASED_EXTENSION_MS);
      assert.ok(short.operationEndMs >= 0);
      assert.ok(phased({ ...base, extensionInstallMs: 550 }, i, n).extensionInstallMs >= 550);
    }
  }
});

test("traceOf: ms since spawn, the cluster's id shortened to …", () => {
  const cluster = "/subscriptions/s/resourceGroups/rg/providers/Microsoft.ContainerService/managedClusters/aks-1";
  const log: LoggedRequest[] = [
    { service: "oidc", method: "GET", path: "/token?audience=x", status: 200, body: undefined, at: 0 },
    {
      service: "arm",
      method: "PUT",
      path: `${cluster.toLowerCase()}/providers/Microsoft.KubernetesConfiguration/extensions/flux`,
      status: 201,
      body: undefined,
      at: 0,
    },
  ];
  const times = new Map(log.map((r, i) => [r, 100.4 + i * 50]));
  assert.deepEqual(
    traceOf(log, 100, (r) => times.get(r) ?? Number.NaN, cluster),
    [
      { ms: 0, service: "oidc", method: "GET", status: 200, path: "/token?audience=x" },
      { ms: 50, service: "arm", method: "PUT", status: 201, path: "…/providers/Microsoft.KubernetesConfiguration/extensions/flux" },
    ],
  );
});
