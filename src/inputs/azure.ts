// The cluster (subscription, resource group, name, type) and the Azure sign-in: client, tenant, cloud and endpoints.
import { CLUSTER_NAME, RESOURCE_GROUP } from "./name-rules.ts";
import { readGuid, readOrigin, readPattern } from "./values.ts";
import type { Input, OneOf, Problems } from "./values.ts";
import type { AzureCloudName, ClusterType, Settings } from "./settings.ts";
import { CLOUDS } from "../clouds.ts";

const CLUSTER_TYPES: readonly ClusterType[] = ["managedClusters", "connectedClusters"];

export function readCluster(problems: Problems, input: Input, oneOf: OneOf, env: NodeJS.ProcessEnv): Settings["cluster"] {
  return {
    subscriptionId: readGuid(
      problems,
      "subscription-id",
      input("subscription-id") || (env.AZURE_SUBSCRIPTION_ID ?? "").trim(),
      "AZURE_SUBSCRIPTION_ID",
      "the subscription's ID (az account show --query id -o tsv)",
    ),
    resourceGroup: readPattern(
      problems,
      "resource-group",
      input("resource-group"),
      RESOURCE_GROUP,
      90,
      "Resource group names use letters, digits, '_', '-', '.', '(' and ')', up to 90 characters, not ending in '.'",
      (v) => v.endsWith("."),
    ),
    name: readPattern(
      problems,
      "cluster-name",
      input("cluster-name"),
      CLUSTER_NAME,
      63,
      "Cluster names use letters, digits, '-' and '_', up to 63 characters, starting and ending with a letter or digit",
    ),
    type: oneOf("cluster-type", CLUSTER_TYPES),
  };
}

export function readAzure(
  problems: Problems,
  input: Input,
  bool: (name: string) => boolean,
  oneOf: OneOf,
  env: NodeJS.ProcessEnv,
): Settings["azure"] {
  const clientId = readGuid(
    problems,
    "client-id",
    input("client-id") || (env.AZURE_CLIENT_ID ?? "").trim(),
    "AZURE_CLIENT_ID",
    "the application (client) ID of the app registration or managed identity with the federated credential",
  );
  const tenantId = readGuid(
    problems,
    "tenant-id",
    input("tenant-id") || (env.AZURE_TENANT_ID ?? "").trim(),
    "AZURE_TENANT_ID",
    "the directory (tenant) ID (az account show --query tenantId -o tsv)",
  );
  const audience = input("audience");
  const cloud = oneOf("azure-cloud", Object.keys(CLOUDS) as AzureCloudName[]);
  const defaults = CLOUDS[cloud];
  const authorityHost = readOrigin(problems, "authority-host", input("authority-host"));
  return {
    clientId,
    tenantId,
    audience: audience || defaults.audience,
    cloud,
    authorityHost: authorityHost ?? defaults.authorityHost,
    armEndpoint: readOrigin(problems, "arm-endpoint", input("arm-endpoint")) ?? defaults.armEndpoint,
    customAuthority: authorityHost !== undefined && authorityHost !== defaults.authorityHost,
    registerProviders: bool("register-providers"),
  };
}
