// How the stand-in Flux agent and the fluxConfigurations long-running operations behave. The defaults follow
// what real Azure was RECORDED doing (Azure/azure-powershell src/KubernetesConfiguration/test/*.Recording.json); each behaviour the recordings leave
// uncertain is a switch a test can set (STYLE rule 15): startAzure({ agent }), startLocalCloud({ agent }),
// or cloud.azure.setAgent(partial) at any time.

export interface AgentBehaviour {
  /** "on-change" (recorded default): the agent reports only when what Flux shows changed; no heartbeat.
   *  "periodic": the old model — every reconcileIntervalMs it re-fetches and re-reports (statusUpdatedAt moves).
   *  Evidence: in both Az.KubernetesConfiguration recordings `statusUpdatedAt` did not move across GETs 20–40 s
   *  apart; the conceptual GitOps doc says the agent "pushes status changes back" and documents no frequency. */
  readonly reporting: "on-change" | "periodic";
  /** "lazy" (default): a change of only configurationProtectedSettings.sshPrivateKey is fetched with the new key only at the
   *  next sync interval or a change of the GitRepository spec (url, repositoryRef, syncIntervalInSeconds, timeoutInSeconds).
   *  "eager": a key change triggers a fetch at once.
   *  Evidence: Flux source-controller's GitRepositoryReconciler.SetupWithManager watches GitRepositories with
   *  GenerationChangedPredicate + ReconcileRequestedPredicate only (v0.24 to v1.9); it does not watch Secrets. Whether
   *  Azure's fluxconfig-agent requests a reconcile on a key change is undocumented, hence "eager". */
  readonly keyFetch: "lazy" | "eager";
  /** On a new or changed source (first fetch, new commit, changed kustomizations) this many reports show kustomizations
   *  still progressing before the final one (default 1; 0 = straight to the final state).
   *  Evidence: the 2022-11-01 recording ended its operation with the GitRepository Compliant and the kustomizations
   *  `DependencyNotReady` / `ProgressingWithRetry`; Microsoft's Flux tutorial: "the initial compliance state may be
   *  Pending or Non-compliant because reconciliation is still on-going". */
  readonly progressingReports: number;
  /** Time between those successive reports (default 40 ms). */
  readonly progressStepMs: number;
  /** The operation ends this long after the agent has processed the new generation (its first report, when it made one).
   *  Recorded: 10–24 s (statusUpdatedAt 05:45:48 → Succeeded 05:46:12; 05:07:23 → 05:07:33); default 30 ms. */
  readonly operationEndMs: number;
  /** Overrides each configuration's syncIntervalInSeconds for the agent's scheduled fetches (ms); undefined: use the configuration's own value. */
  readonly syncIntervalMs?: number | undefined;
  /** Status text of a running operation: "provisioning-state" (recorded: `Creating` / `Updating` / `Deleting`) or "Running". Default "provisioning-state". */
  readonly runningStatus: "provisioning-state" | "Running";
  /** How a write to a resource with an operation under way is refused: "AnotherOperationInProgress" (the stand-in's
   *  long-standing answer) or "Conflict" (plain code Conflict, message naming the running provisioning state; see
   *  busyRefusal in azure/kubernetes-configuration.ts for the real texts it is modelled on). Default "AnotherOperationInProgress". */
  readonly busyError: "AnotherOperationInProgress" | "Conflict";
  /** A DELETE of an extension or flux configuration while another operation (a create or update) runs on it: "accepted"
   *  (default: the delete starts, as the stand-in always did) or "refused" (answered like any busy write, see busyError).
   *  ARM's RPC does not say which a resource provider must do (Azure/azure-resource-manager-rpc v1.0/async-api-reference.md),
   *  and no recording shows Microsoft.KubernetesConfiguration's answer, hence a switch. A DELETE while the resource
   *  is already Deleting is accepted either way. */
  readonly deleteWhileBusy: "accepted" | "refused";
  /** true (default): with an SSH URL and no configurationProtectedSettings.sshPrivateKey the agent makes a key pair once
   *  per configuration, keeps it as long as the configuration, and publishes its public half as repositoryPublicKey.
   *  Evidence: Microsoft Learn, "Application deployments with GitOps (Flux v2)" and `az k8s-configuration flux create`:
   *  fluxconfig-controller "creates a private/public key pair that exists for the lifetime of the fluxConfigurations";
   *  repositoryPublicKey is "either generated within the cluster or provided by the user" (learn.microsoft.com/azure/azure-arc/kubernetes/conceptual-gitops-flux2).
   *  false: an agent that never makes one (no repositoryPublicKey; fetches fail for lack of a key). */
  readonly generateKeys: boolean;
  /** Type of that key pair. No source says what fluxconfig-controller generates, hence a switch. Default "ecdsa"
   *  (P-384): what Flux v2 itself generates for SSH (fluxcd/website content/en/flux/installation/bootstrap/gitlab.md:
   *  "The generated SSH key defaults to `ECDSA P-384`"). "rsa" (3072 bits): what Azure Arc's Flux v1 configurations
   *  published (an `ssh-rsa` key of that length, MicrosoftDocs/azure-docs#57785). "ed25519": the type the action
   *  makes by default for keys made outside the cluster. */
  readonly clusterKeyType: "ecdsa" | "rsa" | "ed25519";
  /** A failed source fetch is retried after retryMinMs, doubling per further failure up to retryMaxMs; a successful
   *  fetch resets it. Evidence: fluxcd/pkg runtime/controller/rate_limiter.go (`--min-retry-delay` 750ms,
   *  `--max-retry-delay` 15m; GetRateLimiter = workqueue.NewItemExponentialFailureRateLimiter(min, max)) and
   *  controller-runtime pkg/internal/controller/controller.go (an error: AddRateLimited; success: Forget). */
  readonly retryMinMs: number;
  readonly retryMaxMs: number;
  /** HelmReleases whose Helm action fails, by "<namespace>/<name>" of the HelmRelease object, with Helm's own error
   *  text (e.g. `{ "podinfo/podinfo": { action: "install", message: "context deadline exceeded" } }`). Default none: every
   *  HelmRelease found under an applied kustomization's path installs. See flux-helm.ts for what is reported. */
  readonly helmFailures: Readonly<Record<string, HelmFailure>>;
  /** Which apiVersions microsoft.flux 1.23.0 and later refuse. "notice" (default): all that the release notes' removal
   *  notice lists, v1beta2 / v2beta2 included. "restored-in-1.24": from 1.24.0 only upstream Flux 2.7's removals (the
   *  v1beta1 / v2beta1 ones), as 1.24.0's "Restore 2.7 CRDs for rolling forward clusters that have deprecated or removed
   *  Flux API usage" may mean (upstream 2.7 CRDs serve v1beta2 / v2beta2, deprecated). The notes do not say which. */
  readonly fluxApiRemovals: "notice" | "restored-in-1.24";
  /** When a flux configuration shows provisioningState Succeeded, relative to the status of the operation that wrote it
   *  (ms; default 0: together, as ARM's RPC has it; above 0 the resource later, below 0 earlier). Not recorded; see
   *  succeed in azure/operation-end.ts. */
  readonly stateLagMs: number;
}

export interface HelmFailure {
  /** "install": the first install fails; "upgrade": the release was installed (revision 1), its upgrade fails. */
  readonly action: "install" | "upgrade";
  readonly message: string;
}

export const DEFAULT_AGENT: AgentBehaviour = {
  reporting: "on-change",
  keyFetch: "lazy",
  progressingReports: 1,
  progressStepMs: 40,
  operationEndMs: 30,
  syncIntervalMs: undefined,
  runningStatus: "provisioning-state",
  busyError: "AnotherOperationInProgress",
  deleteWhileBusy: "accepted",
  generateKeys: true,
  clusterKeyType: "ecdsa",
  retryMinMs: 750,
  retryMaxMs: 15 * 60_000,
  helmFailures: {},
  fluxApiRemovals: "notice",
  stateLagMs: 0,
};
