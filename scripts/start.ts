// `npm start`: starts the local cloud, then runs the bundled action (dist/index.js) against it exactly as a
// GitHub runner would (INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) and prints what it did.
//   npm start -- [input=value ...]      any input of action.yml, e.g. npm start -- mode=plan path=clusters/nope
// The local cloud seeds one AKS cluster (aks-staging, role at the cluster), one repository (contoso/fleet-config with
// clusters/staging and clusters/production) and a federated credential; inputs not given point at those.
import { readFileSync } from "node:fs";
import { startLocalCloud, seedScenario, actionEnv } from "../emulator/index.ts";
import { runAction } from "../emulator/run-action.ts";
import { readActionContract } from "./readme-tables.ts";

const USAGE = `usage: npm start -- [input=value ...]
  npm start                                      apply, then read the summary
  npm start -- mode=plan path=clusters/nope      a plan that would fail before any write
  npm start -- cluster-name=aks-stagin           a typo in the cluster name
  npm start -- mode=plan plan-for=destroy        what destroy would remove`;

/** Edit distance, to suggest the input a typo meant. */
function distance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i += 1) {
    const row = [i];
    for (let j = 1; j <= b.length; j += 1)
      row.push(Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = row;
  }
  return previous[b.length] ?? 0;
}

/** `name=value` arguments as inputs; every name must be an input of action.yml. */
export function parseInputs(args: readonly string[], known: readonly string[]): Record<string, string> {
  const inputs: Record<string, string> = {};
  const problems: string[] = [];
  for (const arg of args) {
    const match = /^([A-Za-z][\w-]*)=([\s\S]*)$/.exec(arg);
    const name = match?.[1]?.toLowerCase();
    if (!match || name === undefined) problems.push(`'${arg}' is not input=value`);
    else if (!known.includes(name)) {
      const near = known.filter((k) => distance(k, name) <= 2);
      problems.push(`'${name}' is not an input of action.yml${near.length > 0 ? ` (did you mean ${near.join(", ")}?)` : ""}`);
    } else inputs[name] = match[2] ?? "";
  }
  if (problems.length > 0) throw new Error(`${problems.join("\n")}\n\n${USAGE}`);
  return inputs;
}

async function main(args: readonly string[]): Promise<number> {
  if (args.includes("--help") || args.includes("-h")) {
    console.log(USAGE);
    return 0;
  }
  const contract = readActionContract(readFileSync(new URL("../action.yml", import.meta.url), "utf8"));
  let inputs: Record<string, string>;
  try {
    inputs = parseInputs(
      args,
      contract.inputs.map((i) => i.name),
    );
  } catch (error) {
    console.error(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const cloud = await startLocalCloud({ delays: { provisioningMs: 1500, reconciliationMs: 1000 } });
  try {
    const scenario = await seedScenario(cloud);
    const given = Object.entries(inputs).map(([name, value]) => `${name}=${value}`);
    console.log(`Local cloud up: GitHub ${cloud.github.apiUrl}, ARM ${cloud.azure.armEndpoint}, git over SSH ${cloud.github.sshHost}`);
    console.log(
      `Running the action on ${scenario.clusterName} with ${scenario.owner}/${scenario.repo} (head ${scenario.headSha.slice(0, 7)})` +
        `${given.length > 0 ? `, inputs: ${given.join(" ")}` : ""} …\n`,
    );
    const result = await runAction(actionEnv(cloud, scenario, { "progress-interval": "2", ...inputs }), {
      bundled: true,
      onLine: (line) => {
        if (!line.startsWith("::add-mask::") && !line.startsWith("::debug::")) console.log(`  │ ${line}`);
      },
    });
    console.log("\nOutputs:");
    for (const [name, value] of Object.entries(result.outputs))
      console.log(`  ${name}: ${value.split("\n")[0]}${value.includes("\n") ? " …" : ""}`);
    console.log("\nJob summary:\n");
    console.log(result.summary);
    if (result.stderr.trim() !== "") console.error(result.stderr);
    console.log(`The action exited with ${result.code ?? "a signal"}.`);
    return result.code === 0 ? 0 : 1;
  } finally {
    await cloud.close();
  }
}

if (import.meta.main) process.exitCode = await main(process.argv.slice(2));
