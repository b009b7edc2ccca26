// mode: plan as a pull-request check, through the bundled action: a plan whose apply would stop before any write
// fails the same way (exit 1, one `::error` titled as apply would title it, a ❌ summary that says so) and writes
// nothing; a changed kustomization is one line per field; the configuration is named in every summary.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud } from "../emulator/index.ts";
import { errorAnnotations } from "./support/annotations.ts";
import { runAction } from "../emulator/run-action.ts";

let cloud: LocalCloud;

before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

test("plan of a path that does not exist: exit 1, an ::error titled as apply's, a ❌ summary, zero writes", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-gate", repo: "cfg-gate" });
  const mark = cloud.traffic.log.length;
  const run = await runAction(actionEnv(cloud, scenario, { mode: "plan", path: "clusters/nope" }), { bundled: true });
  assert.equal(run.code, 1, run.everything);
  assert.deepEqual(cloud.writes().slice(mark), [], "a plan writes nothing");
  const errors = errorAnnotations(run.stdout);
  assert.equal(errors.length, 1, run.stdout);
  const [error] = errors;
  assert.equal(error?.title, "Kustomization path not found");
  assert.match(error?.message ?? "", /^apply would stop here, before any write \(this plan changed nothing\):\n/);
  assert.match(error?.message ?? "", /path 'clusters\/nope' is not in contoso\/cfg-gate at main; clusters\/ has /);
  // The plan itself is still shown, and the summary says the plan failed and why.
  assert.match(run.stdout, /^flux configuration flux-system: would create$/m);
  assert.match(run.summary, /^## ❌ Flux plan: aks-gate — Kustomization path not found$/m);
  assert.match(run.summary, /### What went wrong: Kustomization path not found/);
  assert.match(run.summary, /\| Flux configuration \| aks-gate\/flux-system \| would create \|/);
  assert.equal(run.outputs.changed, "true");
});

test("a kustomization whose path changes is one line, field by field, in the log and the summary", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-diff", repo: "cfg-diff" });
  const applied = await runAction(actionEnv(cloud, scenario), { bundled: true });
  assert.equal(applied.code, 0, applied.everything);
  const mark = cloud.traffic.log.length;
  const run = await runAction(actionEnv(cloud, scenario, { mode: "plan", path: "clusters/production" }), { bundled: true });
  assert.equal(run.code, 0, run.everything);
  assert.deepEqual(cloud.writes().slice(mark), []);
  const lines = run.stdout.split("\n");
  const at = lines.indexOf("flux configuration flux-system: would update");
  assert.ok(at >= 0, run.stdout);
  assert.deepEqual(
    lines.slice(at + 1).filter((line) => line.startsWith("  ")),
    ["  kustomizations.cluster.path: ./clusters/staging → ./clusters/production"],
  );
  assert.doesNotMatch(run.stdout, /null/);
  assert.match(
    run.summary,
    /\| Flux configuration \| aks-diff\/flux-system \| would update \| kustomizations\.cluster\.path: \.\/clusters\/staging → \.\/clusters\/production \|/,
  );
  assert.match(run.summary, /^## 📝 Flux plan: aks-diff — preview of apply, nothing was changed$/m);
});

test("plan of rotate with no flux configuration fails as rotate would; plan of destroy names what it would leave", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-none", repo: "cfg-none" });
  const mark = cloud.traffic.log.length;
  const rotate = await runAction(actionEnv(cloud, scenario, { mode: "plan", "plan-for": "rotate", path: "" }), { bundled: true });
  assert.equal(rotate.code, 1, rotate.everything);
  assert.equal(errorAnnotations(rotate.stdout)[0]?.title, "Nothing to rotate", rotate.stdout);
  const destroy = await runAction(actionEnv(cloud, scenario, { mode: "plan", "plan-for": "destroy", path: "" }), { bundled: true });
  assert.equal(destroy.code, 0, destroy.everything);
  assert.match(destroy.summary, /\| Flux configuration \| aks-none\/flux-system \| absent \|/);
  assert.equal(destroy.outputs.changed, "false");
  assert.deepEqual(cloud.writes().slice(mark), []);
});
