// Turns the action's inputs (env INPUT_*, as the runner passes them) into one validated Settings object.
// Everything is checked before any network call; every problem is collected and reported at once,
// each naming the input, what is wrong and how to fix it. Defaults live in action.yml only: the runner
// applies them, so an input that has a default is never empty here unless the workflow set it empty.
// Each part of Settings is read by its own module (*-input.ts); this one composes them.
import { ActionError } from "../errors.ts";
import { readAzure, readCluster } from "./azure.ts";
import { readKey, readSealedSecret } from "./deploy-key.ts";
import { WAIT_TIMEOUT } from "./duration-rules.ts";
import { readExtension } from "./extension.ts";
import { readFlux } from "./flux-configuration.ts";
import { readFluxVersions } from "./flux-versions.ts";
import { readGit } from "./git.ts";
import { readBoolean, readDuration, readEnum } from "./values.ts";
import type { Problems, Reader } from "./values.ts";
import type { CheckLevel, Mode, Settings } from "./settings.ts";

const MODES: readonly Mode[] = ["apply", "rotate", "destroy", "plan"];
const PLAN_FOR: readonly Exclude<Mode, "plan">[] = ["apply", "rotate", "destroy"];
const CHECK_LEVELS: readonly CheckLevel[] = ["fail", "warn", "off"];

/** Whole seconds from 1 to 3600. */
function readProgressInterval(problems: Problems, value: string): number {
  const seconds = Number(value);
  if (/^\d+$/.test(value) && seconds >= 1 && seconds <= 3600) return seconds * 1000;
  problems.problem("progress-interval", `'${value}' is not a whole number of seconds from 1 to 3600. Use e.g. 20.`);
  return 20_000;
}

/** Reads one input exactly as @actions/core getInput does: env INPUT_<NAME> (spaces to '_', upper-cased; dashes kept), trimmed. */
export function readInput(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

/** The one reader of the inputs: problems go to `found`, advice to `warnings`. */
function inputReader(env: NodeJS.ProcessEnv, found: string[], warnings: string[]): Reader {
  const r: Reader = {
    problem: (input, message) => found.push(`${input}: ${message}`),
    warn: (message) => warnings.push(message),
    text: (name) => readInput(env, name),
    env: (name) => (env[name] ?? "").trim(),
    orEnv: (name, envName) => r.text(name) || r.env(envName),
    bool: (name) => readBoolean(r, name, r.text(name)),
    oneOf: (name, allowed) => readEnum(r, name, r.text(name), allowed),
  };
  return r;
}

/**
 * Reads and validates every input. Throws an ActionError("invalid-input") listing every problem at once.
 * `settings.warnings` holds non-fatal advice; the caller logs each with core.warning.
 */
export function getSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const found: string[] = [];
  const warnings: string[] = [];
  const r = inputReader(env, found, warnings);
  const mode = r.oneOf("mode", MODES);
  const planFor = r.oneOf("plan-for", PLAN_FOR);
  const key = readKey(r);
  const settings: Settings = {
    mode,
    cluster: readCluster(r),
    azure: readAzure(r),
    git: readGit(r),
    key,
    extension: readExtension(r),
    flux: readFlux(r, { needsSource: mode === "apply" || (mode === "plan" && planFor === "apply") }),
    repositoryCheck: {
      enabled: r.bool("repository-check"),
      sourceRefs: r.oneOf("source-ref-check", CHECK_LEVELS),
      fluxBootstrap: r.oneOf("flux-bootstrap-check", CHECK_LEVELS),
    },
    fluxVersions: readFluxVersions(r),
    planFor,
    wait: r.bool("wait"),
    waitTimeoutMs: readDuration(r, "wait-timeout", r.text("wait-timeout"), WAIT_TIMEOUT, true) ?? 0,
    progressIntervalMs: readProgressInterval(r, r.text("progress-interval")),
    privateKeySecret: readSealedSecret(r, r.text("private-key-secret"), r.text("secret-environment"), key.source),
    warnings,
  };
  if (settings.key.readWrite) {
    r.warn(
      `read-write: the deploy key gets write access to ${settings.git.fullName}. Flux only reads; keep read-write: false unless image automation must push commits.`,
    );
  }
  if (found.length > 0) {
    throw new ActionError("invalid-input", {
      title: "Invalid inputs",
      message: `${found.length} input problem${found.length === 1 ? "" : "s"}; fix them in the workflow's \`with:\` block:\n${found.map((p) => `  - ${p}`).join("\n")}`,
    });
  }
  return settings;
}
