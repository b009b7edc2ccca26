// Waiting that holds on real Azure: the bundled action under each plausible Flux agent behaviour (emulator/cluster/agent-behaviour.ts):
// the recorded default (reports on change only, the operation ends after the agent's first report, a key-only
// change fetched lazily), today's periodic agent, and an agent that fetches at once on a key change.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario } from "../emulator/index.ts";
import type { AgentBehaviour } from "../emulator/cluster/agent-behaviour.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";
import { fingerprintOfLine } from "./support/secret-scan.ts";

let cloud: LocalCloud;
let counter = 0;

before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

const BEHAVIOURS: readonly [string, Partial<AgentBehaviour>][] = [
  ["recorded default", {}],
  ["recorded, the operation ending 1.5 s after the report", { operationEndMs: 1500 }],
  ["periodic reports", { reporting: "periodic" }],
  ["on change, eager key fetch", { keyFetch: "eager" }],
  ["the configuration settling 0.8 s after its operation", { stateLagMs: 800 }],
  ["the configuration settling 0.8 s before its operation", { stateLagMs: -800 }],
];

async function fresh(agent: Partial<AgentBehaviour>): Promise<Scenario> {
  cloud.azure.setAgent({
    reporting: "on-change",
    keyFetch: "lazy",
    progressingReports: 1,
    operationEndMs: 30,
    runningStatus: "provisioning-state",
    busyError: "AnotherOperationInProgress",
    stateLagMs: 0,
    ...agent,
  });
  counter += 1;
  return seedScenario(cloud, { clusterName: `aks-wait-${counter}`, repo: `cfg-wait-${counter}` });
}

async function timedRun(env: Record<string, string>): Promise<{ run: ActionRun; exitedAt: number }> {
  const run = await runAction(env, { bundled: true });
  return { run, exitedAt: Date.now() };
}

for (const [label, agent] of BEHAVIOURS) {
  // The operation ends operationEndMs after the agent's first report; once the report is there the configuration is
  // read every 500 ms at most (src/poll.ts), so the end is seen within a second of the later of the two.
  const bound = Math.max(2000, (agent.operationEndMs ?? 30) + 1000);
  test(`first bootstrap (${label}) ends within ${bound / 1000} s after the report that proves it`, async () => {
    const scenario = await fresh(agent);
    const { run, exitedAt } = await timedRun(actionEnv(cloud, scenario, { "wait-timeout": "5m" }));
    assert.equal(run.code, 0, run.everything);
    assert.equal(run.outputs["compliance-state"], "Compliant");
    const reports = cloud.azure.agentReports(scenario.clusterId, "flux-system");
    const proving = reports.find((r) => r.complianceState === "Compliant" && r.sourceSyncedCommitId.endsWith(scenario.headSha));
    assert.ok(proving, `a Compliant report at the head: ${JSON.stringify(reports)}`);
    const lag = exitedAt - Date.parse(proving.at);
    assert.ok(lag < bound, `the action exited ${lag} ms after the proving report`);
  });
}

test("the write watches the configuration: its operation is read once, after the configuration shows it ended; reads come at least every second once the agent has reported; none after", async () => {
  const scenario = await fresh({ operationEndMs: 3000 });
  const mark = cloud.traffic.log.length;
  const { run } = await timedRun(actionEnv(cloud, scenario, { "wait-timeout": "5m" }));
  assert.equal(run.code, 0, run.everything);
  const log = cloud.traffic.log.slice(mark).filter((r) => r.service === "arm" && r.path.includes("/fluxConfigurations/flux-system"));
  const after = log.slice(log.findIndex((r) => r.method === "PUT") + 1);
  const operationReads = after.filter((r) => r.path.includes("/operations/"));
  assert.equal(operationReads.length, 1, after.map((r) => r.path).join("\n"));
  assert.equal(after.at(-1), operationReads[0], "the reading that saw the operation end proved the goal: nothing is read after it");
  const reported = Date.parse(cloud.azure.agentReports(scenario.clusterId, "flux-system")[0]?.at ?? "");
  const watched = after.filter((r) => !r.path.includes("/operations/") && r.at > reported).map((r) => r.at);
  assert.ok(watched.length >= 3, `${watched.length} reads in the 3 s between the agent's report and the operation's end`);
  // Once the agent has reported the end is near: every 500 ms, not the 2 s of a wait that has no such sign.
  const gaps = watched.slice(1).map((t, i) => t - (watched[i] ?? t));
  assert.ok(Math.max(...gaps) < 1000, `gaps after the report: ${gaps.join(", ")} ms`);
});

test("two dependent kustomizations that report progressing twice end Compliant", async () => {
  const scenario = await fresh({ progressingReports: 2, progressStepMs: 400 });
  const kustomizations = "infra:\n  path: clusters/staging\napps:\n  path: apps\n  dependsOn: [infra]";
  const { run } = await timedRun(actionEnv(cloud, scenario, { path: "", kustomizations }));
  assert.equal(run.code, 0, run.everything);
  const reports = cloud.azure.agentReports(scenario.clusterId, "flux-system");
  assert.ok(
    reports.filter((r) => r.complianceState !== "Compliant").length >= 2,
    `two progressing reports first: ${JSON.stringify(reports)}`,
  );
  assert.equal(run.outputs["compliance-state"], "Compliant");
  assert.match(run.stdout, /DependencyNotReady|Progressing/, "the progress lines said what Flux was still doing");
});

// With the repository check off (a token without Contents: read), Flux is the one that finds the path missing.
test("a kustomization path that does not exist fails on the first report that names it, leaving nothing behind", async () => {
  const scenario = await fresh({});
  const inputs = { path: "clusters/stagin", "wait-timeout": "10m", "repository-check": "false" };
  const { run, exitedAt } = await timedRun(actionEnv(cloud, scenario, inputs));
  assert.equal(run.code, 1, run.everything);
  assert.match(run.stdout, /kustomization path not found/);
  const first = cloud.azure.agentReports(scenario.clusterId, "flux-system")[0];
  assert.ok(first, "the agent reported");
  assert.ok(exitedAt - Date.parse(first.at) < 5000, "failed soon after the first report, not at wait-timeout");
  assert.deepEqual(cloud.github.deployKeys(`${scenario.owner}/${scenario.repo}`), [], "no deploy key left");
  await cloud.azure.reconcileNow();
  assert.equal(cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system"), undefined, "no configuration left");
});

test("rotation under lazy key fetch: the old key goes only after the new key's first use and a Compliant report made with it", async () => {
  const scenario = await fresh({});
  const repo = `${scenario.owner}/${scenario.repo}`;
  assert.equal((await timedRun(actionEnv(cloud, scenario))).run.code, 0);
  const [old] = cloud.github.deployKeys(repo);
  assert.ok(old);
  const mark = cloud.traffic.log.length;
  const { run } = await timedRun(actionEnv(cloud, scenario, { mode: "rotate" }));
  assert.equal(run.code, 0, run.everything);
  const keys = cloud.github.deployKeys(repo);
  assert.equal(keys.length, 1, "one key left");
  const fresh_ = keys[0];
  assert.ok(fresh_ && fresh_.id !== old.id && fresh_.lastUsed);
  const newPrint = fingerprintOfLine(fresh_.key);
  const deletion = cloud.traffic.log.slice(mark).find((r) => r.method === "DELETE" && r.path.endsWith(`/keys/${old.id}`));
  assert.ok(deletion, "the old key was deleted");
  const fetches = cloud.azure.agentFetches(scenario.clusterId, "flux-system").filter((f) => f.ok && f.keyFingerprint === newPrint);
  assert.ok(fetches[0] && Date.parse(fetches[0].at) < deletion.at, "Flux fetched with the new key before the old one went");
  const proof = cloud.azure
    .agentReports(scenario.clusterId, "flux-system")
    .find((r) => r.complianceState === "Compliant" && r.fetched && r.keyFingerprint === newPrint);
  assert.ok(proof && Date.parse(proof.at) < deletion.at, "a Compliant report made with the new key came before the deletion");
  const stored = cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system");
  const git = stored?.properties["gitRepository"] as { timeoutInSeconds?: number } | undefined;
  assert.equal(git?.timeoutInSeconds, 600, "the fetch timeout is back to what it was");
});
