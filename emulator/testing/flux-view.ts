// The agent's view of one configuration, and a reported HelmRelease failure, for the tests of what it reports.
import type { AgentView } from "../cluster/flux-status.ts";

export const SHA = "0123456789abcdef0123456789abcdef01234567";

/** A configuration "fleet" on branch main, never reported before, with the given kustomizations. */
export function agentView(kustomizations: AgentView["kustomizations"]): AgentView {
  return {
    name: "fleet",
    namespace: "flux-system",
    suspend: false,
    url: "ssh://git@host/o/r.git",
    ref: { branch: "main" },
    timeoutInSeconds: 600,
    syncIntervalInSeconds: 600,
    fluxInstalled: true,
    generation: 1,
    kustomizations,
    previous: { sha: "", sourceSyncedCommitId: "", sourceUpdatedAt: null, statuses: [] },
  };
}

/** What the agent reports for podinfo/podinfo (chart podinfo@6.7.1) when its install fails with "context deadline exceeded". */
export const PODINFO_INSTALL_FAILED = {
  ready: ["False", "InstallFailed", "Helm install failed for release podinfo/podinfo with chart podinfo@6.7.1: context deadline exceeded"],
  helmReleaseProperties: {
    lastRevisionApplied: 0,
    helmChartRef: { name: "podinfo-podinfo", namespace: "flux-system" },
    failureCount: 1,
    installFailureCount: 1,
    upgradeFailureCount: 0,
  },
} as const;
