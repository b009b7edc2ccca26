// The job summary of each mode, as a platform engineer reads it: outcome in the header, what was created,
// updated or deleted, the Flux objects, the deploy key, the verified host keys, links, and on failure the next step.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";

let cloud: LocalCloud;
let scenario: Scenario;
let repo: string;

before(async () => {
  cloud = await startLocalCloud();
  scenario = await seedScenario(cloud, { clusterName: "aks-summary", repo: "cfg-summary" });
  repo = `${scenario.owner}/${scenario.repo}`;
});
after(() => cloud.close());

/** The row of a markdown table whose first cells are `cells`, split into cells. */
function row(summary: string, ...cells: string[]): string[] {
  const line = summary.split("\n").find((l) => l.startsWith(`| ${cells.join(" | ")} |`));
  assert.ok(line, `a row starting ${cells.join(" | ")} in:\n${summary}`);
  return line.slice(2, -2).split(" | ");
}

function links(summary: string): void {
  assert.ok(summary.includes(`(https://portal.azure.com/#@/resource${scenario.clusterId}/overview)`), "portal link to the cluster");
  assert.ok(summary.includes(`/${repo}/settings/keys)`), "link to the repository's deploy keys");
}

test("plan before the first apply previews every creation and writes nothing", async () => {
  const writes = cloud.writes().length;
  const result = await runAction(actionEnv(cloud, scenario, { mode: "plan", "plan-for": "apply" }));
  assert.equal(result.code, 0, result.everything);
  assert.equal(cloud.writes().length, writes, "plan writes nothing");
  assert.match(result.summary, /^## 📝 Flux plan: aks-summary — preview of apply, nothing was changed$/m);
  assert.equal(row(result.summary, "Flux extension")[2], "would create");
  assert.equal(row(result.summary, "Flux configuration")[2], "would create");
  const key = row(result.summary, "Deploy key");
  assert.equal(key[2], "would create");
  assert.match(key[3] ?? "", /read-only/);
  assert.match(result.summary, /Host keys \(verified\)/);
  links(result.summary);
  assert.equal(result.outputs.changed, "true", "plan says a change would happen");
});

test("apply: created items, Flux objects with state and message, deploy key, host keys and how verified", async () => {
  const result = await runAction(actionEnv(cloud, scenario));
  assert.equal(result.code, 0, result.everything);
  const s = result.summary;
  assert.match(s, /^## ✅ Flux apply: aks-summary — done$/m);
  assert.equal(row(s, "Flux extension")[2], "created");
  assert.equal(row(s, "Flux configuration", "aks-summary/flux-system")[2], "created");
  const [key] = cloud.github.deployKeys(repo);
  assert.ok(key);
  const keyRow = row(s, "Deploy key", key.title);
  assert.deepEqual(keyRow.slice(2), ["created", `SHA256:${key.fingerprint} read-only`]);
  assert.match(
    s,
    new RegExp(`\\*\\*Source:\\*\\* \`${repo}\` at \`main/${scenario.headSha.slice(0, 7)}\` · \\*\\*compliance:\\*\\* Compliant`),
  );
  assert.deepEqual(row(s, "flux-system", "GitRepository").slice(2, 3), ["Compliant"]);
  assert.match(row(s, "flux-system", "GitRepository")[3] ?? "", new RegExp(`stored artifact for revision 'main@sha1:${scenario.headSha}'`));
  assert.match(row(s, "flux-system-cluster", "Kustomization")[3] ?? "", /^Applied revision: /);
  for (const line of cloud.github.hostKeys) {
    const type = line.split(" ")[0] ?? "";
    assert.equal(row(s, type)[2], "GitHub /meta fingerprints", `host key ${type} and how it was verified`);
  }
  links(s);
});

test("plan for a healthy cluster previews nothing to change", async () => {
  const result = await runAction(actionEnv(cloud, scenario, { mode: "plan" }));
  assert.equal(result.code, 0, result.everything);
  assert.equal(row(result.summary, "Flux extension")[2], "unchanged");
  assert.equal(row(result.summary, "Flux configuration")[2], "unchanged");
  assert.equal(row(result.summary, "Deploy key")[2], "unchanged");
  assert.equal(result.outputs.changed, "false");
});

test("rotate: the new key created, the old one deleted, the configuration updated", async () => {
  const [old] = cloud.github.deployKeys(repo);
  assert.ok(old);
  const result = await runAction(actionEnv(cloud, scenario, { mode: "rotate" }));
  assert.equal(result.code, 0, result.everything);
  const s = result.summary;
  assert.match(s, /^## ✅ Flux rotate: aks-summary — deploy key rotated and proven in use$/m);
  const [fresh] = cloud.github.deployKeys(repo);
  assert.ok(fresh && fresh.id !== old.id);
  assert.equal(row(s, "Deploy key", fresh.title)[2], "created");
  assert.deepEqual(row(s, "Deploy key", old.title).slice(2), ["deleted", "older key of this cluster"]);
  assert.deepEqual(row(s, "Flux configuration").slice(2), ["updated", "configurationProtectedSettings.sshPrivateKey"]);
  links(s);
});

test("destroy: the configuration and the deploy key deleted", async () => {
  const [key] = cloud.github.deployKeys(repo);
  assert.ok(key);
  const result = await runAction(actionEnv(cloud, scenario, { mode: "destroy" }));
  assert.equal(result.code, 0, result.everything);
  assert.match(result.summary, /^## ✅ Flux destroy: aks-summary — removed$/m);
  assert.equal(row(result.summary, "Flux configuration")[2], "deleted");
  assert.equal(row(result.summary, "Deploy key", key.title)[2], "deleted");
  assert.equal(result.outputs.changed, "true");
});

test("failure: the header says what failed, the failing object's message and the next step, and what was rolled back", async () => {
  const failing = await seedScenario(cloud, { clusterName: "aks-summary-fail", repo: "cfg-summary-fail" });
  // Found by Flux (the repository check, which would find it before any write, is off).
  const result = await runAction(actionEnv(cloud, failing, { path: "clusters/nope", "repository-check": "false" }));
  assert.equal(result.code, 1, result.everything);
  const s = result.summary;
  assert.match(s, /^## ❌ Flux apply: aks-summary-fail — Kustomization path not found$/m);
  assert.match(s, /### What went wrong: Kustomization path not found/);
  assert.match(s, /Kustomization flux-system-cluster: kustomization path not found: .*clusters\/nope: no such file or directory/);
  assert.match(s, /Next step: see \[troubleshooting\]\(https:\/\/\S+\/troubleshooting\.md#kustomization-path-not-found\)/);
  assert.match(s, /The deploy key this run added \(".+"\) was removed again because the run failed/);
  assert.equal(cloud.github.deployKeys(`${failing.owner}/${failing.repo}`).length, 0);
});

test("invalid inputs: a ❌ summary that lists the problems, and changed=false, as every other failure has", async () => {
  const mark = cloud.traffic.log.length;
  const result = await runAction(actionEnv(cloud, scenario, { "key-type": "dsa", "wait-timeout": "forever" }));
  assert.equal(result.code, 1, result.everything);
  assert.equal(cloud.traffic.log.length, mark, "no request");
  assert.equal(result.outputs.changed, "false");
  assert.match(result.summary, /^## ❌ Flux: Invalid inputs — nothing was changed$/m);
  assert.match(result.summary, /### What went wrong: Invalid inputs/);
  assert.match(result.summary, /- key-type: /);
  assert.match(result.summary, /- wait-timeout: /);
  assert.match(result.summary, /Next step: see \[troubleshooting\]\(\S+troubleshooting\.md#invalid-input\)/);
});
