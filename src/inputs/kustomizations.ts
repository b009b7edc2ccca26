// The kustomizations Flux applies: the path shorthand (one kustomization) or the kustomizations YAML map.
import { parse as parseYaml } from "yaml";
import { KUSTOMIZATION_DURATION } from "./duration-rules.ts";
import { DNS_LABEL } from "./name-rules.ts";
import { readPostBuild } from "./post-build.ts";
import { describe, isMap, readSeconds } from "./values.ts";
import type { Problems } from "./values.ts";
import type { Kustomization } from "./settings.ts";

const KUSTOMIZATION_KEYS = ["path", "dependsOn", "prune", "force", "wait", "timeout", "syncInterval", "retryInterval", "postBuild"];

/** A repository path: relative, '/'-separated, without '.' parts; "" is the root. `problem` when absolute or with '..'. */
export function normaliseRepoPath(value: string): { path: string } | { problem: string } {
  if (/[\x00-\x1f\x7f]/.test(value)) return { problem: "contains a control character" };
  if (value.includes("\\")) return { problem: `'${value}' contains '\\'. Use '/' between folders` };
  if (value.startsWith("/") || /^[A-Za-z]:/.test(value))
    return { problem: `'${value}' is absolute. Use a path relative to the repository root, e.g. clusters/prod` };
  const parts = value.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) return { problem: `'${value}' contains '..'. Use a path inside the repository, relative to its root` };
  return { path: parts.join("/") };
}

export function readKustomizations(problems: Problems, path: string, yaml: string, configurationName: string): Kustomization[] {
  if (path !== "" && yaml !== "") {
    problems.problem("path", "and kustomizations are both set. Use path for one kustomization, or kustomizations for several, not both.");
    return [];
  }
  if (path !== "") {
    const normalised = normaliseRepoPath(path);
    if ("problem" in normalised) {
      problems.problem("path", `${normalised.problem}.`);
      return [];
    }
    return [{ ...kustomizationDefaults("cluster", normalised.path), prune: true }];
  }
  if (yaml === "") {
    problems.problem("path", "missing. Set path: clusters/<name> (the folder Flux applies), or kustomizations for several.");
    return [];
  }
  let document: unknown;
  try {
    document = parseYaml(yaml);
  } catch (error) {
    problems.problem(
      "kustomizations",
      `is not valid YAML (${firstLine(error)}). Write a map of name to settings, e.g. 'infra: {path: infra}'.`,
    );
    return [];
  }
  if (!isMap(document)) {
    problems.problem(
      "kustomizations",
      `is a ${describe(document)}, not a map. Write a map of name to settings, e.g. 'apps: {path: apps, dependsOn: [infra]}'.`,
    );
    return [];
  }
  const names = Object.keys(document);
  const result = names.map((name) => readKustomization(problems, name, document[name], names, configurationName));
  const cycle = findCycle(result);
  if (cycle !== undefined)
    problems.problem("kustomizations", `dependsOn forms a cycle: ${cycle.join(" -> ")}. Remove one of these dependencies.`);
  return result;
}

function kustomizationDefaults(name: string, path: string): Kustomization {
  return {
    name,
    path,
    dependsOn: [],
    prune: false,
    force: false,
    wait: true,
    timeoutSeconds: undefined,
    syncIntervalSeconds: undefined,
    retryIntervalSeconds: undefined,
    postBuild: undefined,
  };
}

function readKustomization(
  problems: Problems,
  name: string,
  value: unknown,
  names: readonly string[],
  configurationName: string,
): Kustomization {
  const where = `kustomizations.${name}`;
  const problem = (message: string): void => problems.problem(where, message);
  if (!DNS_LABEL.test(name))
    problem(
      `'${name}' is not a valid kustomization name. Use lowercase letters, digits and '-', starting and ending with a letter or digit.`,
    );
  else if (configurationName.length + 1 + name.length > 63) {
    problem(
      `'${configurationName}-${name}' is over 63 characters. Shorten the kustomization name to ${Math.max(0, 62 - configurationName.length)} characters or the configuration-name.`,
    );
  }
  if (!isMap(value)) {
    problem(`is a ${describe(value)}, not a map. Give its settings, e.g. '${name}: {path: ${name}}'.`);
    return kustomizationDefaults(name, "");
  }
  for (const key of Object.keys(value).filter((k) => !KUSTOMIZATION_KEYS.includes(k))) {
    problem(`unknown key '${key}'. Allowed keys: ${KUSTOMIZATION_KEYS.join(", ")}.`);
  }
  const text = (key: string): string => {
    const v = value[key];
    if (v === undefined || v === null) return "";
    if (typeof v === "string" || typeof v === "number") return String(v);
    problem(`${key} must be a string, not a ${describe(v)}.`);
    return "";
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const v = value[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === "boolean") return v;
    problem(`${key} must be true or false, not '${String(v)}'.`);
    return fallback;
  };
  const seconds = (key: string): number | undefined => readSeconds(problems, `${where}.${key}`, text(key), KUSTOMIZATION_DURATION);
  const path = normaliseRepoPath(text("path"));
  if ("problem" in path) problem(`path ${path.problem}.`);
  return {
    name,
    path: "path" in path ? path.path : "",
    dependsOn: readDependsOn(problem, name, value.dependsOn, names),
    prune: flag("prune", false),
    force: flag("force", false),
    wait: flag("wait", true),
    timeoutSeconds: seconds("timeout"),
    syncIntervalSeconds: seconds("syncInterval"),
    retryIntervalSeconds: seconds("retryInterval"),
    postBuild: value.postBuild === undefined ? undefined : readPostBuild(problem, value.postBuild),
  };
}

function readDependsOn(problem: (m: string) => void, name: string, value: unknown, names: readonly string[]): string[] {
  if (value === undefined || value === null) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  const dependsOn = list.filter((v): v is string => typeof v === "string");
  if (!Array.isArray(value) || dependsOn.length !== list.length) {
    problem("dependsOn must be a list of kustomization names, e.g. dependsOn: [infra].");
    return [];
  }
  for (const dependency of dependsOn) {
    if (dependency === name) problem(`dependsOn lists '${name}' itself. Remove it.`);
    else if (!names.includes(dependency))
      problem(
        `dependsOn names '${dependency}', which is not in kustomizations. Use one of: ${names.filter((n) => n !== name).join(", ") || "(no others)"}.`,
      );
  }
  return dependsOn;
}

/** The first dependency cycle, as a list of names that starts and ends with the same name. */
function findCycle(kustomizations: readonly Kustomization[]): string[] | undefined {
  const byName = new Map(kustomizations.map((k) => [k.name, k.dependsOn]));
  const done = new Set<string>();
  const visit = (name: string, stack: string[]): string[] | undefined => {
    if (stack.includes(name)) return [...stack.slice(stack.indexOf(name)), name];
    if (done.has(name)) return undefined;
    for (const dependency of byName.get(name) ?? []) {
      if (dependency === name) continue; // reported as "lists itself"
      const cycle = visit(dependency, [...stack, name]);
      if (cycle !== undefined) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const { name } of kustomizations) {
    const cycle = visit(name, []);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
