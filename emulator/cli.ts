// Starts the local cloud standalone with one seeded cluster and repository, and prints (or appends to a file)
// the environment a runner needs to point the action at it. Runs until interrupted.
//   node emulator/cli.ts [--write-env PATH]
// (Not `--env-file`: Node 24 takes that flag as its own wherever it stands, even after the script name, and exits
// when the file is missing: https://nodejs.org/api/cli.html#--env-filefile.)
import { appendFileSync } from "node:fs";
import { startLocalCloud, seedScenario } from "./index.ts";

const fileIndex = process.argv.indexOf("--write-env");
const envFile = fileIndex > 0 ? process.argv[fileIndex + 1] : undefined;
const cloud = await startLocalCloud();
const scenario = await seedScenario(cloud);
const env: Record<string, string> = {
  NODE_EXTRA_CA_CERTS: cloud.tls.caPath,
  ACTIONS_ID_TOKEN_REQUEST_URL: cloud.github.oidc.requestUrl,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: cloud.github.oidc.requestToken,
  LOCAL_CLOUD_SUBSCRIPTION_ID: scenario.subscriptionId,
  LOCAL_CLOUD_RESOURCE_GROUP: scenario.resourceGroup,
  LOCAL_CLOUD_CLUSTER_NAME: scenario.clusterName,
  LOCAL_CLOUD_CLIENT_ID: scenario.clientId,
  LOCAL_CLOUD_TENANT_ID: scenario.tenantId,
  LOCAL_CLOUD_AUTHORITY_HOST: cloud.azure.authorityHost,
  LOCAL_CLOUD_ARM_ENDPOINT: cloud.azure.armEndpoint,
  LOCAL_CLOUD_REPOSITORY: `${scenario.owner}/${scenario.repo}`,
  LOCAL_CLOUD_GITHUB_TOKEN: scenario.token,
  LOCAL_CLOUD_GITHUB_API_URL: cloud.github.apiUrl,
  LOCAL_CLOUD_SSH_HOST: cloud.github.sshHost,
};
const text =
  Object.entries(env)
    .map(([name, value]) => `${name}=${value}`)
    .join("\n") + "\n";
if (envFile) appendFileSync(envFile, text);
else process.stdout.write(text);
console.error(`local cloud ready (GitHub ${cloud.github.apiUrl}, ARM ${cloud.azure.armEndpoint}); Ctrl-C to stop`);
const stop = (): void => {
  void cloud.close().then(() => process.exit(0));
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
setInterval(() => undefined, 1 << 30);
