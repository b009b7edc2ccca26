// The repository check gates every write, so it costs as few GitHub round trips as it can: a small repository's
// YAML is read in one round of blob reads (then nothing more), the other reads of current state beside it.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { actionEnv, seedScenario, startLocalCloud, type LocalCloud } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";

let cloud: LocalCloud;
before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

test("a small repository costs one round of blob reads: every blob read is sent before the first is answered", async () => {
  const latency = 300;
  cloud.traffic.latencyMs["github"] = latency;
  try {
    const scenario = await seedScenario(cloud, { repo: "check-one-round" });
    const mark = cloud.traffic.log.length;
    const run = await runAction(actionEnv(cloud, scenario, { mode: "plan" }), { bundled: true });
    assert.equal(run.code, 0, run.everything);
    const blobs = cloud.traffic.log.slice(mark).filter((r) => r.path.includes("/git/blobs/"));
    assert.equal(blobs.length, 4, "the seed's four YAML files, apps/podinfo.yaml (which only apps/kustomization.yaml names) included");
    const firstAnswered = Math.min(...blobs.map((r) => r.at)) + latency;
    for (const r of blobs) assert.ok(r.at < firstAnswered, `${r.path} was sent after a blob read was answered: a second round`);
  } finally {
    cloud.traffic.latencyMs["github"] = 0;
  }
});
