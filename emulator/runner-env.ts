// What the GitHub runner does with a step's inputs, for tests and the local cloud (actionEnv): every `with:` value (and
// every default action.yml declares) becomes an INPUT_<NAME> variable, the name upper-cased with spaces as "_"
// (dashes kept), as actions/runner writes them. Read from action.yml itself, never from src/.
import { readFileSync } from "node:fs";
import { parse } from "yaml";

const ACTION_YML = new URL("../action.yml", import.meta.url);

/** The runner's variable name of an input. */
export function inputVariable(name: string): string {
  return `INPUT_${name.replace(/ /g, "_").toUpperCase()}`;
}

/** INPUT_* variables for the given inputs. */
export function inputEnv(inputs: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).map(([name, value]) => [inputVariable(name), value]));
}

/** Every input's default in action.yml, by input name. */
export function inputDefaults(): Record<string, string> {
  const action = parse(readFileSync(ACTION_YML, "utf8")) as { inputs: Record<string, { default?: unknown }> };
  const defaults = Object.entries(action.inputs).filter(([, input]) => input.default !== undefined);
  return Object.fromEntries(defaults.map(([name, input]) => [name, String(input.default)]));
}

/** INPUT_* variables for every default in action.yml, as the runner sets them when `with:` leaves an input out. */
export function actionDefaults(): Record<string, string> {
  return inputEnv(inputDefaults());
}
