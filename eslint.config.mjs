// Lint rules, and the import boundaries that keep the layers apart (README "Layout"):
// - inputs/, ssh/, report/ and manifests/ are pure: they import no client (Azure SDK, Octokit, our azure/ and github/ modules;
//   type-only imports are fine) and nothing above them (run/, modes/);
// - azure/ and github/ never import run/ or modes/; run/ never imports modes/;
// - a mode never imports another mode (what modes share lives in run/);
// - nothing under emulator/ imports src/ (the local cloud judges the action by its own means).
import js from "@eslint/js";
import tseslint from "typescript-eslint";

const CLIENTS = ["@azure/identity", "@azure/arm-kubernetesconfiguration", "@azure/core-rest-pipeline", "@actions/github", "@octokit/*"];
const ABOVE = ["**/run/*", "**/modes/*", "**/main.ts"];
/** The modes (src/modes/<mode>.ts, and its own steps in src/modes/<mode>/). */
const MODES = ["apply", "rotate", "destroy", "plan"];

/** no-restricted-imports with one message per group; type-only imports are allowed. */
function restrict(groups) {
  return {
    "@typescript-eslint/no-restricted-imports": [
      "error",
      { patterns: groups.map(([group, message]) => ({ group, message, allowTypeImports: true })) },
    ],
  };
}

export default tseslint.config(
  { ignores: ["dist/", "node_modules/", "**/*.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_", varsIgnorePattern: "^_" }],
      "no-console": "off",
      // Input checks reject control characters on purpose.
      "no-control-regex": "off",
    },
  },
  {
    files: ["src/**/*.ts"],
    rules: { "no-console": "error" },
  },
  {
    files: ["src/inputs/**/*.ts", "src/ssh/**/*.ts", "src/report/**/*.ts", "src/manifests/**/*.ts"],
    rules: restrict([
      [CLIENTS, "inputs/, ssh/ and report/ are pure: no client here (type-only imports are fine)."],
      [["**/azure/*", "**/github/*"], "inputs/, ssh/ and report/ import no Azure or GitHub client module."],
      [ABOVE, "A lower layer never imports run/, modes/ or main.ts."],
    ]),
  },
  {
    files: ["src/azure/**/*.ts", "src/github/**/*.ts"],
    rules: restrict([[ABOVE, "azure/ and github/ never import run/, modes/ or main.ts."]]),
  },
  {
    files: ["src/run/**/*.ts"],
    rules: restrict([[["**/modes/*", "**/main.ts"], "run/ holds what modes share: it never imports a mode."]]),
  },
  // A mode's own steps may live in a folder of its name (modes/rotate/): a mode imports its own folder, never another
  // mode or another mode's folder.
  ...MODES.map((mode) => ({
    files: [`src/modes/${mode}.ts`, `src/modes/${mode}/**/*.ts`],
    rules: restrict([
      [
        MODES.filter((other) => other !== mode).flatMap((other) => [`**/${other}.ts`, `**/${other}/**`]),
        "A mode never imports another mode: move what they share into run/.",
      ],
    ]),
  })),
  {
    files: ["src/modes/**/*.ts"],
    ignores: MODES.flatMap((mode) => [`src/modes/${mode}.ts`, `src/modes/${mode}/**/*.ts`]),
    rules: restrict([
      [MODES.flatMap((mode) => [`**/${mode}.ts`, `**/${mode}/**`]), "A mode never imports another mode: move what they share into run/."],
    ]),
  },
  {
    files: ["emulator/**/*.ts"],
    rules: restrict([[["**/src/*", "**/src/**"], "The local cloud never imports src/: it checks the action by its own means."]]),
  },
);
