// The cluster (subscription, resource group, name, type) and the Azure sign-in: client, tenant, cloud and endpoints.
import { CLUSTER_NAME, RESOURCE_GROUP } from "./name-rules.ts";
import { readGuid, readOrigin, readPattern } from "./input-values.ts";
import type { Input, OneOf, Report } from "./input-values.ts";
import type { AzureCloudName, ClusterType, Settings } from "./settings.ts";

const CLUSTER_TYPES: readonly ClusterType[] = ["managedClusters", "connectedClusters"];

/** Sign-in authority, Resource Manager endpoint and federated-credential audience of each cloud. */
export const CLOUDS: Readonly<Record<AzureCloudName, { authorityHost: string; armEndpoint: string; audience: string }>> = {
  AzureCloud: {
    authorityHost: "https://login.microsoftonline.com",
    armEndpoint: "https://management.azure.com",
    audience: "api://AzureADTokenExchange",
  },
  AzureUSGovernment: {
    authorityHost: "https://login.microsoftonline.us",
    armEndpoint: "https://management.usgovcloudapi.net",
    audience: "api://AzureADTokenExchangeUSGov",
  },
  AzureChinaCloud: {
    authorityHost: "https://login.chinacloudapi.cn",
    armEndpoint: "https://management.chinacloudapi.cn",
    audience: "api://AzureADTokenExchangeChina",
  },
};

export function readCluster(report: Report, input: Input, oneOf: OneOf, env: NodeJS.ProcessEnv): Settings["cluster"] {
  return {
    subscriptionId: readGuid(report, "subscription-id", input("subscription-id") || (env.AZURE_SUBSCRIPTION_ID ?? "").trim(), "AZURE_SUBSCRIPTION_ID", "the subscription's ID (az account show --query id -o tsv)"),
    resourceGroup: readPattern(report, "resource-group", input("resource-group"), RESOURCE_GROUP, 90, "Resource group names use letters, digits, '_', '-', '.', '(' and ')', up to 90 characters, not ending in '.'", (v) => v.endsWith(".")),
    name: readPattern(report, "cluster-name", input("cluster-name"), CLUSTER_NAME, 63, "Cluster names use letters, digits, '-' and '_', up to 63 characters, starting and ending with a letter or digit"),
    type: oneOf("cluster-type", CLUSTER_TYPES),
  };
}

export function readAzure(report: Report, input: Input, bool: (name: string) => boolean, oneOf: OneOf, env: NodeJS.ProcessEnv): Settings["azure"] {
  const clientId = readGuid(report, "client-id", input("client-id") || (env.AZURE_CLIENT_ID ?? "").trim(), "AZURE_CLIENT_ID", "the application (client) ID of the app registration or managed identity with the federated credential");
  const tenantId = readGuid(report, "tenant-id", input("tenant-id") || (env.AZURE_TENANT_ID ?? "").trim(), "AZURE_TENANT_ID", "the directory (tenant) ID (az account show --query tenantId -o tsv)");
  const audience = input("audience");
  const cloud = oneOf("azure-cloud", Object.keys(CLOUDS) as AzureCloudName[]);
  const defaults = CLOUDS[cloud];
  const authorityHost = readOrigin(report, "authority-host", input("authority-host"));
  return {
    clientId,
    tenantId,
    audience: audience || defaults.audience,
    cloud,
    authorityHost: authorityHost ?? defaults.authorityHost,
    armEndpoint: readOrigin(report, "arm-endpoint", input("arm-endpoint")) ?? defaults.armEndpoint,
    customAuthority: authorityHost !== undefined && authorityHost !== defaults.authorityHost,
    registerProviders: bool("register-providers"),
  };
}
