// Secret hygiene: across success, failure, rotation and debug-mode runs, nothing the action prints (stdout,
// stderr, outputs, summary) nor any request it sends (the request log, protected settings redacted) contains
// the private key in any encoding, an OIDC JWT or the GitHub token; and the key never touches the disk.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario } from "../emulator/index.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";
import { findSecrets, keyNeedles, pemOf } from "./support/secret-scan.ts";

let cloud: LocalCloud;
let scenario: Scenario;
const printed: string[] = [];
/** Every private key the cluster was sent, seen while the runs were going on. */
const keys = new Set<string>();
const homes: string[] = [];

before(async () => {
  cloud = await startLocalCloud();
  scenario = await seedScenario(cloud, { clusterName: "aks-secrets", repo: "cfg-secrets" });
});
after(async () => {
  await cloud.close();
  for (const dir of homes) rmSync(dir, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Runs the action with its own HOME and TMPDIR, watching the protected settings the cluster receives. */
async function watchedRun(
  inputs: Record<string, string>,
  options: { debug?: boolean } = {},
): Promise<ActionRun & { home: string; tmp: string }> {
  const home = mkdtempSync(join(tmpdir(), "secrets-home-"));
  const tmp = mkdtempSync(join(tmpdir(), "secrets-tmp-"));
  homes.push(home, tmp);
  const watcher = setInterval(() => {
    const pem = pemOf(cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system"));
    if (pem) keys.add(pem);
  }, 5);
  try {
    const run = await runAction({ ...actionEnv(cloud, scenario, inputs), HOME: home, TMPDIR: tmp }, options);
    printed.push(run.everything);
    return { ...run, home, tmp };
  } finally {
    clearInterval(watcher);
    const pem = pemOf(cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system"));
    if (pem) keys.add(pem);
  }
}

test("success, failure, rotation and debug runs print no secret, send none outside protected settings, write none to disk", async () => {
  const success = await watchedRun({});
  assert.equal(success.code, 0, success.everything);

  const rotated = await watchedRun({ mode: "rotate" });
  assert.equal(rotated.code, 0, rotated.everything);
  const debug = await watchedRun({ mode: "rotate" }, { debug: true });
  assert.equal(debug.code, 0, debug.everything);
  assert.match(debug.stdout, /::debug::/, "debug mode really printed debug lines");

  // Last (its seeding hands the token to another repository): a failure after the key went to the cluster: the operation fails, the run rolls back.
  const failing = await seedScenario(cloud, { clusterName: "aks-secrets-fail", repo: "cfg-secrets-fail" });
  cloud.azure.failNextOperation("fluxConfiguration", "simulated: helm controller crashed");
  const watcher = setInterval(() => {
    const pem = pemOf(cloud.azure.getFluxConfiguration(failing.clusterId, "flux-system"));
    if (pem) keys.add(pem);
  }, 5);
  const failure = await runAction(actionEnv(cloud, failing));
  clearInterval(watcher);
  printed.push(failure.everything);
  assert.notEqual(failure.code, 0, failure.everything);

  assert.ok(keys.size >= 4, `saw ${keys.size} private keys (apply, failed apply, two rotations)`);
  for (const pem of keys) assert.ok(keyNeedles(pem).length >= 8, "the key was read by the test's own reader");
  const everything = printed.join("\n");
  const requestLog = JSON.stringify(cloud.traffic.log);
  assert.match(everything, /::add-mask::eyJ/, "the OIDC token was masked (so it was there to leak)");
  const hits = findSecrets(`${everything}\n${requestLog}`, [...keys], [scenario.token]);
  console.log(`secret scan: ${keys.size} private keys, ${printed.length} runs, ${cloud.traffic.log.length} requests, ${hits.length} hits`);
  assert.deepEqual(hits, []);

  for (const run of [success, rotated, debug]) {
    for (const file of [...filesUnder(run.home), ...filesUnder(run.tmp)]) {
      const text = readFileSync(file, "latin1");
      assert.deepEqual(findSecrets(text, [...keys]), [], `${file} holds key material`);
    }
  }
});

test("the scan finds a key that does leak, in every encoding it looks for", () => {
  const [pem] = [...keys];
  assert.ok(pem, "the first test saw a key");
  for (const { label, needle } of keyNeedles(pem)) {
    assert.ok(findSecrets(`log line ${needle} end`, [pem]).includes(label), label);
  }
  assert.deepEqual(findSecrets(`::add-mask::${pem.split("\n")[1] ?? ""}`, [pem]), [], "mask lines are expected to hold secrets");
  assert.equal(findSecrets("token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", []).length, 1);
});
