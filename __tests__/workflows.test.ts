// The workflows' wiring, read the way GitHub reads it (YAML), plus the real linters and the real bash + jq
// of the "List clusters" step. The action's inputs come from action.yml (the contract).
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { lintFiles, lintedFiles } from "../scripts/lint-workflows.ts";
import { publishedRepository } from "../scripts/published-repository.ts";
import { runComposite } from "./support/composite.ts";

type Map = Record<string, unknown>;
const root = join(import.meta.dirname, "..");
const read = (path: string): string => readFileSync(join(root, path), "utf8");
const yaml = (path: string): Map => parse(read(path)) as Map;
const obj = (value: unknown, what: string): Map => {
  assert.ok(value !== null && typeof value === "object" && !Array.isArray(value), `${what} is not a mapping`);
  return value as Map;
};

const action = yaml("action.yml");
const actionInputs = obj(action["inputs"], "action.yml inputs");
/** The action's published repository: package.json's `repository` (scripts/published-repository.ts). */
const FIRST_PARTY = publishedRepository(read("package.json"));
/** Inputs of the reusable workflow that configure the jobs, not the action. */
const WORKFLOW_ONLY = ["environment", "clusters", "clusters-file", "max-parallel", "runs-on", "timeout-minutes", "github-app-client-id"];
/** Action inputs that are the same for every cluster of a run (not settable per cluster). */
const WORKFLOW_LEVEL = ["mode", "plan-for"];
/**
 * SHAs read from the actions' own git tags (fetch + `git rev-parse vX.Y.Z^{commit}`), each the newest release of a
 * major whose action.yml says `using: node24` (checkout v7.0.1, setup-node v7.0.0, create-github-app-token v3.1.1,
 * whose `app-id` input is deprecated for `client-id`).
 */
const PINS: Record<string, { sha: string; version: string }> = {
  "actions/checkout": { sha: "3d3c42e5aac5ba805825da76410c181273ba90b1", version: "v7.0.1" },
  "actions/setup-node": { sha: "820762786026740c76f36085b0efc47a31fe5020", version: "v7.0.0" },
  "actions/create-github-app-token": { sha: "1b10c78c7865c340bc4f6099eb2f838309f1e8c3", version: "v3.1.1" },
  "github/codeql-action": { sha: "8aad20d150bbac5944a9f9d289da16a4b0d87c1e", version: "v4.36.2" },
  // Read the same way; both node24 (upload-artifact v7.0.0, download-artifact v8.0.1).
  "actions/upload-artifact": { sha: "bbbca2ddaa5d8feaa63e36b76fdaad77386f024f", version: "v7.0.0" },
  "actions/download-artifact": { sha: "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c", version: "v8.0.1" },
};
/** The only jobs that get more than id-token: write and contents: read, and exactly what each gets. */
const BROADER: Record<string, Map> = {
  ".github/workflows/release.yml release": { contents: "write" },
  ".github/workflows/codeql.yml analyze": { contents: "read", "security-events": "write", actions: "read" },
};

const bootstrap = yaml(".github/workflows/bootstrap-cluster.yml");
const call = (workflow: Map): Map => obj(obj(workflow["on"], "on")["workflow_call"], "workflow_call");
const bootstrapInputs = obj(call(bootstrap)["inputs"], "inputs");
const jobs = (workflow: Map): [string, Map][] => Object.entries(obj(workflow["jobs"], "jobs")).map(([id, job]) => [id, obj(job, id)]);
const steps = (job: Map): Map[] => ((job["steps"] ?? []) as unknown[]).map((step, i) => obj(step, `step ${i}`));
/** The cluster job: one matrix of a fleet, in the workflow bootstrap-cluster.yml calls once per part. */
const part = yaml(".github/workflows/bootstrap-cluster-part.yml");
const fluxJob = obj(obj(part["jobs"], "jobs")["flux"], "flux job");
const stepWith = (id: string): Map => obj(steps(fluxJob).find((s) => s["id"] === id)?.["with"], `with: of step ${id}`);

const workflowFiles = lintedFiles(root).filter((file) => !file.endsWith("action.yml"));

/** Runs the real "List clusters" step (fleet/clusters: bash + jq) with the given inputs and clusters file; returns its clusters or its error. */
function listClusters(given: Map, file?: unknown): { clusters?: Map[]; error?: string } {
  const inputs: Map = {};
  for (const [name, spec] of Object.entries(bootstrapInputs)) inputs[name] = obj(spec, name)["default"];
  Object.assign(inputs, given);
  const dir = mkdtempSync(join(tmpdir(), "list-clusters-"));
  try {
    if (file !== undefined) writeFileSync(join(dir, "clusters.json"), JSON.stringify(file));
    const run = runComposite(
      "clusters",
      { inputs: JSON.stringify(inputs), "clusters-file": String(inputs["clusters-file"]), "max-parallel": String(inputs["max-parallel"]) },
      dir,
      { RUNNER_TEMP: dir, GITHUB_REPOSITORY: "octo/fleet" },
    );
    if (run.status !== 0) return { error: `${run.stdout}${run.stderr}` };
    assert.match(run.outputs["part-1"] ?? "", /^\[/);
    return { clusters: JSON.parse(readFileSync(run.outputs["list-file"] ?? "", "utf8")) as Map[] };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const ONE = {
  environment: "prod",
  "subscription-id": "11111111-2222-3333-4444-555555555555",
  "resource-group": "rg",
  "cluster-name": "aks",
  "client-id": "c",
  "tenant-id": "t",
};

test("the linters pass every workflow, example and action.yml", async () => {
  assert.ok(workflowFiles.length >= 7, `found only ${workflowFiles.join(", ")}`);
  assert.deepEqual(await lintFiles(lintedFiles(root).map((file) => join(root, file))), []);
});

test("the lint script fails on a broken workflow and a broken action.yml", () => {
  const dir = mkdtempSync(join(tmpdir(), "lint-broken-"));
  try {
    const workflow = join(dir, "broken.yml");
    writeFileSync(
      workflow,
      "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.no_such_thing }}\n        bogus: 1\n",
    );
    const metadata = join(dir, "action.yml");
    writeFileSync(metadata, "name: x\ndescription: y\nruns:\n  using: node24\n  mian: dist/index.js\n");
    const script = join(root, "scripts/lint-workflows.ts");
    const run = spawnSync(process.execPath, [script, workflow, metadata], { encoding: "utf8" });
    assert.equal(run.status, 1, run.stderr);
    assert.match(run.stderr, /broken\.yml:6:\d+: property "no_such_thing" is not defined/);
    assert.match(run.stderr, /broken\.yml:7:9: unexpected key "bogus"/);
    assert.match(run.stderr, /action\.yml:4:3: .*'mian' is not allowed/);
    const clean = spawnSync(process.execPath, [script, join(root, ".github/workflows/ci.yml")], { encoding: "utf8" });
    assert.equal(clean.status, 0, clean.stderr);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("bootstrap-cluster.yml takes every action input and hands each to the action", () => {
  const passed = Object.keys(actionInputs).filter((name) => name !== "github-token");
  assert.deepEqual(
    Object.keys(bootstrapInputs)
      .filter((name) => !WORKFLOW_ONLY.includes(name))
      .sort(),
    passed.sort(),
  );
  const flux = steps(fluxJob).find((s) => s["id"] === "flux");
  assert.equal(flux?.["uses"], `${FIRST_PARTY}@v1`);
  const withs = stepWith("flux");
  assert.deepEqual(Object.keys(withs).sort(), Object.keys(actionInputs).sort());
  for (const name of passed) {
    const expected = WORKFLOW_LEVEL.includes(name) ? `\${{ inputs.${name} }}` : `\${{ matrix.cluster.${name} }}`;
    assert.equal(withs[name], expected, `with: ${name}`);
  }
  assert.equal(withs["github-token"], "${{ steps.app-token.outputs.token }}");
});

test("bootstrap-cluster.yml repeats action.yml's defaults (a with: value replaces the action's default)", () => {
  for (const [name, spec] of Object.entries(actionInputs)) {
    if (name === "github-token") continue;
    const actionDefault = obj(spec, name)["default"];
    const input = obj(bootstrapInputs[name], name);
    assert.equal(String(input["default"]), actionDefault === undefined ? "" : String(actionDefault), `default of ${name}`);
    assert.equal(input["type"], ["true", "false"].includes(String(actionDefault)) ? "boolean" : "string", `type of ${name}`);
  }
});

test("the cluster list carries every input into the matrix, defaults < file defaults < entry", () => {
  const single = listClusters({ ...ONE, path: "clusters/prod" });
  assert.equal(single.error, undefined);
  const [cluster] = single.clusters ?? [];
  for (const value of Object.values(stepWith("flux"))) {
    const key = /^\$\{\{ matrix\.cluster\.([\w-]+) \}\}$/.exec(String(value))?.[1];
    if (key) assert.ok(cluster && key in cluster, `matrix.cluster.${key} is not set`);
  }
  assert.equal(cluster?.["path"], "clusters/prod");
  assert.equal(cluster?.["wait-timeout"], "15m");

  const file = {
    defaults: {
      environment: "prod",
      "client-id": "c",
      "tenant-id": "t",
      "subscription-id": "s",
      wait: false,
      kustomizations: { apps: { path: "apps" } },
    },
    clusters: [
      { "resource-group": "a", "cluster-name": "x" },
      { "resource-group": "b", "cluster-name": "y", environment: "staging" },
    ],
  };
  const fleet = listClusters({ "clusters-file": "clusters.json", "key-type": "ecdsa-p256" }, file);
  assert.deepEqual(
    fleet.clusters?.map((c) => [c["environment"], c["resource-group"], c["wait"], c["key-type"]]),
    [
      ["prod", "a", false, "ecdsa-p256"],
      ["staging", "b", false, "ecdsa-p256"],
    ],
  );
  assert.equal(fleet.clusters?.[0]?.["kustomizations"], '{"apps":{"path":"apps"}}');

  const fromJson = listClusters({
    ...ONE,
    "cluster-name": "",
    clusters: JSON.stringify([{ "cluster-name": "one" }, { "cluster-name": "two" }]),
  });
  assert.deepEqual(
    fromJson.clusters?.map((c) => c["cluster-name"]),
    ["one", "two"],
  );
});

test("the cluster list rejects typos, duplicates, missing identities and a mode per cluster", () => {
  const fromFile = { ...ONE, "clusters-file": "clusters.json" };
  assert.match(listClusters(fromFile, [{ "cluster-nmae": "x" }]).error ?? "", /cluster #1 has unknown key\(s\): cluster-nmae/);
  assert.match(listClusters(fromFile, [{ mode: "destroy" }]).error ?? "", /unknown key\(s\): mode/);
  assert.match(
    listClusters(fromFile, { defaults: { "plan-for": "destroy" }, clusters: [{}] }).error ?? "",
    /defaults has unknown key\(s\): plan-for/,
  );
  const twice = [{ "cluster-name": "AKS" }, { "cluster-name": "aks" }];
  assert.match(listClusters({ ...ONE, clusters: JSON.stringify(twice) }).error ?? "", /listed more than once/);
  assert.match(
    listClusters({ environment: "prod" }).error ?? "",
    /has no subscription-id, resource-group, cluster-name, client-id, tenant-id/,
  );
  assert.match(listClusters({ "clusters-file": "missing.json" }).error ?? "", /'missing\.json' is not in octo\/fleet/);
  const example = JSON.parse(read("examples/clusters.json")) as unknown;
  assert.equal(listClusters({ "clusters-file": "clusters.json" }, example).clusters?.length, 3);
});

test("permissions are least privilege: id-token: write and contents: read at most, never broader", () => {
  const allowed: Map = { "id-token": "write", contents: "read" };
  for (const file of workflowFiles) {
    const workflow = yaml(file);
    assert.ok("permissions" in workflow, `${file}: no top-level permissions`);
    for (const [id, job] of jobs(workflow)) {
      const granted = job["permissions"] ?? workflow["permissions"];
      assert.ok(granted !== null && typeof granted === "object", `${file} ${id}: permissions must be a mapping, got ${String(granted)}`);
      const broader = BROADER[`${file} ${id}`];
      if (broader) {
        assert.deepEqual(granted, broader, `${file} ${id}`);
        continue;
      }
      for (const [scope, level] of Object.entries(granted as Map)) {
        assert.ok(allowed[scope] === level || level === "none", `${file} ${id}: ${scope}: ${String(level)}`);
      }
      const usesAction = steps(job).some((s) => String(s["uses"]).startsWith(`${FIRST_PARTY}@`) || s["uses"] === "./");
      const callsWorkflow = String(job["uses"] ?? "").startsWith(`${FIRST_PARTY}/.github/workflows/`);
      if ((usesAction && file !== ".github/workflows/ci.yml") || callsWorkflow) assert.deepEqual(granted, allowed, `${file} ${id}`);
    }
  }
});

test("one run at a time per cluster: the concurrency group holds subscription, resource group, type and name", () => {
  const concurrency = obj(fluxJob["concurrency"], "concurrency");
  const group = String(concurrency["group"]);
  for (const key of ["subscription-id", "resource-group", "cluster-type", "cluster-name"]) {
    assert.ok(group.includes(`\${{ matrix.cluster.${key} }}`), `group '${group}' lacks ${key}`);
  }
  assert.match(group, /^aks-flux-bootstrap-/);
  assert.equal(concurrency["cancel-in-progress"], false);
  assert.match(read("docs/workflows.md"), /aks-flux-bootstrap-\$\{\{ matrix\.cluster\.subscription-id \}\}-/);
});

test("every third-party action is pinned to a commit SHA with its version as a comment", () => {
  for (const file of workflowFiles) {
    for (const [, line] of read(file).matchAll(/^\s*(?:-\s+)?uses:\s*(.+)$/gm)) {
      const ref = String(line).trim();
      if (
        ref.startsWith("./") ||
        ref.startsWith(`${FIRST_PARTY}@v1`) ||
        ref.startsWith(`${FIRST_PARTY}/.github/workflows/`) ||
        ref.startsWith(`${FIRST_PARTY}/fleet/`)
      )
        continue;
      const match = /^([\w.-]+\/[\w.-]+)(?:\/[^@\s]+)?@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(ref);
      assert.ok(match, `${file}: '${ref}' is not pinned as owner/repo@<40 hex> # vX.Y.Z`);
      const pin = PINS[match[1] ?? ""];
      assert.ok(pin, `${file}: ${match[1]} has no verified pin in this test`);
      assert.deepEqual({ sha: match[2], version: match[3] }, pin, `${file}: ${ref}`);
    }
  }
});

test("the GitHub App token is scoped to the configuration repository and the permissions the run needs", () => {
  const token = stepWith("app-token");
  assert.equal(token["client-id"], "${{ inputs.github-app-client-id }}", "the App's Client ID (app-id is deprecated)");
  assert.equal(token["app-id"], undefined);
  assert.equal(token["repositories"], "${{ steps.repository.outputs.name }}");
  assert.equal(token["permission-administration"], "write");
  assert.equal(token["permission-contents"], "read");
  assert.equal(token["permission-metadata"], "read");
  assert.match(String(token["permission-secrets"]), /private-key-secret != '' && matrix\.cluster\.secret-environment == ''/);
  assert.match(String(token["permission-environments"]), /secret-environment != '' && 'write'/);
  const script = String(steps(fluxJob).find((s) => s["id"] === "repository")?.["run"]);
  for (const [repository, owner, name] of [
    ["octo/config", "octo", "config"],
    ["git@github.com:octo/config.git", "octo", "config"],
    ["ssh://git@ghe.example:2222/octo/config", "octo", "config"],
    ["", "octo", "fleet"],
  ]) {
    const dir = mkdtempSync(join(tmpdir(), "repository-"));
    try {
      writeFileSync(join(dir, "out"), "");
      execFileSync("bash", ["-e", "-c", script], {
        env: {
          PATH: process.env["PATH"] ?? "/usr/bin:/bin",
          REPOSITORY: repository,
          GITHUB_REPOSITORY: "octo/fleet",
          GITHUB_OUTPUT: join(dir, "out"),
        },
      });
      assert.equal(readFileSync(join(dir, "out"), "utf8"), `owner=${owner}\nname=${name}\n`, repository);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
});

test("rotation: the reusable workflow runs mode rotate with max-key-age; the example caller is scheduled", () => {
  const rotate = yaml(".github/workflows/rotate-deploy-keys.yml");
  assert.equal(obj(obj(call(rotate)["inputs"], "inputs")["max-key-age"], "max-key-age")["required"], true);
  const [[, job] = ["", {}]] = jobs(rotate);
  assert.equal(job["uses"], `${FIRST_PARTY}/.github/workflows/bootstrap-cluster.yml@v1`);
  const withs = obj(job["with"], "with");
  assert.equal(withs["mode"], "rotate");
  assert.equal(withs["max-key-age"], "${{ inputs.max-key-age }}");
  for (const name of Object.keys(withs)) assert.ok(name in bootstrapInputs, `bootstrap-cluster.yml has no input ${name}`);
  assert.deepEqual(Object.keys(obj(job["secrets"], "secrets")).sort(), Object.keys(obj(call(bootstrap)["secrets"], "secrets")).sort());
  const rotateOutputs = obj(call(rotate)["outputs"], "rotate outputs");
  for (const output of ["failed", "changed", "totals"])
    assert.equal(obj(rotateOutputs[output], output)["value"], `\${{ jobs.rotate.outputs.${output} }}`, `the fleet's ${output}`);

  const caller = yaml("examples/rotate-deploy-keys.yml");
  const on = obj(caller["on"], "on");
  assert.match(String((on["schedule"] as Map[] | undefined)?.[0]?.["cron"]), /^\S+ \S+ \S+ \S+ \S+$/);
  assert.ok("workflow_dispatch" in on);
  const [[, callerJob] = ["", {}]] = jobs(caller);
  assert.equal(callerJob["uses"], `${FIRST_PARTY}/.github/workflows/rotate-deploy-keys.yml@v1`);
  assert.match(String(obj(callerJob["with"], "with")["max-key-age"]), /30d/);
});

test("one concurrency group everywhere the action runs against a cluster: README, examples, reusable and live workflows", () => {
  const jobsRunningIt: [string, Map][] = [];
  for (const file of workflowFiles.filter((f) => f !== ".github/workflows/ci.yml"))
    for (const [id, job] of jobs(yaml(file)))
      if (steps(job).some((s) => String(s["uses"]).startsWith(`${FIRST_PARTY}@`) || s["uses"] === "./"))
        jobsRunningIt.push([`${file} ${id}`, job]);
  const usage = /## Usage\n\n```yaml\n([\s\S]*?)```/.exec(read("README.md"))?.[1];
  assert.ok(usage, "README has a Usage workflow");
  for (const [id, job] of jobs(parse(usage) as Map)) jobsRunningIt.push([`README.md ${id}`, job]);
  assert.ok(jobsRunningIt.length >= 4, jobsRunningIt.map(([name]) => name).join(", "));
  for (const [name, job] of jobsRunningIt) {
    const concurrency = obj(job["concurrency"], `${name} concurrency`);
    assert.match(
      String(concurrency["group"]),
      /^aks-flux-bootstrap-\$\{\{ [^}]+ \}\}-[^-]+.*-(managedClusters|connectedClusters|\$\{\{ [^}]+ \}\})-/,
      name,
    );
    assert.equal(concurrency["cancel-in-progress"], false, name);
  }
});

test("the GitHub App is named by its Client ID (a variable) and its private key (a secret), the same way everywhere", () => {
  const texts = [...workflowFiles, "README.md", "docs/workflows.md"].map((file) => [file, read(file)] as const);
  for (const [file, text] of texts) {
    assert.doesNotMatch(text, /^\s*app-id:/m, `${file}: app-id is deprecated in create-github-app-token v3`);
    assert.doesNotMatch(text, /FLUX_APP_ID|secrets\.FLUX_APP_CLIENT_ID|vars\.FLUX_APP_PRIVATE_KEY|github-app-id\b/, file);
    for (const [, line] of text.matchAll(/^\s*(?:-\s+)?uses:\s*actions\/create-github-app-token@\S+.*$\n((?:\s+.*\n){0,4})/gm))
      assert.match(String(line), /client-id: \$\{\{ (vars\.FLUX_APP_CLIENT_ID|inputs\.github-app-client-id) \}\}/, file);
  }
});

test("ci.yml plans a path the seeded repository has, and requires the plan of a fresh cluster to say changed=true", async () => {
  const { defaultFluxTree } = await import("../emulator/index.ts");
  const ci = yaml(".github/workflows/ci.yml");
  const action = obj(obj(ci["jobs"], "jobs")["action"], "action job");
  const plan = steps(action).find((s) => s["id"] === "plan");
  const path = String(obj(plan?.["with"], "with")["path"]);
  assert.ok(
    Object.keys(defaultFluxTree()).some((file) => file.startsWith(`${path}/`)),
    `${path} is not in the seeded repository`,
  );
  assert.match(String(steps(action).at(-1)?.["run"]), /if \[ "\$CHANGED" != true \]/);
});

test("the live check is opt-in: manual dispatch, or its schedule only where its variables are set", () => {
  const live = yaml(".github/workflows/live-check.yml");
  const on = obj(live["on"], "on");
  assert.ok("workflow_dispatch" in on && "schedule" in on);
  const [[, job] = ["", {}]] = jobs(live);
  assert.equal(job["if"], "github.event_name == 'workflow_dispatch' || vars.LIVE_CLUSTER_NAME != ''");
  const modes = steps(job)
    .filter((s) => s["uses"] === "./")
    .map(
      (s) =>
        `${String(obj(s["with"], "with")["mode"] ?? "apply")}${obj(s["with"], "with")["plan-for"] ? `-${String(obj(s["with"], "with")["plan-for"])}` : ""}`,
    );
  assert.deepEqual(modes, ["apply", "apply", "plan", "rotate", "destroy", "plan-destroy"]);
  assert.match(read("CONTRIBUTING.md"), /## The live check/);
});

test("the nightly drift example plans the whole fleet and fails, by the roll-up's outputs, when a cluster drifted or failed", () => {
  const drift = yaml("examples/fleet-drift.yml");
  const on = obj(drift["on"], "on");
  assert.match(String((on["schedule"] as Map[] | undefined)?.[0]?.["cron"]), /^\S+ \S+ \* \* \*$/, "nightly");
  const all = obj(drift["jobs"], "jobs");
  const plan = obj(all["plan"], "plan");
  assert.equal(plan["uses"], `${FIRST_PARTY}/.github/workflows/bootstrap-cluster.yml@v1`);
  assert.equal(obj(plan["with"], "with")["mode"], "plan");
  const check = obj(all["drift"], "drift");
  assert.equal(check["needs"], "plan");
  const [step] = steps(check);
  const env = obj(step?.["env"], "env");
  assert.deepEqual([env["CHANGED"], env["FAILED"]], ["${{ needs.plan.outputs.changed }}", "${{ needs.plan.outputs.failed }}"]);
  const outcome = (changed: string, failed: string): { status: number | null; out: string } => {
    const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", String(step?.["run"])], {
      encoding: "utf8",
      env: { PATH: process.env["PATH"] ?? "/usr/bin:/bin", CHANGED: changed, FAILED: failed, TOTALS: "{}" },
    });
    return { status: run.status, out: run.stdout };
  };
  assert.equal(outcome("false", "false").status, 0);
  assert.deepEqual(outcome("true", "false").status, 1);
  assert.match(outcome("true", "false").out, /::error title=Fleet drifted::/);
  assert.match(outcome("false", "true").out, /::error title=Fleet plan failed::/);
  for (const output of ["changed", "failed", "totals"])
    assert.ok(output in obj(call(bootstrap)["outputs"], "outputs"), `bootstrap-cluster.yml has the output ${output}`);
});
