// Progress while waiting, and debug logging: a slow Azure shows a heartbeat at `progress-interval` (and a line on
// every change of state), a fast one prints only its changes of state; RUNNER_DEBUG logs every request, no secrets.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";

let cloud: LocalCloud;

before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

interface ProgressLine {
  readonly label: string;
  readonly state: string;
  readonly seconds: number;
  readonly waitingFor: string;
}

/** "flux extension: Creating (3s) — waiting for Succeeded" lines of one wait. */
function progressLines(stdout: string, label: string): ProgressLine[] {
  const pattern = new RegExp(`^${label}: (.+) \\((?:(\\d+)m)?(\\d+)s\\) — (.+)$`, "gm");
  return [...stdout.matchAll(pattern)].map((m) => ({
    label,
    state: m[1] ?? "",
    seconds: Number(m[2] ?? 0) * 60 + Number(m[3]),
    waitingFor: m[4] ?? "",
  }));
}

function stateChanges(lines: readonly ProgressLine[]): number {
  return lines.filter((line, i) => i === 0 || lines[i - 1]?.state !== line.state).length;
}

test("a slow extension install and configuration create show a heartbeat at progress-interval, not more", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-slow", repo: "cfg-slow" });
  cloud.azure.setDelays({ provisioningMs: 4000 });
  let result;
  try {
    result = await runAction(actionEnv(cloud, scenario, { "progress-interval": "1" }));
  } finally {
    cloud.azure.setDelays({ provisioningMs: 40 });
  }
  assert.equal(result.code, 0, result.everything);
  for (const label of ["flux extension", "flux configuration"]) {
    const lines = progressLines(result.stdout, label);
    const longest = Math.max(...lines.map((l) => l.seconds));
    assert.ok(longest >= 3, `${label}: waited about 4 s:\n${result.stdout}`);
    assert.ok(lines.length >= 3, `${label}: at least 3 lines while waiting ${longest} s:\n${result.stdout}`);
    const bound = longest / 1 + stateChanges(lines) + 2;
    assert.ok(lines.length <= bound, `${label}: ${lines.length} lines, at most ${bound} expected:\n${result.stdout}`);
    assert.equal(lines[0]?.state, "Creating");
    assert.match(
      result.stdout,
      new RegExp(`^${label}: Succeeded after (\\d+m)?\\d+s$`, "m"),
      `${label}: a final line says how long it took`,
    );
    assert.ok(
      lines.every((l) => l.waitingFor === "waiting for Succeeded"),
      `${label}: says what it waits for`,
    );
  }
});

test("a fast path prints only changes of state; RUNNER_DEBUG logs each request and its status without secrets", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-fast", repo: "cfg-fast" });
  const result = await runAction(actionEnv(cloud, scenario), { debug: true });
  assert.equal(result.code, 0, result.everything);
  for (const label of ["flux extension", "flux configuration", "reconciliation"]) {
    const lines = progressLines(result.stdout, label);
    // On Azure's recorded timeline the report that proves the goal is there when the operation ends: no wait line then.
    if (label !== "reconciliation") assert.ok(lines.length > 0, `${label}: one line per state:\n${result.stdout}`);
    assert.equal(
      lines.length,
      stateChanges(lines),
      `${label}: no heartbeat repeats on a fast path:\n${lines.map((l) => l.state).join("\n")}`,
    );
  }
  assert.match(result.stdout, /^reconciliation: Compliant \(.+\) after \d+s$/m, "the wait says how it ended");
  assert.match(result.stdout, /^::debug::github: GET \S+ -> 200 \(\d+ ms\)$/m);
  assert.match(result.stdout, /^::debug::github: POST \S+\/keys -> 201 /m);
  assert.match(result.stdout, /^::debug::arm: PUT https:\/\/\S+\/extensions\/flux -> 201 /m);
  assert.match(result.stdout, /^::debug::arm: PUT https:\/\/\S+\/fluxConfigurations\/flux-system -> 20[01] /m);
  // Every request the local cloud saw from this run is in the debug log (method and path).
  const debug = result.stdout.split("\n").filter((l) => l.startsWith("::debug::arm: ") || l.startsWith("::debug::github: "));
  assert.ok(debug.length >= 10, debug.join("\n"));
  // Secrets: the GitHub token and the private key never appear unmasked; no query strings, no bodies.
  const withoutMasks = result.everything
    .split("\n")
    .filter((l) => !l.startsWith("::add-mask::"))
    .join("\n");
  assert.ok(!withoutMasks.includes(scenario.token), "the GitHub token is not printed");
  assert.doesNotMatch(withoutMasks, /BEGIN OPENSSH PRIVATE KEY|b3BlbnNzaC1rZXktdjE/);
  assert.ok(
    debug.every((l) => !l.includes("api-version=") && !l.includes("Bearer")),
    "URLs without query strings, no headers",
  );
});
