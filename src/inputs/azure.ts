// The cluster (subscription, resource group, name, type) and the Azure sign-in: client, tenant, cloud and endpoints.
import { CLUSTER_NAME, RESOURCE_GROUP } from "./name-rules.ts";
import { readGuid, readOrigin, readPattern } from "./values.ts";
import type { Reader } from "./values.ts";
import type { AzureCloudName, ClusterType, Settings } from "./settings.ts";
import { CLOUDS } from "../clouds.ts";

const CLUSTER_TYPES: readonly ClusterType[] = ["managedClusters", "connectedClusters"];

export function readCluster(r: Reader): Settings["cluster"] {
  return {
    subscriptionId: readGuid(
      r,
      "subscription-id",
      r.orEnv("subscription-id", "AZURE_SUBSCRIPTION_ID"),
      "AZURE_SUBSCRIPTION_ID",
      "the subscription's ID (az account show --query id -o tsv)",
    ),
    resourceGroup: readPattern(r, "resource-group", r.text("resource-group"), {
      pattern: RESOURCE_GROUP,
      maxLength: 90,
      rule: "Resource group names use letters, digits, '_', '-', '.', '(' and ')', up to 90 characters, not ending in '.'",
      alsoBad: (v) => v.endsWith("."),
    }),
    name: readPattern(r, "cluster-name", r.text("cluster-name"), {
      pattern: CLUSTER_NAME,
      maxLength: 63,
      rule: "Cluster names use letters, digits, '-' and '_', up to 63 characters, starting and ending with a letter or digit",
    }),
    type: r.oneOf("cluster-type", CLUSTER_TYPES),
  };
}

export function readAzure(r: Reader): Settings["azure"] {
  const clientId = readGuid(
    r,
    "client-id",
    r.orEnv("client-id", "AZURE_CLIENT_ID"),
    "AZURE_CLIENT_ID",
    "the application (client) ID of the app registration or managed identity with the federated credential",
  );
  const tenantId = readGuid(
    r,
    "tenant-id",
    r.orEnv("tenant-id", "AZURE_TENANT_ID"),
    "AZURE_TENANT_ID",
    "the directory (tenant) ID (az account show --query tenantId -o tsv)",
  );
  const audience = r.text("audience");
  const cloud = r.oneOf("azure-cloud", Object.keys(CLOUDS) as AzureCloudName[]);
  const defaults = CLOUDS[cloud];
  const authorityHost = readOrigin(r, "authority-host", r.text("authority-host"));
  return {
    clientId,
    tenantId,
    audience: audience || defaults.audience,
    cloud,
    authorityHost: authorityHost ?? defaults.authorityHost,
    armEndpoint: readOrigin(r, "arm-endpoint", r.text("arm-endpoint")) ?? defaults.armEndpoint,
    customAuthority: authorityHost !== undefined && authorityHost !== defaults.authorityHost,
    registerProviders: r.bool("register-providers"),
  };
}
