// What the crash matrix does not reach, because a clean run never makes these writes: the next run's own writes
// after a killed one. destroy deleting an extension whose install a killed apply left running (under each way Azure
// may answer a DELETE during an operation: AgentBehaviour.deleteWhileBusy), and the finishing rotate putting back a
// nudged timeout when the answer to that PATCH is lost.
import { test } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { actionEnv, type Scenario } from "../emulator/index.ts";
import { cloud, freshScenario as scenario, useLocalCloud } from "./support/shared-cloud.ts";
import { runAction } from "../emulator/run-action.ts";
import { pemOf, publicBlobOf } from "./support/secret-scan.ts";

useLocalCloud("v");

const kc = (s: Scenario, tail: string): RegExp =>
  new RegExp(`/managedClusters/${s.clusterName}/providers/Microsoft\\.KubernetesConfiguration/${tail}$`);
const ownKeys = (s: Scenario): string[] =>
  cloud.github
    .deployKeys(`${s.owner}/${s.repo}`)
    .filter((k) => k.title.startsWith("aks-flux-bootstrap "))
    .map((k) => k.key.split(" ")[1] ?? "");

/** Runs the action and kills it (SIGKILL) once the local cloud has answered the chosen write. */
async function killedAfter(s: Scenario, inputs: Record<string, string>, method: string, path: RegExp): Promise<void> {
  let child: ChildProcess | undefined;
  cloud.injectFault({ service: "arm", method, path, kind: "pass", times: 1, onAnswered: () => child?.kill("SIGKILL") });
  const killed = await runAction(actionEnv(cloud, s, inputs), { onSpawn: (p) => (child = p) });
  cloud.clearFaults();
  assert.equal(killed.signal, "SIGKILL", killed.everything);
}

for (const deleteWhileBusy of ["accepted", "refused"] as const) {
  test(`destroy removes an extension whose install a killed apply left running (a DELETE during an operation ${deleteWhileBusy})`, async () => {
    const s = await scenario();
    cloud.azure.setAgent({ deleteWhileBusy });
    cloud.azure.setDelays({ extensionProvisioningMs: 1_500 });
    try {
      await killedAfter(s, {}, "PUT", kc(s, "extensions/flux"));
      assert.equal(cloud.azure.getExtension(s.clusterId, "flux")?.properties["provisioningState"], "Creating");
      const destroyed = await runAction(actionEnv(cloud, s, { mode: "destroy", "remove-extension": "true" }));
      assert.equal(destroyed.code, 0, destroyed.everything);
      assert.equal(cloud.azure.getExtension(s.clusterId, "flux"), undefined);
      assert.equal(cloud.azure.getFluxConfiguration(s.clusterId, "flux-system"), undefined);
      assert.deepEqual(ownKeys(s), []);
    } finally {
      cloud.azure.setAgent({ deleteWhileBusy: "accepted" });
      cloud.azure.setDelays({ extensionProvisioningMs: undefined });
    }
  });
}

test("the rotate that finishes a killed one survives a lost answer to its own timeout restore", async () => {
  const s = await scenario();
  assert.equal((await runAction(actionEnv(cloud, s))).code, 0);
  const timeout = (): unknown =>
    (cloud.azure.getFluxConfiguration(s.clusterId, "flux-system")?.properties["gitRepository"] as Record<string, unknown>)[
      "timeoutInSeconds"
    ];
  const wanted = timeout();
  await killedAfter(s, { mode: "rotate" }, "PATCH", kc(s, "fluxConfigurations/flux-system"));
  assert.notEqual(timeout(), wanted, "the killed rotation left its nudge");
  const lost = cloud.injectFault({
    service: "arm",
    method: "PATCH",
    path: kc(s, "fluxConfigurations/flux-system"),
    kind: "lost",
    times: 1,
  });
  const next = await runAction(actionEnv(cloud, s, { mode: "rotate" }));
  cloud.clearFaults();
  assert.equal(lost(), 1, "the restore was sent, and its answer lost");
  assert.equal(next.code, 0, next.everything);
  assert.match(next.stdout, /finishing that rotation/);
  assert.equal(timeout(), wanted);
  const held = pemOf(cloud.azure.getFluxConfiguration(s.clusterId, "flux-system"));
  assert.deepEqual(ownKeys(s), held ? [publicBlobOf(held)] : ["(none held)"]);
  assert.equal(next.outputs["compliance-state"], "Compliant");
});
