// The layout holds: the lint config's import boundaries reject a deliberate violation of each kind, and no
// file in src/ outgrows its room.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { ESLint } from "eslint";

const root = new URL("../", import.meta.url).pathname;

const VIOLATIONS: readonly [string, string, string, RegExp][] = [
  [
    "an input reader importing an ARM client",
    "src/inputs/violation.ts",
    'import { createArm } from "../azure/arm.ts";\nexport const x = createArm;\n',
    /no Azure or GitHub client module/,
  ],
  [
    "an input reader importing the SDK",
    "src/inputs/violation.ts",
    'import { SourceControlConfigurationClient } from "@azure/arm-kubernetesconfiguration";\nexport const x = SourceControlConfigurationClient;\n',
    /pure: no client/,
  ],
  [
    "a report module importing Octokit",
    "src/report/violation.ts",
    'import { createOctokit } from "../github/client.ts";\nexport const x = createOctokit;\n',
    /no Azure or GitHub client/,
  ],
  [
    "ssh/ importing a mode",
    "src/ssh/violation.ts",
    'import { apply } from "../modes/apply.ts";\nexport const x = apply;\n',
    /never imports run\/, modes\//,
  ],
  [
    "a mode importing another mode",
    "src/modes/violation.ts",
    'import { apply } from "./apply.ts";\nexport const x = apply;\n',
    /never imports another mode/,
  ],
  [
    "a mode importing another mode's own folder",
    "src/modes/apply.ts",
    'import { prove } from "./rotate/finish.ts";\nexport const x = prove;\n',
    /never imports another mode/,
  ],
  [
    "a mode's folder importing another mode",
    "src/modes/rotate/violation.ts",
    'import { apply } from "../apply.ts";\nexport const x = apply;\n',
    /never imports another mode/,
  ],
  [
    "run/ importing a mode",
    "src/run/violation.ts",
    'import { plan } from "../modes/plan.ts";\nexport const x = plan;\n',
    /never imports a mode/,
  ],
  [
    "the local cloud importing src/",
    "emulator/violation.ts",
    'import { ActionError } from "../src/errors.ts";\nexport const x = ActionError;\n',
    /never imports src/,
  ],
];

test("the import boundaries reject each kind of violation", async () => {
  const eslint = new ESLint({ cwd: root });
  for (const [what, filePath, code, message] of VIOLATIONS) {
    const [result] = await eslint.lintText(code, { filePath: join(root, filePath) });
    const texts = (result?.messages ?? []).map((m) => m.message).join("\n");
    assert.match(texts, message, `${what}: ${texts || "no lint error"}`);
  }
});

test("type-only imports of clients are allowed in the pure layers", async () => {
  const eslint = new ESLint({ cwd: root });
  const code = 'import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";\nexport type X = FluxConfiguration;\n';
  const [result] = await eslint.lintText(code, { filePath: join(root, "src/report/allowed.ts") });
  assert.deepEqual(
    result?.messages.map((m) => m.message),
    [],
  );
});

test("every file in src/ is under 200 lines", () => {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
  const long = walk(join(root, "src"))
    .map((file) => [file.slice(root.length), readFileSync(file, "utf8").split("\n").length - 1] as const)
    .filter(([, lines]) => lines > 200);
  assert.deepEqual(long, []);
});
