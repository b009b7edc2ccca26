// Regenerates the inputs and outputs tables in README.md from action.yml, the action's contract. The inputs come in
// groups: a `  # group: Name` comment in action.yml starts a group, and every input below it belongs to it.
//   node scripts/readme-tables.ts           rewrite README.md between the markers
//   node scripts/readme-tables.ts --check   exit 1 when README.md is out of date (CI)
// Paths are relative to the working directory (the repository root under npm).
import { readFileSync, writeFileSync } from "node:fs";
import { parse as parseYaml } from "yaml";

export interface ActionInput {
  readonly name: string;
  readonly description: string;
  readonly default: string | undefined;
  readonly required: boolean;
  /** The `# group:` comment above it in action.yml; undefined when the file has none. */
  readonly group: string | undefined;
}

export interface ActionOutput {
  readonly name: string;
  readonly description: string;
}

export interface ActionContract {
  readonly inputs: readonly ActionInput[];
  readonly outputs: readonly ActionOutput[];
}

type Entry = Record<string, unknown>;

/** Each input's group, from the `  # group: Name` comments of the inputs section (YAML keeps no comments in values). */
function inputGroups(actionYml: string): Map<string, string> {
  const groups = new Map<string, string>();
  let inInputs = false;
  let group: string | undefined;
  for (const line of actionYml.split(/\r?\n/)) {
    if (/^\S/.test(line) && !line.startsWith("#")) inInputs = line.startsWith("inputs:");
    if (!inInputs) continue;
    const heading = /^ {2}# group: (.+?)\s*$/.exec(line)?.[1];
    if (heading) group = heading;
    const name = /^ {2}([A-Za-z0-9_-]+):/.exec(line)?.[1];
    if (name && group) groups.set(name, group);
  }
  return groups;
}

/** The inputs and outputs declared in action.yml text, in file order. */
export function readActionContract(actionYml: string): ActionContract {
  const document = parseYaml(actionYml) as { inputs?: Record<string, Entry>; outputs?: Record<string, Entry> };
  const groups = inputGroups(actionYml);
  const inputs = Object.entries(document.inputs ?? {}).map(([name, entry]) => ({
    name,
    description: String(entry.description ?? "").trim(),
    default: entry.default === undefined || entry.default === null ? undefined : String(entry.default),
    required: entry.required === true,
    group: groups.get(name),
  }));
  const outputs = Object.entries(document.outputs ?? {}).map(([name, entry]) => ({
    name,
    description: String(entry.description ?? "").trim(),
  }));
  return { inputs, outputs };
}

/** The defaults the runner applies, as name -> value (inputs without a default are left out). */
export function actionDefaults(actionYml: string): Record<string, string> {
  const defaults: Record<string, string> = {};
  for (const input of readActionContract(actionYml).inputs) {
    if (input.default !== undefined) defaults[input.name] = input.default;
  }
  return defaults;
}

function cell(text: string): string {
  return text.replace(/\r?\n/g, " ").replace(/\|/g, "\\|").trim();
}

function inputsTable(inputs: readonly ActionInput[]): string {
  const rows = inputs.map((input) => {
    const fallback = input.default === undefined || input.default === "" ? "" : `\`${cell(input.default)}\``;
    return `| \`${input.name}\` | ${cell(input.description)} | ${fallback} | ${input.required ? "yes" : "no"} |`;
  });
  return ["| Input | Description | Default | Required |", "| --- | --- | --- | --- |", ...rows].join("\n");
}

/**
 * One table, or with `# group:` comments one `### Group` heading and table per group, in file order. Once action.yml
 * has groups, an input above the first one is an error (it would fall out of the README).
 */
export function renderInputsTable(contract: ActionContract): string {
  if (contract.inputs.every((input) => input.group === undefined)) return inputsTable(contract.inputs);
  const loose = contract.inputs.filter((input) => input.group === undefined).map((input) => input.name);
  if (loose.length > 0)
    throw new Error(`action.yml: input(s) ${loose.join(", ")} sit above the first '# group:' comment. Move them into a group.`);
  const groups = [...new Set(contract.inputs.map((input) => input.group))];
  return groups.map((group) => `### ${group}\n\n${inputsTable(contract.inputs.filter((input) => input.group === group))}`).join("\n\n");
}

export function renderOutputsTable(contract: ActionContract): string {
  const rows = contract.outputs.map((output) => `| \`${output.name}\` | ${cell(output.description)} |`);
  return ["| Output | Description |", "| --- | --- |", ...rows].join("\n");
}

/** README text with both tables replaced between their markers; throws when a marker pair is missing. */
export function updateReadme(readme: string, actionYml: string): string {
  const contract = readActionContract(actionYml);
  return replaceBetween(replaceBetween(readme, "inputs", renderInputsTable(contract)), "outputs", renderOutputsTable(contract));
}

function replaceBetween(text: string, marker: string, body: string): string {
  const start = `<!-- ${marker}:start -->`;
  const end = `<!-- ${marker}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from)
    throw new Error(`README.md has no '${start}' ... '${end}' markers. Add them where the ${marker} table belongs.`);
  return `${text.slice(0, from + start.length)}\n${body}\n${text.slice(to)}`;
}

function main(args: readonly string[]): number {
  const readme = readFileSync("README.md", "utf8");
  const updated = updateReadme(readme, readFileSync("action.yml", "utf8"));
  if (args.includes("--check")) {
    if (updated !== readme) {
      console.error("README.md is out of date with action.yml. Run `node scripts/readme-tables.ts` and commit README.md.");
      return 1;
    }
    console.log("README.md tables match action.yml.");
    return 0;
  }
  if (updated !== readme) writeFileSync("README.md", updated);
  console.log(updated === readme ? "README.md is up to date." : "README.md tables regenerated from action.yml.");
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
