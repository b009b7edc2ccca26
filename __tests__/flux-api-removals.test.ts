// Which apiVersions microsoft.flux 1.24 refuses is not settled by Azure's notes (the removal notice lists the v1beta2 /
// v2beta2 versions; 1.24.0 "restores 2.7 CRDs"), so the local cloud offers both (AgentBehaviour.fluxApiRemovals) and
// the action runs under each: it follows the notice, so `fail` refuses before any write under both, and with `warn`
// the outcome is Azure's to decide, told with Flux's own message when Flux refuses.
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { actionEnv, DEFAULT_AGENT, seedScenario, startLocalCloud, type LocalCloud } from "../emulator/index.ts";
import { errorAnnotations } from "./support/annotations.ts";
import { runAction } from "../emulator/run-action.ts";

let cloud: LocalCloud;
before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

const files = {
  "clusters/b2/sources.yaml":
    "apiVersion: source.toolkit.fluxcd.io/v1beta2\nkind: HelmRepository\nmetadata:\n  name: podinfo\n  namespace: flux-system\n" +
    "spec:\n  interval: 1h\n  url: https://stefanprodan.github.io/podinfo\n",
};

for (const variant of ["notice", "restored-in-1.24"] as const) {
  describe(`microsoft.flux 1.24.1 under fluxApiRemovals: ${variant}`, () => {
    const run = async (name: string, check: string) => {
      cloud.azure.setAgent({ ...DEFAULT_AGENT, fluxApiRemovals: variant });
      const suffix = variant.replace(/[^a-z0-9]/g, "");
      const scenario = await seedScenario(cloud, { clusterName: `aks-${name}-${suffix}`, repo: `cfg-${name}-${suffix}`, files });
      const mark = cloud.traffic.log.length;
      const ran = await runAction(actionEnv(cloud, scenario, { path: "clusters/b2", "flux-api-check": check, "wait-timeout": "2m" }), {
        bundled: true,
      });
      const writes = cloud.writes({ since: mark });
      return { ran, writes };
    };

    test("flux-api-check: fail refuses before any write", async () => {
      const { ran, writes } = await run("b2fail", "fail");
      assert.equal(ran.code, 1, ran.everything);
      assert.deepEqual(writes, []);
      assert.equal(errorAnnotations(ran.stdout).at(-1)?.title, "Flux would refuse manifests in the repository");
    });

    test("flux-api-check: warn applies; Flux decides, and its refusal ends the wait at once", async () => {
      const { ran } = await run("b2warn", "warn");
      assert.match(ran.stdout, /::warning title=Flux will refuse this apiVersion,file=clusters\/b2\/sources.yaml,line=1::/);
      if (variant === "notice") {
        assert.equal(ran.code, 1, ran.everything);
        assert.equal(errorAnnotations(ran.stdout).at(-1)?.title, "Flux refuses an apiVersion in the repository");
      } else {
        assert.equal(ran.code, 0, ran.everything);
        assert.equal(ran.outputs["compliance-state"], "Compliant");
      }
    });
  });
}
