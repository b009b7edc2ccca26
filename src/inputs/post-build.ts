// A kustomization's postBuild: variables to substitute, inline or from ConfigMaps and Secrets.
import { describe, isMap } from "./values.ts";
import type { PostBuild } from "./settings.ts";

const SUBSTITUTE_VAR = /^[_a-zA-Z][_a-zA-Z0-9]*$/;

export function readPostBuild(problem: (m: string) => void, value: unknown): PostBuild | undefined {
  if (!isMap(value)) {
    problem(
      `postBuild is a ${describe(value)}, not a map. Use postBuild: {substitute: {key: value}, substituteFrom: [{kind: ConfigMap, name: vars}]}.`,
    );
    return undefined;
  }
  for (const key of Object.keys(value).filter((k) => k !== "substitute" && k !== "substituteFrom")) {
    problem(`postBuild has unknown key '${key}'. Allowed keys: substitute, substituteFrom.`);
  }
  let substitute: Record<string, string> | undefined;
  if (value.substitute !== undefined) {
    if (!isMap(value.substitute)) problem("postBuild.substitute must be a map of variable name to string.");
    else {
      substitute = {};
      for (const [key, v] of Object.entries(value.substitute)) {
        if (!SUBSTITUTE_VAR.test(key))
          problem(`postBuild.substitute key '${key}' is not a variable name. Use letters, digits and '_', not starting with a digit.`);
        if (typeof v !== "string")
          problem(`postBuild.substitute.${key} is a ${describe(v)}. Quote it to make it a string, e.g. '${key}: "${String(v)}"'.`);
        else substitute[key] = v;
      }
    }
  }
  return { substitute, substituteFrom: value.substituteFrom === undefined ? undefined : readSubstituteFrom(problem, value.substituteFrom) };
}

function readSubstituteFrom(problem: (m: string) => void, value: unknown): NonNullable<PostBuild["substituteFrom"]> {
  if (!Array.isArray(value)) {
    problem("postBuild.substituteFrom must be a list, e.g. [{kind: ConfigMap, name: cluster-vars}].");
    return [];
  }
  return (value as unknown[]).flatMap((item: unknown, index) => {
    const at = `postBuild.substituteFrom[${index}]`;
    if (!isMap(item)) {
      problem(`${at} is a ${describe(item)}, not a map with kind and name.`);
      return [];
    }
    for (const key of Object.keys(item).filter((k) => !["kind", "name", "optional"].includes(k))) {
      problem(`${at} has unknown key '${key}'. Allowed keys: kind, name, optional.`);
    }
    const { kind, name, optional } = item;
    if (kind !== "ConfigMap" && kind !== "Secret") problem(`${at}.kind '${String(kind)}' is not allowed. Use ConfigMap or Secret.`);
    if (typeof name !== "string" || !/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 253) {
      problem(`${at}.name '${String(name)}' is not a Kubernetes object name. Use lowercase letters, digits, '-' and '.'.`);
    }
    if (optional !== undefined && typeof optional !== "boolean") problem(`${at}.optional must be true or false.`);
    return [
      {
        kind: kind === "Secret" ? "Secret" : "ConfigMap",
        name: String(name),
        ...(optional === undefined ? {} : { optional: optional === true }),
      } as const,
    ];
  });
}
