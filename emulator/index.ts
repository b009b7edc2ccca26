// The local cloud, laid out as the real services are: github/ (REST, the SSH git host and the Actions OIDC token
// service), azure/ (Entra ID and Azure Resource Manager) and cluster/ (the in-cluster Flux agent), all on loopback
// with one throw-away CA and one OIDC signing key (GitHub signs with it, Entra verifies with it). It never imports
// from src/.
import { createLocalTls, type LocalTls } from "./tls.ts";
import { createTraffic, injectFault, clearFaults, type Traffic, type FaultSpec, type LoggedRequest } from "./http.ts";
import { createSigningKey } from "./jwt.ts";
import { inputEnv } from "./runner-env.ts";
import { startAzure, type AgentBehaviour, type AzureCloud, type AzureOptions } from "./azure/index.ts";
import { startGitHub, type GitHubCloud } from "./github/index.ts";

export type { Traffic, FaultSpec, LoggedRequest, AgentBehaviour, AzureCloud, GitHubCloud };
export { DEFAULT_AGENT, ARM_THROTTLING, scaledArmThrottling } from "./azure/index.ts";
export type { ArmThrottling } from "./azure/index.ts";
// Repository contents for seedScenario({ files }) (see the files' headers).
export { defaultFluxTree } from "./github/git-repos.ts";
export { fluxBootstrapFiles, largeRepositoryFiles, sourceRefFiles } from "./github/repo-fixtures.ts";
export type { SourceRefFixture, SourceRefLocation } from "./github/repo-fixtures.ts";
export { helmReleaseFiles, helmReleaseManifest } from "./github/helm-release-fixtures.ts";
export { oldApiFiles } from "./github/flux-api-fixtures.ts";
export { GITHUB_LIMITS, scaledGitHubLimits } from "./github/documented-limits.ts";
export type { GitHubLimits } from "./github/documented-limits.ts";
export type { OldApiFixture } from "./github/flux-api-fixtures.ts";
export type { HelmReleaseFixture } from "./github/helm-release-fixtures.ts";

export interface LocalCloud {
  readonly tls: LocalTls;
  readonly traffic: Traffic;
  readonly azure: AzureCloud;
  readonly github: GitHubCloud;
  readonly injectFault: (spec: FaultSpec) => () => number;
  readonly clearFaults: () => void;
  /**
   * Requests that changed something (anything but GET/HEAD; Entra's token requests are sign-ins, not changes): of one
   * service when given, and from `since` on (an index of traffic.log: its length before the run).
   */
  readonly writes: (filter?: { readonly service?: string; readonly since?: number }) => LoggedRequest[];
  readonly close: () => Promise<void>;
}

export interface LocalCloudOptions {
  readonly delays?: AzureOptions["delays"];
  /** The Flux agent's and the operations' behaviour (default: the recorded model, DEFAULT_AGENT); see AgentBehaviour. */
  readonly agent?: AzureOptions["agent"];
}

export async function startLocalCloud(options: LocalCloudOptions = {}): Promise<LocalCloud> {
  const tls = createLocalTls();
  const traffic = createTraffic();
  const key = createSigningKey();
  const github = await startGitHub({ traffic, tls, key });
  const azure = await startAzure({
    traffic,
    tls,
    oidcIssuer: { issuer: github.oidc.issuer, key },
    ...(options.delays ? { delays: options.delays } : {}),
    ...(options.agent ? { agent: options.agent } : {}),
  });
  return {
    tls,
    traffic,
    azure,
    github,
    injectFault: (spec) => injectFault(traffic, spec),
    clearFaults: () => clearFaults(traffic),
    writes: ({ service, since = 0 } = {}) =>
      traffic.log
        .slice(since)
        .filter((r) => r.method !== "GET" && r.method !== "HEAD" && (!service || r.service === service) && r.service !== "entra"),
    close: async () => {
      await Promise.all([azure.close(), github.close()]);
      tls.dispose();
    },
  };
}

/** A ready-made world: one AKS cluster, one config repository, a GitHub App token and a federated credential. */
export interface Scenario {
  readonly subscriptionId: string;
  readonly tenantId: string;
  readonly clientId: string;
  readonly resourceGroup: string;
  readonly clusterName: string;
  readonly clusterId: string;
  readonly owner: string;
  readonly repo: string;
  readonly token: string;
  readonly subject: string;
  readonly headSha: string;
}

export interface ScenarioOptions {
  readonly clusterName?: string;
  readonly clusterType?: "managedClusters" | "connectedClusters";
  readonly repo?: string;
  /** Roles granted at the cluster scope; default Contributor. */
  readonly roles?: readonly string[];
  readonly podIdentity?: Parameters<AzureCloud["addCluster"]>[0]["podIdentity"];
  /** The configuration repository's files (default defaultFluxTree()); on a repository that exists already they are
   *  committed on top of its default branch. Build them from fluxBootstrapFiles, sourceRefFiles, helmReleaseFiles,
   *  largeRepositoryFiles. */
  readonly files?: Readonly<Record<string, string>>;
}

export async function seedScenario(cloud: LocalCloud, options: ScenarioOptions = {}): Promise<Scenario> {
  const scenario = {
    subscriptionId: "6b0c1f3e-3f5e-4d8e-9a51-2f1d5c0e7a11",
    tenantId: "72f988bf-86f1-41af-91ab-2d7cd011db47",
    clientId: "4a3c2b1d-0e9f-4a8b-b7c6-d5e4f3a2b1c0",
    resourceGroup: "rg-platform",
    clusterName: options.clusterName ?? "aks-staging",
    owner: "contoso",
    repo: options.repo ?? "fleet-config",
    token: "ghs_localAppInstallationToken0123456789",
    subject: "repo:contoso/platform:environment:production",
  };
  const clusterId = cloud.azure.addCluster({
    subscriptionId: scenario.subscriptionId,
    resourceGroup: scenario.resourceGroup,
    name: scenario.clusterName,
    type: options.clusterType ?? "managedClusters",
    ...(options.podIdentity ? { podIdentity: options.podIdentity } : {}),
  });
  for (const role of options.roles ?? ["Contributor"]) {
    cloud.azure.grantRole({ clientId: scenario.clientId, scope: clusterId, role });
  }
  cloud.azure.addFederatedCredential({
    tenantId: scenario.tenantId,
    clientId: scenario.clientId,
    issuer: cloud.github.oidc.issuer,
    subject: scenario.subject,
    audience: "api://AzureADTokenExchange",
  });
  cloud.github.setOidcSubject(scenario.subject);
  const full = `${scenario.owner}/${scenario.repo}`;
  const files = options.files ? { files: options.files } : {};
  let headSha = await cloud.github.headOf(full).catch(() => undefined);
  if (headSha === undefined) headSha = await cloud.github.createRepo({ owner: scenario.owner, name: scenario.repo, ...files });
  else if (options.files) headSha = await cloud.github.pushCommit(full, "main", options.files);
  cloud.github.addToken(scenario.token, {
    repos: [full],
    permissions: { administration: "write", metadata: "read", contents: "read", secrets: "write", environments: "write" },
    kind: "app",
    login: "flux-bootstrap[bot]",
  });
  return { ...scenario, clusterId, headSha };
}

/** Environment a runner gives the action, pointed at the local cloud (inputs as INPUT_* variables). */
export function actionEnv(cloud: LocalCloud, scenario: Scenario, inputs: Readonly<Record<string, string>> = {}): Record<string, string> {
  const all: Record<string, string> = {
    "subscription-id": scenario.subscriptionId,
    "resource-group": scenario.resourceGroup,
    "cluster-name": scenario.clusterName,
    "client-id": scenario.clientId,
    "tenant-id": scenario.tenantId,
    "authority-host": cloud.azure.authorityHost,
    "arm-endpoint": cloud.azure.armEndpoint,
    repository: `${scenario.owner}/${scenario.repo}`,
    "github-token": scenario.token,
    "ssh-host": cloud.github.sshHost,
    path: "clusters/staging",
    ...inputs,
  };
  return {
    NODE_EXTRA_CA_CERTS: cloud.tls.caPath,
    ACTIONS_ID_TOKEN_REQUEST_URL: cloud.github.oidc.requestUrl,
    ACTIONS_ID_TOKEN_REQUEST_TOKEN: cloud.github.oidc.requestToken,
    GITHUB_API_URL: cloud.github.apiUrl,
    GITHUB_SERVER_URL: cloud.github.serverUrl,
    GITHUB_REPOSITORY: "contoso/platform",
    // What the runner sets for a `uses: octo/aks-flux-bootstrap@v1` step: where the action comes from (docs.github.com,
    // "Variables reference": GITHUB_ACTION_REPOSITORY and GITHUB_ACTION_REF, for a step executing an action).
    GITHUB_ACTION_REPOSITORY: "octo/aks-flux-bootstrap",
    GITHUB_ACTION_REF: "v1",
    ...inputEnv(all),
  };
}
