// The agent's view of one configuration, for the pure tests of what it reports (flux-status, flux-helm).
import type { AgentView } from "./flux-status.ts";

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
