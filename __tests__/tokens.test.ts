// Tokens that stop working: a GitHub token refused at the start (wrong or revoked), one that expires mid-run (GitHub
// App installation tokens live one hour, wait-timeout up to six), the warning when GitHub's answers say it expires
// before wait-timeout could end, and Azure access tokens that expire during a long wait. Also: a deploy key whose
// POST was committed but whose answer was lost is adopted, never registered twice.
import { test } from "node:test";
import assert from "node:assert/strict";
import { actionEnv, type Scenario } from "../emulator/index.ts";
import { cloud, freshScenario as scenario, useLocalCloud } from "./support/shared-cloud.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";

useLocalCloud("t");

function appToken(s: Scenario, expiresAt: Date, expirationHeader = true): void {
  cloud.github.addToken(s.token, {
    repos: [`${s.owner}/${s.repo}`],
    permissions: { administration: "write", metadata: "read", contents: "read" },
    kind: "app",
    expiresAt,
    expirationHeader,
  });
}

const errors = (run: ActionRun): string[] => run.stdout.split("\n").filter((l) => l.startsWith("::error"));
const warnings = (run: ActionRun): string[] => run.stdout.split("\n").filter((l) => l.startsWith("::warning"));
const ownKeys = (s: Scenario): number =>
  cloud.github.deployKeys(`${s.owner}/${s.repo}`).filter((k) => k.title.startsWith("aks-flux-bootstrap ")).length;

test("a wrong or revoked GitHub token is named as such at the start, not as a missing permission", async () => {
  const s = await scenario();
  const run = await runAction(actionEnv(cloud, s, { "github-token": "ghs_revokedOrWrongToken000000000000000" }));
  assert.notEqual(run.code, 0);
  const error = errors(run).join("\n");
  assert.match(error, /title=GitHub token rejected/);
  assert.match(error, /wrong, revoked or expired/);
  assert.doesNotMatch(error, /Administration/);
  assert.match(run.summary, /GitHub token rejected/);
  assert.equal(cloud.writes({ service: "github" }).filter((w) => w.path.includes(s.repo)).length, 0);
});

test("a token that expires before wait-timeout could end is warned about at the start, with both times", async () => {
  const s = await scenario();
  appToken(s, new Date(Date.now() + 10 * 60_000));
  const run = await runAction(actionEnv(cloud, s, { "wait-timeout": "15m" }));
  assert.equal(run.code, 0, run.everything);
  const warning = warnings(run).find((w) => w.includes("GitHub token expires before wait-timeout"));
  assert.ok(warning, run.stdout);
  assert.equal((warning.match(/\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/g) ?? []).length, 2, warning);
  // The same token without GitHub's expiry header: nothing to warn about, and nothing fails.
  const quiet = await scenario();
  appToken(quiet, new Date(Date.now() + 10 * 60_000), false);
  const other = await runAction(actionEnv(cloud, quiet, { "wait-timeout": "15m" }));
  assert.equal(other.code, 0, other.everything);
  assert.ok(!warnings(other).some((w) => w.includes("expires before wait-timeout")));
  // A token that outlives wait-timeout: no warning.
  const long = await scenario();
  appToken(long, new Date(Date.now() + 60 * 60_000));
  const fine = await runAction(actionEnv(cloud, long, { "wait-timeout": "15m" }));
  assert.ok(!warnings(fine).some((w) => w.includes("expires before wait-timeout")));
});

// Whether answers to an installation token carry GitHub-Authentication-Token-Expiration is not documented: both.
for (const expirationHeader of [true, false]) {
  test(`a token that expires mid-rotation (expiry header ${expirationHeader ? "sent" : "not sent"}): its own error, what stays, and the next run finishes the rotation`, async () => {
    const s = await scenario();
    appToken(s, new Date(Date.now() + 60 * 60_000));
    assert.equal((await runAction(actionEnv(cloud, s))).code, 0);
    // A token with 3 s left, and a switch the agent takes 4 s to act on: it expires during the rotation's proof.
    appToken(s, new Date(Date.now() + 3_000), expirationHeader);
    cloud.azure.setDelays({ reconciliationMs: 4_000 });
    const run = await runAction(actionEnv(cloud, s, { mode: "rotate" })).finally(() => cloud.azure.setDelays({ reconciliationMs: 20 }));
    assert.notEqual(run.code, 0);
    const error = errors(run).join("\n");
    assert.match(error, /title=GitHub token rejected/);
    // The time it expired is said when GitHub's answers gave it.
    if (expirationHeader) assert.match(error, /It expired at \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} UTC/);
    else assert.doesNotMatch(error, /It expired at/);
    assert.match(error, /older deploy key\(s\) \d+ stay.*the next run/);
    assert.equal(ownKeys(s), 2);
    // A fresh token: the next rotate proves the key Azure holds and removes the older one, without a new key.
    appToken(s, new Date(Date.now() + 60 * 60_000));
    const next = await runAction(actionEnv(cloud, s, { mode: "rotate" }));
    assert.equal(next.code, 0, next.everything);
    assert.match(next.stdout, /finishing that rotation/);
    assert.equal(ownKeys(s), 1);
    assert.equal(next.outputs["compliance-state"], "Compliant");
  });
}

test("a deploy key POST committed by GitHub whose answer was lost is adopted, not registered twice", async () => {
  const s = await scenario();
  const hits = cloud.injectFault({
    service: "github",
    method: "POST",
    path: new RegExp(`/repos/${s.owner}/${s.repo}/keys$`),
    kind: "lost",
    times: 1,
  });
  const run = await runAction(actionEnv(cloud, s));
  cloud.clearFaults();
  assert.equal(hits(), 1);
  assert.equal(run.code, 0, errors(run).join("\n"));
  assert.match(run.stdout, /before its answer was lost: adopting it/);
  assert.equal(ownKeys(s), 1);
  assert.equal(run.outputs["compliance-state"], "Compliant");
});

test("Azure access tokens that expire during a long wait are fetched again; the wait never fails on them", async () => {
  const s = await scenario();
  cloud.azure.setAccessTokenLifetime(1);
  const issued = cloud.azure.accessTokensIssued();
  try {
    cloud.azure.setDelays({ reconciliationMs: 2_500 });
    const run = await runAction(actionEnv(cloud, s));
    assert.equal(run.code, 0, errors(run).join("\n"));
    assert.equal(run.outputs["compliance-state"], "Compliant");
    assert.ok(cloud.azure.accessTokensIssued() - issued >= 2, "a new access token once the first expired");
  } finally {
    cloud.azure.setAccessTokenLifetime(3599);
    cloud.azure.setDelays({ reconciliationMs: 20 });
  }
});
