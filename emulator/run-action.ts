// Runs the action the way the GitHub runner does: a child process with INPUT_* variables (action.yml
// defaults applied by the "runner", i.e. here), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files; returns all it printed.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { actionDefaults } from "./runner-env.ts";

const root = new URL("../", import.meta.url).pathname;

export interface ActionRun {
  readonly code: number | null;
  /** The signal that ended the process, when one did. */
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly outputs: Record<string, string>;
  readonly summary: string;
  /** stdout + stderr + outputs file + summary file: everything a user could see. */
  readonly everything: string;
}

/** Parses GITHUB_OUTPUT (`name<<delimiter` blocks). */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {};
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i += 1) {
    const match = /^([^<]+)<<(.+)$/.exec(lines[i] ?? "");
    if (!match?.[1] || !match[2]) continue;
    const value: string[] = [];
    for (i += 1; i < lines.length && lines[i] !== match[2]; i += 1) value.push(lines[i] ?? "");
    outputs[match[1]] = value.join("\n");
  }
  return outputs;
}

export interface RunOptions {
  /** Run the bundle (dist/index.js) instead of the sources. */
  readonly bundled?: boolean;
  readonly debug?: boolean;
  readonly onLine?: (line: string) => void;
  /** Told the child process once it is started (to signal it as the runner does when it cancels a step). */
  readonly onSpawn?: (child: ChildProcess) => void;
}

export async function runAction(env: Readonly<Record<string, string>>, options: RunOptions = {}): Promise<ActionRun> {
  const dir = mkdtempSync(join(tmpdir(), "action-run-"));
  const outputFile = join(dir, "output");
  const summaryFile = join(dir, "summary");
  writeFileSync(outputFile, "");
  writeFileSync(summaryFile, "");
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !name.startsWith("INPUT_") && !name.startsWith("GITHUB_") && !name.startsWith("ACTIONS_"),
    ),
  );
  const childEnv = {
    ...base,
    ...actionDefaults(),
    ...env,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    ...(options.debug ? { RUNNER_DEBUG: "1" } : {}),
  };
  const entry = options.bundled ? join(root, "dist/index.js") : join(root, "src/index.ts");
  const child = spawn(process.execPath, [entry], { env: childEnv, cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
  options.onSpawn?.(child);
  let stdout = "";
  let stderr = "";
  let pending = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdout += chunk.toString();
    if (options.onLine) {
      pending += chunk.toString();
      const lines = pending.split("\n");
      pending = lines.pop() ?? "";
      for (const line of lines) options.onLine(line);
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    stderr += chunk.toString();
  });
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
    child.on("close", (exit: number | null, by: NodeJS.Signals | null) => resolve([exit, by])),
  );
  const outputText = readFileSync(outputFile, "utf8");
  const summary = readFileSync(summaryFile, "utf8");
  rmSync(dir, { recursive: true, force: true });
  return {
    code,
    signal,
    stdout,
    stderr,
    outputs: parseOutputs(outputText),
    summary,
    everything: [stdout, stderr, outputText, summary].join("\n"),
  };
}
