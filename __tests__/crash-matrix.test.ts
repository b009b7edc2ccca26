// Crash matrix: every write of apply, rotate and destroy, each with the faults production brings — its answer lost
// after the server committed it (connection dropped, or a gateway's 502), the run cancelled right after it as the
// runner cancels a step (SIGINT, SIGTERM 7.5 s later, SIGKILL 2.5 s after that: actions/runner
// src/Runner.Sdk/ProcessInvoker.cs), or the run killed outright right after it. Then the same mode runs again, as a
// re-run of the same workflow run (GITHUB_RUN_ATTEMPT 2), and the world must have converged: exit 0, Compliant,
// exactly one deploy key of this cluster and it is the one ARM holds, Flux never failed a fetch, nothing created
// twice; a cancelled run leaves no key of its own that ARM does not hold. The writes are found by running each
// mode once, so a new write joins the matrix by itself.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import type { ChildProcess } from "node:child_process";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario, type LoggedRequest } from "../emulator/index.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";
import { findSecrets, pemOf, publicBlobOf } from "./support/secret-scan.ts";
import { inLanes } from "./support/lanes.ts";

type Mode = "apply" | "rotate" | "destroy";
type Fault = "lost: dropped" | "lost: 502" | "cancelled" | "killed";
const FAULTS: readonly Fault[] = ["lost: dropped", "lost: 502", "cancelled", "killed"];
const MODES: readonly Mode[] = ["apply", "rotate", "destroy"];
const LANES = 3;

/** One write as a pattern that any scenario's names fill in, and which occurrence of it. */
interface Write {
  readonly service: string;
  readonly method: string;
  readonly shape: string;
  readonly nth: number;
}

interface Case {
  readonly mode: Mode;
  readonly write: Write;
  readonly fault: Fault;
}

const esc = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

function shapeOf(request: LoggedRequest, scenario: Scenario): string {
  return esc(request.path.replace(/\?.*$/, ""))
    .replace(esc(scenario.clusterName), "<cluster>")
    .replace(esc(scenario.repo), "<repo>")
    .replace(/\/\d+$/, "/<id>")
    .replace(/operations\/[^/]+$/, "operations/<op>");
}

function patternOf(write: Write, scenario: Scenario): RegExp {
  const body = write.shape
    .replace("<cluster>", esc(scenario.clusterName))
    .replace("<repo>", esc(scenario.repo))
    .replace("<id>", "\\d+")
    .replace("<op>", "[^/]+");
  return new RegExp(`^${body}$`);
}

let counter = 0;
async function scenarioFor(cloud: LocalCloud): Promise<Scenario> {
  counter += 1;
  return seedScenario(cloud, { clusterName: `aks-c${counter}`, repo: `cfg-c${counter}` });
}

const attempt = (n: number): Record<string, string> => ({ GITHUB_RUN_ID: "4242", GITHUB_RUN_ATTEMPT: String(n) });

async function applied(cloud: LocalCloud, scenario: Scenario): Promise<void> {
  const setup = await runAction({ ...actionEnv(cloud, scenario), GITHUB_RUN_ID: "4241", GITHUB_RUN_ATTEMPT: "1" });
  assert.equal(setup.code, 0, setup.everything);
}

/** The writes one clean run of `mode` makes, in order (Entra's token requests are not writes). */
async function writesOf(cloud: LocalCloud, mode: Mode): Promise<Write[]> {
  const scenario = await scenarioFor(cloud);
  if (mode !== "apply") await applied(cloud, scenario);
  const from = cloud.traffic.log.length;
  const run = await runAction({ ...actionEnv(cloud, scenario, { mode }), ...attempt(1) });
  assert.equal(run.code, 0, run.everything);
  const seen = new Map<string, number>();
  return cloud
    .writes({ since: from })
    .filter((r) => r.status < 400)
    .map((r) => {
      const key = `${r.service} ${r.method} ${shapeOf(r, scenario)}`;
      const nth = (seen.get(key) ?? 0) + 1;
      seen.set(key, nth);
      return { service: r.service, method: r.method, shape: shapeOf(r, scenario), nth };
    });
}

/** The runner's cancel: SIGINT, then SIGTERM after 7.5 s, then SIGKILL after 2.5 s more, until the process is gone. */
function cancelLikeTheRunner(child: ChildProcess): void {
  const alive = (): boolean => child.exitCode === null && child.signalCode === null;
  child.kill("SIGINT");
  setTimeout(() => {
    if (alive()) child.kill("SIGTERM");
    setTimeout(() => alive() && child.kill("SIGKILL"), 2_500);
  }, 7_500);
}

interface Outcome {
  readonly name: string;
  readonly problems: readonly string[];
  readonly hit: boolean;
}

function heldBlob(cloud: LocalCloud, scenario: Scenario): string | undefined {
  const pem = pemOf(cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system"));
  return pem ? publicBlobOf(pem) : undefined;
}

const blobOf = (line: string): string => line.split(" ")[1] ?? "";

async function runCase(cloud: LocalCloud, c: Case): Promise<Outcome> {
  const name = `${c.mode} · ${c.write.service} ${c.write.method} ${c.write.shape.replace(/\\/g, "")}#${c.write.nth} · ${c.fault}`;
  const scenario = await scenarioFor(cloud);
  const full = `${scenario.owner}/${scenario.repo}`;
  if (c.mode !== "apply") await applied(cloud, scenario);
  const keysBefore = new Set(cloud.github.deployKeys(full).map((k) => blobOf(k.key)));
  const from = cloud.traffic.log.length;
  let child: ChildProcess | undefined;
  let hit = false;
  const path = patternOf(c.write, scenario);
  const select = { service: c.write.service, method: c.write.method, path };
  if (c.write.nth > 1) cloud.injectFault({ ...select, kind: "pass", times: c.write.nth - 1 });
  const onAnswered = (): void => {
    hit = true;
    if (c.fault === "cancelled" && child) cancelLikeTheRunner(child);
    if (c.fault === "killed") child?.kill("SIGKILL");
  };
  const kind = c.fault.startsWith("lost") ? "lost" : "pass";
  cloud.injectFault({ ...select, kind, times: 1, onAnswered, ...(c.fault === "lost: 502" ? { status: 502 } : {}) });
  const pems = new Set<string>();
  const notePem = (): void => {
    const pem = pemOf(cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system"));
    if (pem) pems.add(pem);
  };
  notePem();
  const first = await runAction({ ...actionEnv(cloud, scenario, { mode: c.mode }), ...attempt(1) }, { onSpawn: (p) => (child = p) });
  cloud.clearFaults();
  const problems: string[] = [];
  if (!hit) problems.push("the write was never made");
  if (c.fault.startsWith("lost") && first.code !== 0) problems.push(`a lost answer failed the run: ${errorLine(first)}`);
  if (c.fault === "cancelled") {
    if (first.code === 0) problems.push("a cancelled run exited 0");
    // It ends by itself within the runner's grace: a run still there at SIGKILL has no exit code.
    if (first.code === null) problems.push(`the cancelled run had to be killed (${String(first.signal)})`);
    if (!/🛑|cancelled/.test(first.summary)) problems.push("the cancelled run's summary does not say it was cancelled");
    const held = heldBlob(cloud, scenario);
    const own = cloud.github.deployKeys(full).filter((k) => !keysBefore.has(blobOf(k.key)) && blobOf(k.key) !== held);
    if (own.length > 0) problems.push(`the cancelled run left ${own.length} key(s) of its own that ARM does not hold`);
  }
  // When Azure holds a key the first run made while an older key is still there, the first run stopped half-way:
  // its work is to be finished, not done again.
  const heldAfterFirst = heldBlob(cloud, scenario);
  const finishOnly =
    c.mode !== "destroy" &&
    heldAfterFirst !== undefined &&
    !keysBefore.has(heldAfterFirst) &&
    cloud.github.deployKeys(full).some((k) => blobOf(k.key) === heldAfterFirst) &&
    cloud.github.deployKeys(full).some((k) => keysBefore.has(blobOf(k.key)));
  // The next run: a re-run of the same workflow run.
  const middle = cloud.traffic.log.length;
  notePem();
  const second = await runAction({ ...actionEnv(cloud, scenario, { mode: c.mode }), ...attempt(2) });
  notePem();
  // No private key or token in anything a user sees or the services were sent outside protected settings.
  const leaks = findSecrets(
    [first.everything, second.everything, JSON.stringify(cloud.traffic.log.slice(from))].join("\n"),
    [...pems],
    [scenario.token],
  );
  if (leaks.length > 0) problems.push(`secrets in output: ${leaks.join(", ")}`);
  if (second.code !== 0) problems.push(`the next run failed: ${errorLine(second)}`);
  const newKeys = cloud.traffic.log.slice(middle).filter((r) => r.method === "POST" && /\/keys$/.test(r.path) && r.status === 201);
  if (finishOnly && newKeys.length > 0) problems.push("the next run made a new key instead of finishing the first run's");
  problems.push(...invariants(cloud, scenario, c.mode, from));
  return { name, problems, hit };
}

function errorLine(run: ActionRun): string {
  return (run.stdout.split("\n").find((l) => l.startsWith("::error")) ?? `exit ${String(run.code)}`).slice(0, 300);
}

function invariants(cloud: LocalCloud, scenario: Scenario, mode: Mode, from: number): string[] {
  const problems: string[] = [];
  const full = `${scenario.owner}/${scenario.repo}`;
  const keys = cloud.github.deployKeys(full).filter((k) => k.title.startsWith("aks-flux-bootstrap "));
  const stored = cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system");
  if (mode === "destroy") {
    if (stored) problems.push("the configuration is still there");
    if (keys.length > 0) problems.push(`${keys.length} deploy key(s) left after destroy`);
  } else {
    const held = heldBlob(cloud, scenario);
    if (stored?.properties["complianceState"] !== "Compliant")
      problems.push(`not Compliant: ${String(stored?.properties["complianceState"])}`);
    if (keys.length !== 1) problems.push(`${keys.length} deploy keys of this cluster, not 1`);
    else if (blobOf(keys[0]?.key ?? "") !== held) problems.push("the one deploy key is not the one ARM holds");
    const failed = cloud.azure.agentFetches(scenario.clusterId, "flux-system").filter((f) => !f.ok);
    if (failed.length > 0) problems.push(`Flux failed ${failed.length} fetch(es)`);
  }
  const created = cloud.traffic.log.slice(from).filter((r) => r.method === "PUT" && r.status === 201);
  const twice = created.map((r) => r.path.replace(/\?.*$/, "")).filter((p, i, all) => all.indexOf(p) !== i);
  if (twice.length > 0) problems.push(`created twice: ${twice.join(", ")}`);
  return problems;
}

const clouds: LocalCloud[] = [];
before(async () => {
  for (let i = 0; i < LANES; i += 1) {
    const cloud = await startLocalCloud();
    clouds.push(cloud);
  }
});
after(async () => {
  await Promise.all(clouds.map((c) => c.close()));
});

test("crash matrix: every write of apply, rotate and destroy survives a lost answer, a cancel and a kill", async () => {
  const reference = clouds[0];
  assert.ok(reference);
  const cases: Case[] = [];
  for (const mode of MODES) {
    const writes = await writesOf(reference, mode);
    assert.ok(writes.length > 0, `${mode} makes writes`);
    const only = new RegExp(process.env["CRASH_MATRIX_ONLY"] ?? "");
    for (const write of writes)
      for (const fault of FAULTS) if (only.test(`${mode} ${write.method}#${write.nth} ${fault}`)) cases.push({ mode, write, fault });
    if (process.env["CRASH_MATRIX_TRACE"]) console.error(`${mode}: ${writes.map((w) => `${w.method} ${w.shape}#${w.nth}`).join(", ")}`);
  }
  const outcomes = await inLanes(clouds, cases, async (cloud, c) => {
    const outcome = await runCase(cloud, c);
    if (process.env["CRASH_MATRIX_TRACE"])
      console.error(`${outcome.problems.length ? "BAD" : "ok "} ${outcome.name} ${outcome.problems.join("; ")}`);
    return outcome;
  });
  const converged = outcomes.filter((o) => o.problems.length === 0).length;
  const violations = outcomes.reduce((n, o) => n + o.problems.length, 0);
  const table = outcomes
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((o) => `${o.problems.length === 0 ? "ok " : "BAD"} ${o.name}${o.problems.length ? `: ${o.problems.join("; ")}` : ""}`);
  console.log(`${table.join("\n")}\n\ncrash matrix: ${outcomes.length} cases, ${converged} converged, ${violations} violations`);
  assert.deepEqual(
    outcomes.filter((o) => o.problems.length > 0).map((o) => `${o.name}: ${o.problems.join("; ")}`),
    [],
  );
  assert.equal(outcomes.length, cases.length);
});
