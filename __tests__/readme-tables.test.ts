// README.md's inputs/outputs tables are generated from action.yml; CI fails when they drift.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readActionContract, renderInputsTable, updateReadme } from "../scripts/readme-tables.ts";

const ROOT = new URL("..", import.meta.url).pathname;
const SCRIPT = join(ROOT, "scripts/readme-tables.ts");

function runScript(cwd: string, ...args: string[]) {
  return spawnSync(process.execPath, [SCRIPT, ...args], { cwd, encoding: "utf8" });
}

test("README.md tables match action.yml (run `node scripts/readme-tables.ts` to fix)", () => {
  const result = runScript(ROOT, "--check");
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /README\.md tables match action\.yml/);
});

test("--check fails on drift and the script repairs it", () => {
  const dir = mkdtempSync(join(tmpdir(), "readme-tables-"));
  try {
    cpSync(join(ROOT, "action.yml"), join(dir, "action.yml"));
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    writeFileSync(join(dir, "README.md"), readme.replace("| `mode` |", "| `mode-renamed` |"));
    const check = runScript(dir, "--check");
    assert.equal(check.status, 1);
    assert.match(check.stderr, /README\.md is out of date with action\.yml\. Run `node scripts\/readme-tables\.ts`/);
    execFileSync(process.execPath, [SCRIPT], { cwd: dir });
    assert.equal(readFileSync(join(dir, "README.md"), "utf8"), readme);
    assert.equal(runScript(dir, "--check").status, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("every input and output of action.yml is in the README, with a description", () => {
  const actionYml = readFileSync(join(ROOT, "action.yml"), "utf8");
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  const contract = readActionContract(actionYml);
  assert.ok(contract.inputs.length >= 40 && contract.outputs.length === 11);
  for (const entry of [...contract.inputs, ...contract.outputs]) {
    assert.notEqual(entry.description, "", `${entry.name} has a description`);
    assert.ok(readme.includes(`| \`${entry.name}\` |`), `${entry.name} is in README.md`);
  }
});

test("cells escape pipes and fold newlines; missing markers are reported", () => {
  const actionYml = 'inputs:\n  a:\n    description: "x | y\\nz"\n    default: "1"\n    required: true\noutputs: {}\n';
  assert.equal(renderInputsTable(readActionContract(actionYml)).split("\n")[2], "| `a` | x \\| y z | `1` | yes |");
  assert.throws(
    () => updateReadme("# no markers\n", actionYml),
    /README\.md has no '<!-- inputs:start -->' \.\.\. '<!-- inputs:end -->' markers/,
  );
});

test("inputs come in the groups of action.yml's `# group:` comments, each input once, none left above the first group", () => {
  const actionYml = [
    "inputs:",
    "  # group: Sign-in",
    "  client-id:",
    "    description: Client ID.",
    "  # a comment that is not a group",
    "  tenant-id:",
    "    description: Tenant.",
    "",
    "  # group: Cluster",
    "  cluster-name:",
    "    description: Name.",
    "    required: true",
    "outputs: {}",
    "",
  ].join("\n");
  const contract = readActionContract(actionYml);
  assert.deepEqual(
    contract.inputs.map((i) => [i.name, i.group]),
    [
      ["client-id", "Sign-in"],
      ["tenant-id", "Sign-in"],
      ["cluster-name", "Cluster"],
    ],
  );
  const tables = renderInputsTable(contract);
  assert.match(
    tables,
    /^### Sign-in\n\n\| Input \| Description \| Default \| Required \|\n\| --- \| --- \| --- \| --- \|\n\| `client-id` \| Client ID\. \| {2}\| no \|\n\| `tenant-id` /,
  );
  assert.match(tables, /\n\n### Cluster\n\n\| Input [^\n]+\n[^\n]+\n\| `cluster-name` \| Name\. \| {2}\| yes \|$/);
  assert.throws(
    () => renderInputsTable(readActionContract(actionYml.replace("  # group: Sign-in\n", ""))),
    /input\(s\) client-id, tenant-id sit above the first '# group:' comment/,
  );
  // The README groups every input of the real action.yml, in the order of the file.
  const real = readActionContract(readFileSync(join(ROOT, "action.yml"), "utf8"));
  assert.ok(real.inputs.every((i) => i.group !== undefined));
  const readme = readFileSync(join(ROOT, "README.md"), "utf8");
  for (const group of new Set(real.inputs.map((i) => i.group))) assert.ok(readme.includes(`\n### ${group}\n`), `### ${group}`);
});
