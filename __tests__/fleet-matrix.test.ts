// Fleets past one matrix: the real "List clusters" step (fleet/clusters: bash + jq, as the reusable workflow runs it)
// on 1, 256, 257 and 1,000 clusters, and the workflow's wiring of the parts and the roll-up, read as GitHub reads it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { runComposite } from "./support/composite.ts";

type Map = Record<string, unknown>;
const root = join(import.meta.dirname, "..");
const workflow = parse(readFileSync(join(root, ".github/workflows/bootstrap-cluster.yml"), "utf8")) as {
  on: { workflow_call: { inputs: Record<string, { default?: unknown }> } };
  jobs: Record<string, Map>;
};
/** The workflow's inputs with their defaults, as toJSON(inputs) gives them. */
const defaults = Object.fromEntries(Object.entries(workflow.on.workflow_call.inputs).map(([name, spec]) => [name, spec.default ?? ""]));
/** GitHub: "Outputs are Unicode strings, and can be a maximum of 1 MB" (docs.github.com, workflow syntax, jobs.<job_id>.outputs). */
const OUTPUT_LIMIT = 1024 * 1024;

function fleetFile(count: number): unknown {
  return {
    defaults: { environment: "prod", "client-id": "c", "tenant-id": "t", "subscription-id": "6b0c1f3e-3f5e-4d8e-9a51-2f1d5c0e7a11" },
    clusters: Array.from({ length: count }, (_, i) => ({
      "resource-group": `rg-${Math.floor(i / 50)}`,
      "cluster-name": `aks-${String(i).padStart(4, "0")}`,
      path: `clusters/aks-${i}`,
    })),
  };
}

function listParts(count: number, maxParallel: number): { status: number | null; outputs: Record<string, string>; error: string } {
  const dir = mkdtempSync(join(tmpdir(), "fleet-matrix-"));
  try {
    writeFileSync(join(dir, "clusters.json"), JSON.stringify(fleetFile(count)));
    const inputs = { ...defaults, "clusters-file": "clusters.json", "max-parallel": maxParallel };
    const run = runComposite(
      "clusters",
      { inputs: JSON.stringify(inputs), "clusters-file": "clusters.json", "max-parallel": String(maxParallel) },
      dir,
      {
        RUNNER_TEMP: dir,
      },
    );
    return { status: run.status, outputs: run.outputs, error: run.stdout + run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const CASES: readonly [count: number, maxParallel: number, sizes: number[], shares: number[]][] = [
  [1, 4, [1], [4]],
  [256, 4, [256], [4]],
  [257, 4, [128, 129], [2, 2]],
  [257, 5, [128, 129], [3, 2]],
  [1000, 20, [250, 250, 250, 250], [5, 5, 5, 5]],
  [1000, 2, [250, 250, 250, 250], [1, 1, 1, 1]],
];

for (const [count, maxParallel, sizes, shares] of CASES) {
  test(`${count} cluster(s), max-parallel ${maxParallel}: ${sizes.length} matrix(es) of ${sizes.join(", ")}, ${shares.join(" + ")} at once`, () => {
    const started = performance.now();
    const { status, outputs, error } = listParts(count, maxParallel);
    assert.equal(status, 0, error);
    assert.equal(outputs["count"], String(count));
    const parts = [1, 2, 3, 4].map((p) => JSON.parse(outputs[`part-${p}`] ?? "") as Map[]);
    assert.deepEqual(
      parts.map((p) => p.length),
      [...sizes, ...Array<number>(4 - sizes.length).fill(0)],
    );
    assert.deepEqual(
      [1, 2, 3, 4].slice(0, sizes.length).map((p) => Number(outputs[`max-parallel-${p}`])),
      shares,
    );
    for (const p of [1, 2, 3, 4]) assert.ok((outputs[`part-${p}`] ?? "").length < OUTPUT_LIMIT, `part-${p} fits in a job output`);
    // Every cluster exactly once, in the file's order, with its place in the fleet and every input as text.
    const all = parts.flat();
    assert.deepEqual(
      all.map((c) => c["fleet-index"]),
      Array.from({ length: count }, (_, i) => i),
    );
    assert.equal(all.at(-1)?.["cluster-name"], `aks-${String(count - 1).padStart(4, "0")}`);
    assert.ok(all.every((c) => c["wait-timeout"] === "15m" && c["environment"] === "prod"));
    assert.ok(performance.now() - started < 20_000, "the step stays quick at this size");
  });
}

test("more than 1,024 clusters (4 matrices of 256) is refused with the fix", () => {
  const { status, error } = listParts(1025, 4);
  assert.notEqual(status, 0);
  assert.match(
    error,
    /at most 1,024 clusters per run \(4 matrices of 256, GitHub's limit per matrix\); this run lists 1025\. Split the clusters file\./,
  );
});

test("the workflow runs each part as a call of bootstrap-cluster-part.yml with its clusters and its share of max-parallel", () => {
  for (const p of [1, 2, 3, 4]) {
    const job = workflow.jobs[`part-${p}`] ?? {};
    assert.equal(job["uses"], "aks-flux-bootstrap/aks-flux-bootstrap/.github/workflows/bootstrap-cluster-part.yml@v1");
    assert.deepEqual(job["needs"], "clusters");
    const withs = job["with"] as Map;
    assert.equal(withs["clusters"], `\${{ needs.clusters.outputs.part-${p} }}`);
    assert.equal(withs["max-parallel"], `\${{ fromJSON(needs.clusters.outputs.max-parallel-${p}) }}`);
    assert.equal(job["if"], p === 1 ? undefined : `needs.clusters.outputs.part-${p} != '[]'`, `part-${p} runs only with clusters`);
  }
  const rollUp = workflow.jobs["roll-up"] ?? {};
  assert.deepEqual(rollUp["needs"], ["clusters", "part-1", "part-2", "part-3", "part-4"]);
  assert.equal(rollUp["if"], "always() && needs.clusters.result == 'success'", "the roll-up runs when clusters failed or were cancelled");
  const part = parse(readFileSync(join(root, ".github/workflows/bootstrap-cluster-part.yml"), "utf8")) as {
    jobs: { flux: { steps: Map[] } };
  };
  const tail = part.jobs.flux.steps.slice(-2);
  assert.deepEqual(
    tail.map((s) => s["if"]),
    ["always()", "always() && steps.record.outputs.path != ''"],
    "every cluster job leaves its record, failed or cancelled too",
  );
});
