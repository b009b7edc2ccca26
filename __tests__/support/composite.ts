// Runs one of the fleet's composite actions (fleet/*/action.yml) the way the runner does: each `run:` step with
// `bash --noprofile --norc -eo pipefail`, its `env:` from the action's inputs (defaults applied) and
// `github.action_path`, GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files per step, RUNNER_TEMP; then the action's outputs
// from its steps' outputs. Only the expressions these actions use are understood; any other fails loudly.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { parseOutputs } from "../../emulator/run-action.ts";

const root = join(import.meta.dirname, "../..");

interface Step {
  readonly id?: string;
  readonly run?: string;
  readonly shell?: string;
  readonly env?: Record<string, string>;
}

interface CompositeAction {
  readonly inputs?: Record<string, { default?: string }>;
  readonly outputs?: Record<string, { value: string }>;
  readonly runs: { readonly using: string; readonly steps: readonly Step[] };
}

export interface CompositeRun {
  readonly status: number | null;
  readonly stderr: string;
  readonly stdout: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
}

/** Parses GITHUB_OUTPUT's `name=value` lines and `name<<delimiter` blocks. */
function outputsOf(text: string): Record<string, string> {
  const outputs = parseOutputs(text);
  for (const line of text.split("\n")) {
    const match = /^([\w-]+)=(.*)$/.exec(line);
    if (match?.[1]) outputs[match[1]] = match[2] ?? "";
  }
  return outputs;
}

/** Runs `fleet/<name>/action.yml` with `inputs` in `cwd` (the workspace); `env` adds to the runner's variables. */
export function runComposite(name: string, inputs: Record<string, string>, cwd: string, env: Record<string, string> = {}): CompositeRun {
  const dir = join(root, "fleet", name);
  const action = parse(readFileSync(join(dir, "action.yml"), "utf8")) as CompositeAction;
  const given: Record<string, string> = {};
  for (const [input, spec] of Object.entries(action.inputs ?? {})) given[input] = inputs[input] ?? spec.default ?? "";
  const evaluate = (value: string, steps: Record<string, Record<string, string>>): string =>
    value.replace(/\$\{\{\s*([^}]+?)\s*\}\}/g, (_, expression: string) => {
      if (expression === "github.action_path") return dir;
      const input = /^inputs\.([\w-]+)$/.exec(expression)?.[1];
      if (input !== undefined) return given[input] ?? "";
      const output = /^steps\.([\w-]+)\.outputs\.([\w-]+)$/.exec(expression);
      if (output?.[1] && output[2]) return steps[output[1]]?.[output[2]] ?? "";
      throw new Error(`fleet/${name}: the test runner does not understand \${{ ${expression} }}`);
    });
  // RUNNER_TEMP: the caller's (files written there outlive the run: the record, the list, the roll-up), or a new one.
  const temp = env["RUNNER_TEMP"] ?? mkdtempSync(join(tmpdir(), `fleet-${name}-`));
  const own = env["RUNNER_TEMP"] === undefined;
  const summaryFile = join(mkdtempSync(join(tmpdir(), "fleet-summary-")), "summary");
  writeFileSync(summaryFile, "");
  const steps: Record<string, Record<string, string>> = {};
  let stdout = "";
  let stderr = "";
  try {
    for (const [i, step] of action.runs.steps.entries()) {
      if (step.run === undefined || step.shell !== "bash") throw new Error(`fleet/${name} step ${i}: only bash run steps are supported`);
      const outputFile = join(summaryFile, "..", `output-${i}`);
      writeFileSync(outputFile, "");
      const stepEnv = Object.fromEntries(Object.entries(step.env ?? {}).map(([k, v]) => [k, evaluate(String(v), steps)]));
      const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", step.run], {
        cwd,
        encoding: "utf8",
        maxBuffer: 64 * 1024 * 1024,
        env: {
          PATH: process.env["PATH"] ?? "/usr/bin:/bin",
          RUNNER_TEMP: temp,
          GITHUB_OUTPUT: outputFile,
          GITHUB_STEP_SUMMARY: summaryFile,
          GITHUB_REPOSITORY: "contoso/platform",
          GITHUB_SHA: "0".repeat(40),
          ...env,
          ...stepEnv,
        },
      });
      stdout += run.stdout;
      stderr += run.stderr;
      if (step.id) steps[step.id] = outputsOf(readFileSync(outputFile, "utf8"));
      if (run.status !== 0) return { status: run.status, stdout, stderr, outputs: {}, summary: readFileSync(summaryFile, "utf8") };
    }
    const outputs: Record<string, string> = {};
    for (const [output, spec] of Object.entries(action.outputs ?? {})) outputs[output] = evaluate(spec.value, steps);
    return { status: 0, stdout, stderr, outputs, summary: readFileSync(summaryFile, "utf8") };
  } finally {
    if (own) rmSync(temp, { recursive: true, force: true });
    rmSync(join(summaryFile, ".."), { recursive: true, force: true });
  }
}
