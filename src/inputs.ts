// Turns the action's inputs (env INPUT_*, as the runner passes them) into one validated Settings object.
// Everything is checked before any network call; every problem is collected and reported at once,
// each naming the input, what is wrong and how to fix it. Defaults live in action.yml only: the runner
// applies them, so an input that has a default is never empty here unless the workflow set it empty.
// Each part of Settings is read by its own module (*-input.ts); this one composes them.
import { ActionError } from "./errors.ts";
import { readAzure, readCluster } from "./azure-input.ts";
import { readKey, readSealedSecret } from "./deploy-key-input.ts";
import { WAIT_TIMEOUT } from "./duration-rules.ts";
import { readExtension } from "./extension-input.ts";
import { readFlux } from "./flux-configuration-input.ts";
import { readGit } from "./git-input.ts";
import { readBoolean, readDuration, readEnum } from "./input-values.ts";
import type { Report } from "./input-values.ts";
import type { Mode, Settings } from "./settings.ts";

export { CLOUDS } from "./azure-input.ts";
export { normaliseRepoPath } from "./kustomizations-input.ts";

const MODES: readonly Mode[] = ["apply", "rotate", "destroy", "plan"];
const PLAN_FOR: readonly Exclude<Mode, "plan">[] = ["apply", "rotate", "destroy"];

/** Whole seconds from 1 to 3600. */
function readProgressInterval(report: Report, value: string): number {
  const seconds = Number(value);
  if (/^\d+$/.test(value) && seconds >= 1 && seconds <= 3600) return seconds * 1000;
  report.problem("progress-interval", `'${value}' is not a whole number of seconds from 1 to 3600. Use e.g. 20.`);
  return 20_000;
}

/** Reads one input exactly as @actions/core getInput does: env INPUT_<NAME> (spaces to '_', upper-cased; dashes kept), trimmed. */
export function readInput(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

/**
 * Reads and validates every input. Throws an ActionError("invalid-input") listing every problem at once.
 * `settings.warnings` holds non-fatal advice; the caller logs each with core.warning.
 */
export function getSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const problems: string[] = [];
  const warnings: string[] = [];
  const report: Report = {
    problem: (input, message) => problems.push(`${input}: ${message}`),
    warn: (message) => warnings.push(message),
  };
  const input = (name: string): string => readInput(env, name);
  const bool = (name: string): boolean => readBoolean(report, name, input(name));
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => readEnum(report, name, input(name), allowed);

  const mode = oneOf("mode", MODES);
  const planFor = oneOf("plan-for", PLAN_FOR);
  const settings: Settings = {
    mode,
    cluster: readCluster(report, input, oneOf, env),
    azure: readAzure(report, input, bool, oneOf, env),
    git: readGit(report, input, env),
    key: readKey(report, input, bool, oneOf),
    extension: readExtension(report, input, bool, oneOf),
    flux: readFlux(report, input, bool, oneOf, mode === "apply" || (mode === "plan" && planFor === "apply")),
    planFor,
    wait: bool("wait"),
    waitTimeoutMs: readDuration(report, "wait-timeout", input("wait-timeout"), WAIT_TIMEOUT, true) ?? 0,
    progressIntervalMs: readProgressInterval(report, input("progress-interval")),
    privateKeySecret: readSealedSecret(report, input("private-key-secret"), input("secret-environment")),
    warnings,
  };
  if (settings.key.readWrite) {
    report.warn(`read-write: the deploy key gets write access to ${settings.git.owner}/${settings.git.repo}. Flux only reads; keep read-write: false unless image automation must push commits.`);
  }
  if (problems.length > 0) {
    throw new ActionError("invalid-input", {
      title: "Invalid inputs",
      message: `${problems.length} input problem${problems.length === 1 ? "" : "s"}; fix them in the workflow's \`with:\` block:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    });
  }
  return settings;
}
