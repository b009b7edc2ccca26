// Fault suite: every remote call the action makes gets a transient fault (the run must recover and end
// Compliant) and a permanent one (the run must fail with a message naming the problem, without retrying a
// 4xx that will not change). After each scenario: no deploy key left that no configuration uses, the
// configuration unchanged or working, no secret in the output. Three lanes, one local cloud each.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud, type Scenario, type FaultSpec } from "../emulator/index.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";
import { findSecrets, pemOf, publicBlobOf } from "./support/secret-scan.ts";
import { inLanes } from "./support/lanes.ts";

type Fault = Omit<FaultSpec, "service" | "method" | "path">;

interface Row {
  readonly call: string;
  readonly service: "github" | "arm" | "entra" | "oidc";
  readonly method: string;
  readonly path: (s: Scenario) => RegExp;
  /** Bring the world to this state before the faulted run. */
  readonly setup?: "applied";
  /** Inputs of the faulted run (after setup). */
  readonly inputs?: Readonly<Record<string, string>>;
  readonly transient: Fault;
  readonly permanent: Fault;
  /** What the failure message must say. */
  readonly message: RegExp;
  /** Calls the permanent fault may see (1 = never retried). */
  readonly maxHits?: number;
  /**
   * The call only feeds the report: under the permanent fault the run still succeeds, Compliant, and its log says
   * this (e.g. the extension's version, read beside the configuration write once the install has Succeeded).
   */
  readonly harmless?: RegExp;
}

const esc = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const repoPath = (s: Scenario, tail = ""): RegExp => new RegExp(`^/repos/${s.owner}/${esc(s.repo)}${tail}$`);
const clusterPath = (s: Scenario): string => `/managedClusters/${esc(s.clusterName)}`;
const kc = (s: Scenario, tail: string): RegExp => new RegExp(`${clusterPath(s)}/providers/Microsoft\\.KubernetesConfiguration/${tail}$`);
const armBody = (code: string, message: string): unknown => ({ error: { code, message } });
const secondary = {
  message: "You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
  documentation_url: "https://docs.github.com/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
};
const denied = (action: string): unknown =>
  armBody(
    "AuthorizationFailed",
    `The client 'x' with object id 'x' does not have authorization to perform action '${action}' over scope 'x' or the scope is invalid.`,
  );

const ROWS: readonly Row[] = [
  {
    call: "GitHub repo",
    service: "github",
    method: "GET",
    path: (s) => repoPath(s),
    transient: { kind: "status", status: 502, times: 1 },
    permanent: { kind: "status", status: 404, times: Infinity },
    message: /Repository not found/,
  },
  {
    call: "GitHub meta",
    service: "github",
    method: "GET",
    path: () => /^\/meta$/,
    transient: { kind: "status", status: 403, retryAfter: 1, body: secondary, times: 1 },
    permanent: { kind: "status", status: 404, times: Infinity },
    message: /\/meta/,
  },
  {
    call: "GitHub keys list",
    service: "github",
    method: "GET",
    path: (s) => repoPath(s, "/keys"),
    transient: { kind: "status", status: 429, retryAfter: 1, body: secondary, times: 1 },
    permanent: { kind: "status", status: 403, times: Infinity },
    message: /Administration/,
  },
  {
    call: "GitHub keys create",
    service: "github",
    method: "POST",
    path: (s) => repoPath(s, "/keys"),
    transient: { kind: "reset", times: 1 },
    permanent: { kind: "status", status: 403, times: Infinity },
    message: /Administration/,
  },
  {
    call: "GitHub keys delete",
    service: "github",
    method: "DELETE",
    path: (s) => repoPath(s, "/keys/\\d+"),
    setup: "applied",
    inputs: { mode: "rotate" },
    transient: { kind: "status", status: 500, times: 1 },
    permanent: { kind: "status", status: 403, times: Infinity },
    message: /delete deploy key \d+/,
  },
  {
    call: "GitHub commit",
    service: "github",
    method: "GET",
    path: (s) => repoPath(s, "/commits/main"),
    transient: { kind: "status", status: 503, times: 1 },
    permanent: { kind: "status", status: 422, times: Infinity },
    message: /not found in contoso/,
  },
  {
    call: "OIDC token",
    service: "oidc",
    method: "GET",
    path: () => /idtoken$/,
    transient: { kind: "status", status: 500, times: 1 },
    permanent: { kind: "status", status: 401, times: Infinity },
    message: /OIDC/,
  },
  {
    call: "Entra token",
    service: "entra",
    method: "POST",
    path: () => /oauth2\/v2\.0\/token$/,
    transient: { kind: "status", status: 503, times: 1 },
    permanent: {
      kind: "status",
      status: 400,
      times: Infinity,
      body: { error: "invalid_request", error_description: "AADSTS90002: Tenant not found.", error_codes: [90002] },
    },
    message: /sign-in|Sign in|sign in/,
  },
  {
    call: "ARM cluster",
    service: "arm",
    method: "GET",
    path: (s) => new RegExp(`${clusterPath(s)}$`),
    transient: { kind: "status", status: 500, times: 1 },
    permanent: { kind: "status", status: 403, times: Infinity, body: denied("Microsoft.ContainerService/managedClusters/read") },
    message: /role/,
  },
  {
    call: "ARM provider",
    service: "arm",
    method: "GET",
    path: () => /\/providers\/Microsoft\.KubernetesConfiguration$/,
    transient: { kind: "reset", times: 1 },
    permanent: {
      kind: "status",
      status: 400,
      times: Infinity,
      body: armBody("InvalidSubscriptionId", "The provided subscription identifier is malformed."),
    },
    message: /registration of Microsoft\.KubernetesConfiguration|subscription identifier/,
  },
  {
    call: "ARM extension list",
    service: "arm",
    method: "GET",
    path: (s) => kc(s, "extensions"),
    transient: { kind: "status", status: 429, retryAfter: 1, times: 1 },
    permanent: { kind: "status", status: 403, times: Infinity, body: denied("Microsoft.KubernetesConfiguration/extensions/read") },
    message: /role/,
  },
  {
    call: "ARM extension put",
    service: "arm",
    method: "PUT",
    path: (s) => kc(s, "extensions/flux"),
    transient: { kind: "status", status: 503, retryAfter: 1, times: 1 },
    permanent: { kind: "status", status: 403, times: Infinity, body: denied("Microsoft.KubernetesConfiguration/extensions/write") },
    message: /role/,
  },
  {
    call: "ARM extension poll",
    service: "arm",
    method: "GET",
    path: (s) => kc(s, "extensions/flux/operations/[^/]+"),
    transient: { kind: "reset", times: 1 },
    permanent: { kind: "status", status: 404, times: Infinity, body: armBody("OperationNotFound", "The operation could not be found.") },
    message: /extension/,
  },
  {
    call: "ARM extension get",
    service: "arm",
    method: "GET",
    path: (s) => kc(s, "extensions/flux"),
    transient: { kind: "status", status: 502, times: 1 },
    permanent: { kind: "status", status: 403, times: Infinity, body: denied("Microsoft.KubernetesConfiguration/extensions/read") },
    message: /Azure role missing/,
    maxHits: 2,
    harmless:
      /installed version of the flux extension not read \(it is for the report only\): The Azure identity may not read the flux extension/,
  },
  {
    call: "ARM configuration get",
    service: "arm",
    method: "GET",
    path: (s) => kc(s, "fluxConfigurations/flux-system"),
    transient: { kind: "reset", times: 1 },
    permanent: { kind: "status", status: 403, times: Infinity, body: denied("Microsoft.KubernetesConfiguration/fluxConfigurations/read") },
    message: /role/,
  },
  {
    call: "ARM configuration put",
    service: "arm",
    method: "PUT",
    path: (s) => kc(s, "fluxConfigurations/flux-system"),
    transient: { kind: "status", status: 429, retryAfter: 1, times: 1 },
    permanent: { kind: "status", status: 403, times: Infinity, body: denied("Microsoft.KubernetesConfiguration/fluxConfigurations/write") },
    message: /role/,
  },
  {
    call: "ARM configuration patch",
    service: "arm",
    method: "PATCH",
    path: (s) => kc(s, "fluxConfigurations/flux-system"),
    setup: "applied",
    inputs: { path: "clusters/production" },
    transient: { kind: "status", status: 500, times: 1 },
    permanent: {
      kind: "status",
      status: 400,
      times: Infinity,
      body: armBody("InvalidRequestContent", "The request content was invalid and could not be deserialized."),
    },
    message: /flux configuration/,
  },
  {
    call: "ARM configuration poll",
    service: "arm",
    method: "GET",
    path: (s) => kc(s, "fluxConfigurations/flux-system/operations/[^/]+"),
    transient: { kind: "status", status: 503, retryAfter: 1, times: 1 },
    permanent: { kind: "status", status: 404, times: Infinity, body: armBody("OperationNotFound", "The operation could not be found.") },
    message: /flux configuration/,
    maxHits: 2 /* the roll-back's delete polls the same path */,
  },
];

interface Outcome {
  readonly row: Row;
  readonly kind: "transient" | "permanent";
  readonly result: "recovered" | "failed cleanly" | "harmless" | "WRONG";
  readonly hits: number;
  readonly problems: readonly string[];
  /** How many of the problems are broken invariants. */
  readonly violations: number;
  readonly message: string;
  readonly ms: number;
}

const LANES = 3;
const clouds: LocalCloud[] = [];
let counter = 0;

before(async () => {
  for (let i = 0; i < LANES; i += 1) clouds.push(await startLocalCloud());
});
after(async () => {
  await Promise.all(clouds.map((c) => c.close()));
});

function errorLines(run: ActionRun): string {
  return run.stdout
    .split("\n")
    .filter((l) => l.startsWith("::error"))
    .map((l) => l.replace(/%0A/g, "\n"))
    .join("\n");
}

/** The invariants; returns what is wrong (empty when all hold). */
function invariants(
  cloud: LocalCloud,
  scenario: Scenario,
  before: string | undefined,
  run: ActionRun,
  beforePem: string | undefined,
): string[] {
  const problems: string[] = [];
  const stored = cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system");
  const pem = pemOf(stored);
  const usedBlob = pem ? publicBlobOf(pem) : undefined;
  for (const key of cloud.github.deployKeys(`${scenario.owner}/${scenario.repo}`)) {
    const blob = key.key.split(" ")[1];
    if (
      blob !== usedBlob &&
      !(
        run.code !== 0 &&
        new RegExp(`\\b${key.id}\\b`).test(
          errorLines(run) +
            run.stdout
              .split("\n")
              .filter((l) => l.startsWith("::warning"))
              .join("\n"),
        )
      )
    ) {
      problems.push(`deploy key ${key.id} is used by no configuration (and no message names it)`);
    }
  }
  const now = stored
    ? JSON.stringify([stored.properties["gitRepository"], stored.properties["kustomizations"], stored.configurationProtectedSettings])
    : undefined;
  const working =
    stored?.properties["complianceState"] === "Compliant" &&
    usedBlob !== undefined &&
    cloud.github.deployKeys(`${scenario.owner}/${scenario.repo}`).some((k) => k.key.split(" ")[1] === usedBlob);
  if (now !== before && !working)
    problems.push(`configuration changed and is not working (${String(stored?.properties["complianceState"])})`);
  const hits = findSecrets(
    run.everything + "\n" + JSON.stringify(cloud.traffic.log),
    [pem, beforePem].filter((p): p is string => p !== undefined),
    [scenario.token],
  );
  if (hits.length > 0) problems.push(`secrets in output: ${hits.join(", ")}`);
  return problems;
}

async function scenarioRun(cloud: LocalCloud, row: Row, kind: "transient" | "permanent"): Promise<Outcome> {
  counter += 1;
  const scenario = await seedScenario(cloud, { clusterName: `aks-f${counter}`, repo: `cfg-f${counter}` });
  const started = Date.now();
  if (row.setup === "applied") {
    const setup = await runAction(actionEnv(cloud, scenario));
    assert.equal(setup.code, 0, `setup of ${row.call}: ${setup.everything}`);
  }
  const stored = cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system");
  const before = stored
    ? JSON.stringify([stored.properties["gitRepository"], stored.properties["kustomizations"], stored.configurationProtectedSettings])
    : undefined;
  const beforePem = pemOf(stored);
  const fault = kind === "transient" ? row.transient : row.permanent;
  const hitsOf = cloud.injectFault({ ...fault, service: row.service, method: row.method, path: row.path(scenario) });
  const run = await runAction(actionEnv(cloud, scenario, row.inputs ?? {}));
  const hits = hitsOf();
  cloud.clearFaults();
  const problems: string[] = [];
  if (hits === 0) problems.push("the fault was never hit");
  let result: Outcome["result"] = "WRONG";
  if (kind === "transient") {
    const compliant = run.outputs["compliance-state"] === "Compliant";
    if (run.code === 0 && compliant) result = "recovered";
    else problems.push(`did not recover: code ${String(run.code)}, ${errorLines(run).slice(0, 400)}`);
  } else if (row.harmless) {
    if (run.code === 0 && run.outputs["compliance-state"] === "Compliant" && row.harmless.test(run.stdout)) result = "harmless";
    else
      problems.push(
        `expected success with a line matching ${String(row.harmless)}, got code ${String(run.code)}: ${errorLines(run).slice(0, 400)}`,
      );
  } else {
    const message = errorLines(run);
    if (run.code !== 0 && row.message.test(message)) result = "failed cleanly";
    else problems.push(`expected a failure matching ${String(row.message)}, got code ${String(run.code)}: ${message.slice(0, 400)}`);
    if (hits > (row.maxHits ?? 1) && (fault.status ?? 500) < 500) problems.push(`a ${String(fault.status)} was retried (${hits} calls)`);
  }
  const broken = invariants(cloud, scenario, before, run, beforePem);
  problems.push(...broken);
  return { row, kind, result, hits, problems, violations: broken.length, message: errorLines(run), ms: Date.now() - started };
}

function faultText(fault: Fault): string {
  if (fault.kind === "reset") return `reset ×${fault.times}`;
  return `${String(fault.status)}${fault.retryAfter === undefined ? "" : ` retry-after ${fault.retryAfter}`} ×${fault.times === Infinity ? "∞" : fault.times}`;
}

test("every remote call recovers from a transient fault and fails cleanly on a permanent one", async () => {
  const jobs = ROWS.flatMap((row) => (["transient", "permanent"] as const).map((kind) => ({ row, kind })));
  const outcomes = await inLanes(clouds, jobs, (cloud, job) => scenarioRun(cloud, job.row, job.kind));
  outcomes.sort((a, b) => ROWS.indexOf(a.row) - ROWS.indexOf(b.row) || a.kind.localeCompare(b.kind) * -1);
  const lines = [
    "| call | fault | kind | outcome | calls hit | invariants | s |",
    "|---|---|---|---|---|---|---|",
    ...outcomes.map(
      (o) =>
        `| ${o.row.call} | ${faultText(o.kind === "transient" ? o.row.transient : o.row.permanent)} | ${o.kind} | ${o.result} | ${o.hits} | ${o.problems.length === 0 ? "ok" : o.problems.join("; ")} | ${(o.ms / 1000).toFixed(1)} |`,
    ),
  ];
  const recovered = outcomes.filter((o) => o.result === "recovered").length;
  const failedCleanly = outcomes.filter((o) => o.result === "failed cleanly").length;
  const harmless = outcomes.filter((o) => o.result === "harmless").length;
  const violations = outcomes.reduce((n, o) => n + o.violations, 0);
  const count = `fault suite: ${outcomes.length} scenarios, ${recovered} recovered, ${failedCleanly} failed cleanly, ${harmless} harmless, ${violations} invariant violations`;
  const messages = outcomes
    .filter((o) => o.kind === "permanent")
    .map((o) => `${o.row.call}: ${o.message.replace(/^::error title=([^:]*)::/, "[$1] ").split("\n")[0] ?? ""}`);
  console.log(`${lines.join("\n")}\n\nFailure messages (first line):\n${messages.join("\n")}\n\n${count}`);
  assert.equal(outcomes.length, ROWS.length * 2);
  assert.equal(recovered, ROWS.length, count);
  assert.equal(harmless, ROWS.filter((r) => r.harmless).length, count);
  assert.equal(failedCleanly, ROWS.length - harmless, count);
  assert.equal(violations, 0, count);
  assert.deepEqual(
    outcomes.filter((o) => o.problems.length > 0).map((o) => `${o.row.call} ${o.kind}: ${o.problems.join("; ")}`),
    [],
  );
});
