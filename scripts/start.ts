// `npm start`: starts the local cloud, then runs the bundled action (dist/index.js) against it exactly as a
// GitHub runner would (INPUT_* variables, GITHUB_OUTPUT, GITHUB_STEP_SUMMARY) and prints what it did.
import { startLocalCloud, seedScenario, actionEnv } from "../emulator/index.ts";
import { runAction } from "../__tests__/support/run-action.ts";

const cloud = await startLocalCloud({ delays: { provisioningMs: 1500, reconciliationMs: 1000 } });
try {
  const scenario = await seedScenario(cloud);
  console.log(`Local cloud up: GitHub ${cloud.github.apiUrl}, ARM ${cloud.azure.armEndpoint}, git over SSH ${cloud.github.sshHost}`);
  console.log(`Bootstrapping ${scenario.clusterName} from ${scenario.owner}/${scenario.repo} (head ${scenario.headSha.slice(0, 7)}) …\n`);
  const result = await runAction(actionEnv(cloud, scenario, { "progress-interval": "2" }), {
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
  if (result.code !== 0) {
    console.error(result.stderr);
    process.exitCode = 1;
  }
} finally {
  await cloud.close();
}
