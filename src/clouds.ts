// The Azure clouds the action knows, one row each: sign-in authority, Resource Manager endpoint, the
// federated-credential audience and the portal (for links in the job summary).
import type { AzureCloudName } from "./inputs/settings.ts";

export interface Cloud {
  readonly authorityHost: string;
  readonly armEndpoint: string;
  readonly audience: string;
  readonly portal: string;
}

export const CLOUDS: Readonly<Record<AzureCloudName, Cloud>> = {
  AzureCloud: {
    authorityHost: "https://login.microsoftonline.com",
    armEndpoint: "https://management.azure.com",
    audience: "api://AzureADTokenExchange",
    portal: "https://portal.azure.com",
  },
  AzureUSGovernment: {
    authorityHost: "https://login.microsoftonline.us",
    armEndpoint: "https://management.usgovcloudapi.net",
    audience: "api://AzureADTokenExchangeUSGov",
    portal: "https://portal.azure.us",
  },
  AzureChinaCloud: {
    authorityHost: "https://login.chinacloudapi.cn",
    armEndpoint: "https://management.chinacloudapi.cn",
    audience: "api://AzureADTokenExchangeChina",
    portal: "https://portal.azure.cn",
  },
};
