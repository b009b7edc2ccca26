// The reusable workflow's pieces, run as the runner runs them against the local cloud: "List clusters"
// (fleet/clusters), each cluster job (the action with the matrix entry as its `with:`, then fleet/record), the
// artifacts (files copied into one directory, as download-artifact's merge-multiple does) and the Roll-up job
// (fleet/roll-up). Only the runner's scheduling is played here: at most max-parallel jobs of a matrix at once.
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { actionEnv, type LocalCloud, type Scenario } from "../../emulator/index.ts";
import { runComposite, type CompositeRun } from "./composite.ts";
import { runAction, type ActionRun, type RunOptions } from "../../emulator/run-action.ts";

type Entry = Record<string, unknown>;
const root = join(import.meta.dirname, "../..");
const workflowInputs = (
  parse(readFileSync(join(root, ".github/workflows/bootstrap-cluster.yml"), "utf8")) as {
    on: { workflow_call: { inputs: Record<string, { default?: unknown }> } };
  }
).on.workflow_call.inputs;
const actionInputs = Object.keys((parse(readFileSync(join(root, "action.yml"), "utf8")) as { inputs: Record<string, unknown> }).inputs);

export interface Fleet {
  /** Where the runner's temp files and the downloaded artifacts live. */
  readonly dir: string;
  readonly records: string;
  readonly parts: { readonly clusters: Entry[]; readonly maxParallel: number }[];
  readonly inputs: Entry;
}

/** The clusters file for `scenarios`: defaults point every cluster at the local cloud; entries name the cluster. */
export function clustersFile(cloud: LocalCloud, scenarios: readonly Scenario[], path = "clusters/production"): unknown {
  const first = scenarios[0];
  if (!first) throw new Error("no clusters");
  return {
    defaults: {
      environment: "production",
      "subscription-id": first.subscriptionId,
      "client-id": first.clientId,
      "tenant-id": first.tenantId,
      "authority-host": cloud.azure.authorityHost,
      "arm-endpoint": cloud.azure.armEndpoint,
      "ssh-host": cloud.github.sshHost,
      repository: `${first.owner}/${first.repo}`,
      path,
    },
    clusters: scenarios.map((s) => ({ "resource-group": s.resourceGroup, "cluster-name": s.clusterName })),
  };
}

/** The "List clusters" job: the fleet's matrices, and the list kept for the roll-up. */
export function listFleet(file: unknown, given: Entry): Fleet {
  const dir = mkdtempSync(join(tmpdir(), "fleet-run-"));
  const records = join(dir, "records");
  mkdirSync(records);
  writeFileSync(join(dir, "clusters.json"), JSON.stringify(file));
  const inputs: Entry = Object.fromEntries(Object.entries(workflowInputs).map(([name, spec]) => [name, spec.default ?? ""]));
  Object.assign(inputs, given, { "clusters-file": "clusters.json" });
  const run = runComposite(
    "clusters",
    { inputs: JSON.stringify(inputs), "clusters-file": "clusters.json", "max-parallel": String(inputs["max-parallel"]) },
    dir,
    { RUNNER_TEMP: dir },
  );
  if (run.status !== 0) throw new Error(`List clusters failed:\n${run.stdout}${run.stderr}`);
  copyFileSync(run.outputs["list-file"] ?? "", join(records, "clusters.json"));
  const parts = [1, 2, 3, 4]
    .map((p) => ({
      clusters: JSON.parse(run.outputs[`part-${p}`] ?? "[]") as Entry[],
      maxParallel: Number(run.outputs[`max-parallel-${p}`]),
    }))
    .filter((p) => p.clusters.length > 0);
  return { dir, records, parts, inputs };
}

/** One cluster job's outcome as the runner would give it to fleet/record. */
export interface JobEnd {
  readonly run: ActionRun | undefined;
  readonly fluxOutcome: "success" | "failure" | "cancelled" | "";
  readonly jobStatus: "success" | "failure" | "cancelled";
}

/** The action's step: `with:` every action input from the matrix entry, mode and plan-for from the run. */
export function runClusterAction(
  cloud: LocalCloud,
  scenario: Scenario,
  fleet: Fleet,
  entry: Entry,
  options: RunOptions = {},
): Promise<ActionRun> {
  const withs: Record<string, string> = {};
  for (const name of actionInputs) if (name !== "github-token") withs[name] = String(entry[name] ?? "");
  withs["mode"] = String(fleet.inputs["mode"]);
  withs["plan-for"] = String(fleet.inputs["plan-for"]);
  return runAction(actionEnv(cloud, scenario, withs), options);
}

/** fleet/record, then the record "uploaded": copied where the roll-up's download puts it. */
export function recordJob(fleet: Fleet, entry: Entry, end: JobEnd): CompositeRun {
  const index = Number(entry["fleet-index"]);
  const run = runComposite(
    "record",
    {
      cluster: JSON.stringify(entry),
      result: end.run?.outputs["result"] ?? "",
      "flux-outcome": end.fluxOutcome,
      job: JSON.stringify({ status: end.jobStatus, check_run_id: 5_000_000 + index }),
      mode: String(fleet.inputs["mode"]),
      "plan-for": String(fleet.inputs["plan-for"]),
    },
    fleet.dir,
    { RUNNER_TEMP: fleet.dir, GITHUB_SERVER_URL: "https://github.com", GITHUB_RUN_ID: "42", GITHUB_RUN_ATTEMPT: "1" },
  );
  if (run.status !== 0) throw new Error(`fleet/record failed:\n${run.stdout}${run.stderr}`);
  if (run.outputs["name"] !== `aks-flux-bootstrap-record-${index}`) throw new Error(`artifact name ${run.outputs["name"] ?? ""}`);
  copyFileSync(run.outputs["path"] ?? "", join(fleet.records, `record-${index}.json`));
  return run;
}

/** Runs `job` for every entry of every part, at most each part's max-parallel at once, all parts side by side. */
export async function runMatrices(fleet: Fleet, job: (entry: Entry) => Promise<void>): Promise<void> {
  await Promise.all(
    fleet.parts.map(async (part) => {
      const queue = [...part.clusters];
      const worker = async (): Promise<void> => {
        for (let entry = queue.shift(); entry; entry = queue.shift()) await job(entry);
      };
      await Promise.all(Array.from({ length: part.maxParallel }, worker));
    }),
  );
}

export interface RollUp {
  readonly outputs: Record<string, string>;
  readonly summary: string;
  readonly value: {
    totals: Record<string, number>;
    failed: boolean;
    changed: boolean;
    clusters: { cluster: { name: string }; outcome: string; changed: boolean | null; error?: { code: string; title: string } }[];
  };
}

/** The Roll-up job: fleet/roll-up on the downloaded records. */
export function rollUp(fleet: Fleet): RollUp {
  const run = runComposite(
    "roll-up",
    { records: fleet.records, mode: String(fleet.inputs["mode"]), "plan-for": String(fleet.inputs["plan-for"]) },
    fleet.dir,
    {
      RUNNER_TEMP: fleet.dir,
      GITHUB_SERVER_URL: "https://github.com",
      GITHUB_RUN_ID: "42",
      GITHUB_RUN_ATTEMPT: "1",
    },
  );
  if (run.status !== 0) throw new Error(`fleet/roll-up failed:\n${run.stdout}${run.stderr}`);
  return {
    outputs: run.outputs,
    summary: run.summary,
    value: JSON.parse(readFileSync(run.outputs["file"] ?? "", "utf8")) as RollUp["value"],
  };
}
