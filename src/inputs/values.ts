// One input's value, read and checked: booleans, choices, GUIDs, names, durations and https origins.
// Each reader records a problem (naming the input and the fix) instead of throwing, so that
// getSettings can report every problem at once.
import { parseDuration } from "./durations.ts";
import type { DurationRule } from "./durations.ts";
import { SECOND } from "./duration-rules.ts";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Collects problems (errors) and warnings while the inputs are read. */
export interface Problems {
  problem(input: string, message: string): void;
  warn(message: string): void;
}

/** Reads the inputs: each value as the runner passes it, checked, with problems and warnings collected. */
export interface Reader extends Problems {
  /** The input as @actions/core getInput reads it (INPUT_<NAME>, trimmed); "" when unset. */
  text(name: string): string;
  /** An environment variable the runner sets (GITHUB_SERVER_URL …), trimmed; "" when unset. */
  env(name: string): string;
  /** The input, or when it is empty the environment variable `envName` (as azure/login reads AZURE_CLIENT_ID …). */
  orEnv(name: string, envName: string): string;
  bool(name: string): boolean;
  oneOf<T extends string>(name: string, allowed: readonly T[]): T;
}

export function readBoolean(problems: Problems, name: string, value: string): boolean {
  if (["true", "True", "TRUE"].includes(value)) return true;
  if (["false", "False", "FALSE"].includes(value)) return false;
  problems.problem(name, `${value === "" ? "missing" : `'${value}' is not a boolean`}. Use true or false.`);
  return false;
}

export function readEnum<T extends string>(problems: Problems, name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  problems.problem(name, `${value === "" ? "missing" : `'${value}' is not allowed`}. Use one of: ${allowed.join(", ")}.`);
  return allowed[0] as T;
}

export function readGuid(problems: Problems, name: string, value: string, envName: string, what: string): string {
  if (value === "") problems.problem(name, `missing. Set ${name} (or env ${envName}) to ${what}.`);
  else if (!GUID.test(value)) problems.problem(name, `'${value}' is not a GUID. Use ${what}.`);
  return value.toLowerCase();
}

/** A name rule: the pattern, the longest length, the rule in words, and what else the pattern cannot say. */
export interface NameRule {
  readonly pattern: RegExp;
  readonly maxLength: number;
  readonly rule: string;
  readonly alsoBad?: (value: string) => boolean;
}

export function readPattern(problems: Problems, name: string, value: string, { pattern, maxLength, rule, alsoBad }: NameRule): string {
  if (value === "") problems.problem(name, `missing. ${rule}.`);
  else if (value.length > maxLength)
    problems.problem(name, `'${value}' is ${value.length} characters, over the limit of ${maxLength}. ${rule}.`);
  else if (!pattern.test(value) || alsoBad?.(value)) problems.problem(name, `'${value}' is not a valid name. ${rule}.`);
  return value;
}

export function readDuration(problems: Problems, name: string, value: string, rule: DurationRule, required = false): number | undefined {
  if (value === "") {
    if (required) problems.problem(name, "missing. Use a duration such as 15m.");
    return undefined;
  }
  const result = parseDuration(value, rule);
  if (result.ok) return result.ms;
  problems.problem(name, result.problem);
  return undefined;
}

export function readSeconds(problems: Problems, name: string, value: string, rule: DurationRule): number | undefined {
  const ms = readDuration(problems, name, value, rule);
  return ms === undefined ? undefined : ms / SECOND;
}

/** An https origin such as https://login.microsoftonline.com (a trailing '/' is dropped); undefined when empty. */
export function readOrigin(problems: Problems, name: string, value: string): string | undefined {
  if (value === "") return undefined;
  const url = parseUrl(value);
  if (url === undefined || url.protocol !== "https:") {
    problems.problem(name, `'${value}' is not an https URL. Use an https origin such as https://login.example.com.`);
  } else if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    problems.problem(name, `'${value}' has a path, query or credentials. Use only the origin, e.g. ${url.origin}.`);
  } else {
    return url.origin;
  }
  return undefined;
}

export function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

export function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

export function describe(value: unknown): string {
  if (value === null || value === undefined) return "empty value";
  if (Array.isArray(value)) return "list";
  return typeof value === "object" ? "map" : typeof value;
}
