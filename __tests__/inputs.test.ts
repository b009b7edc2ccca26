// Inputs arrive exactly as the runner passes them: env INPUT_<NAME> for every input, with action.yml's
// defaults applied by the runner (read from action.yml here, never duplicated in code).
import assert from "node:assert/strict";
import { test } from "node:test";
import * as core from "@actions/core";
import { ActionError } from "../src/errors.ts";
import { formatDuration, parseDuration } from "../src/inputs/durations.ts";
import { getSettings, readInput } from "../src/inputs/index.ts";
import { inputDefaults, inputEnv } from "../emulator/runner-env.ts";

const DEFAULTS = inputDefaults();

const SUBSCRIPTION = "0b1f6471-1bf0-4dda-aec3-111122223333";
const TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT = "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0d";
const FINGERPRINT = "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU";

/** The inputs a typical workflow sets in `with:`. */
const WITH: Record<string, string> = {
  "subscription-id": SUBSCRIPTION,
  "tenant-id": TENANT,
  "client-id": CLIENT,
  "resource-group": "rg-fleet",
  "cluster-name": "aks-prod-1",
  repository: "octo-org/fleet-config",
  "github-token": "ghs_exampleinstallationtoken",
  path: "clusters/prod",
};

/** The environment the runner builds: defaults from action.yml, overridden by `with:`, plus other env. */
function runnerEnv(withInputs: Record<string, string>, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { ...extra, ...inputEnv({ ...DEFAULTS, ...withInputs }) };
}

const settingsWith = (overrides: Record<string, string>, extra?: NodeJS.ProcessEnv) =>
  getSettings(runnerEnv({ ...WITH, ...overrides }, extra));

const long = (n: number, c = "a") => c.repeat(n);

// [what, `with:` overrides, message fragment]
const BAD: readonly (readonly [string, Record<string, string>, string])[] = [
  [
    "subscription id not a GUID",
    { "subscription-id": "abc" },
    "subscription-id: 'abc' is not a GUID. Use the subscription's ID (az account show --query id -o tsv)",
  ],
  ["tenant id too short", { "tenant-id": "72f988bf-86f1-41af-91ab" }, "tenant-id: '72f988bf-86f1-41af-91ab' is not a GUID"],
  ["client id in braces", { "client-id": `{${CLIENT}}` }, `client-id: '{${CLIENT}}' is not a GUID`],
  [
    "client id with a non-hex digit",
    { "client-id": "3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0g" },
    "client-id: '3a2b1c0d-9e8f-4a7b-8c6d-5e4f3a2b1c0g' is not a GUID",
  ],
  [
    "subscription id missing without env",
    { "subscription-id": "" },
    "subscription-id: missing. Set subscription-id (or env AZURE_SUBSCRIPTION_ID)",
  ],
  ["tenant id missing without env", { "tenant-id": "" }, "tenant-id: missing. Set tenant-id (or env AZURE_TENANT_ID)"],
  ["resource group ending in a dot", { "resource-group": "rg-fleet." }, "resource-group: 'rg-fleet.' is not a valid name"],
  ["resource group over 90 characters", { "resource-group": long(91) }, "is 91 characters, over the limit of 90"],
  ["resource group with a slash", { "resource-group": "rg/fleet" }, "resource-group: 'rg/fleet' is not a valid name"],
  ["cluster name starting with '-'", { "cluster-name": "-aks" }, "cluster-name: '-aks' is not a valid name"],
  [
    "cluster name over 63 characters",
    { "cluster-name": long(64) },
    "cluster-name: '" + long(64) + "' is 64 characters, over the limit of 63",
  ],
  ["cluster name missing", { "cluster-name": "" }, "cluster-name: missing"],
  [
    "unknown cluster type",
    { "cluster-type": "aks" },
    "cluster-type: 'aks' is not allowed. Use one of: managedClusters, connectedClusters.",
  ],
  ["unknown mode", { mode: "deploy" }, "mode: 'deploy' is not allowed. Use one of: apply, rotate, destroy, plan."],
  [
    "unknown cloud",
    { "azure-cloud": "AzureGermanCloud" },
    "azure-cloud: 'AzureGermanCloud' is not allowed. Use one of: AzureCloud, AzureUSGovernment, AzureChinaCloud.",
  ],
  [
    "unknown key type",
    { "key-type": "dsa" },
    "key-type: 'dsa' is not allowed. Use one of: ed25519, ecdsa-p256, ecdsa-p384, ecdsa-p521, rsa-4096.",
  ],
  [
    "repository with an extra slash",
    { repository: "octo-org/fleet/extra" },
    "repository: 'octo-org/fleet/extra' must be exactly owner/name",
  ],
  ["repository with a trailing slash", { repository: "octo-org/fleet/" }, "must be exactly owner/name"],
  ["repository owner with ';'", { repository: "octo;rm -rf/fleet" }, "has an invalid owner 'octo;rm -rf'"],
  ["repository name with $()", { repository: "octo-org/$(whoami)" }, "has an invalid repository name '$(whoami)'"],
  ["repository name with backticks", { repository: "octo-org/`id`" }, "has an invalid repository name '`id`'"],
  ["repository name with a space", { repository: "octo-org/fleet config" }, "has an invalid repository name 'fleet config'"],
  ["repository name '..'", { repository: "octo-org/.." }, "has an invalid repository name '..'"],
  ["repository owner over 39 characters", { repository: `${long(40)}/fleet` }, `has an invalid owner '${long(40)}'`],
  ["repository name over 100 characters", { repository: `octo/${long(101)}` }, "has an invalid repository name"],
  ["scp URL without a repository name", { repository: "git@github.com:octo-org" }, "must be exactly owner/name"],
  ["scp URL with a port", { repository: "git@github.com:2222/octo-org/fleet" }, "puts a port in an scp-style address"],
  ["scp URL with another user", { repository: "deploy@github.com:octo-org/fleet" }, "must connect as user git"],
  ["scp URL with an absolute path", { repository: "git@github.com:/octo-org/fleet" }, "is not a repository"],
  ["ssh URL with port 0", { repository: "ssh://git@github.com:0/octo-org/fleet" }, "repository: 'github.com:0' has an invalid port '0'"],
  ["ssh URL with port 99999", { repository: "ssh://git@github.com:99999/octo-org/fleet.git" }, "has an invalid port '99999'"],
  ["ssh URL without a user", { repository: "ssh://github.com/octo-org/fleet" }, "must connect as user git"],
  ["HTTPS repository URL", { repository: "https://github.com/octo-org/fleet" }, "is an HTTPS URL. Flux clones over SSH"],
  ["ssh-host with port 70000", { "ssh-host": "github.com:70000" }, "ssh-host: 'github.com:70000' has an invalid port '70000'"],
  ["ssh-host with an empty port", { "ssh-host": "github.com:" }, "ssh-host: 'github.com:' has an invalid port ''"],
  ["ssh-host with a user", { "ssh-host": "git@github.com" }, "ssh-host: 'git@github.com' includes a user"],
  ["ssh-host that is no host name", { "ssh-host": "bad_host!" }, "ssh-host: 'bad_host!' does not name a host"],
  [
    "ssh-host disagreeing with the repository URL",
    { repository: "git@ghe.example.com:octo/fleet", "ssh-host": "github.com" },
    "ssh-host: 'github.com' disagrees with the host in repository",
  ],
  [
    "http authority host",
    { "authority-host": "http://login.example.com" },
    "authority-host: 'http://login.example.com' is not an https URL",
  ],
  [
    "authority host with a path",
    { "authority-host": "https://login.example.com/tenant" },
    "authority-host: 'https://login.example.com/tenant' has a path, query or credentials. Use only the origin, e.g. https://login.example.com.",
  ],
  ["ARM endpoint without a scheme", { "arm-endpoint": "management.azure.com" }, "arm-endpoint: 'management.azure.com' is not an https URL"],
  [
    "ARM endpoint with a query",
    { "arm-endpoint": "https://management.azure.com?x=1" },
    "arm-endpoint: 'https://management.azure.com?x=1' has a path, query or credentials",
  ],
  ["ftp GitHub API URL", { "github-api-url": "ftp://ghe.example.com" }, "github-api-url: 'ftp://ghe.example.com' is not an http(s) URL"],
  [
    "truncated fingerprint",
    { "ssh-host-fingerprints": "SHA256:+DiY3wvvV6TuJJhbpZisF" },
    "ssh-host-fingerprints: 'SHA256:+DiY3wvvV6TuJJhbpZisF' is not a SHA256 fingerprint",
  ],
  [
    "MD5 fingerprint in a list",
    { "ssh-host-fingerprints": `${FINGERPRINT}, MD5:16:27:ac:a5` },
    "ssh-host-fingerprints: 'MD5:16:27:ac:a5' is not a SHA256 fingerprint",
  ],
  [
    "bad known_hosts line",
    { "known-hosts": "github.com ssh-dss AAAAB3NzaC1kc3M=" },
    "known-hosts: 'github.com ssh-dss AAAAB3NzaC1kc3M=' is not a known_hosts line",
  ],
  [
    "missing GitHub token",
    { "github-token": "" },
    "github-token: missing. It needs a GitHub App installation token or fine-grained PAT with Administration: write; the workflow's GITHUB_TOKEN cannot manage deploy keys.",
  ],
  [
    "branch and tag together",
    { branch: "main", tag: "v1.0.0" },
    "branch/tag: branch and tag are set together. Use at most one of branch, tag, semver",
  ],
  ["tag and semver together", { tag: "v1.0.0", semver: ">=1.0.0" }, "tag/semver: tag and semver are set together"],
  ["branch with '..'", { branch: "feature..x" }, "branch: 'feature..x' is not a valid git branch name: it contains '..'"],
  ["branch with a space", { branch: "my branch" }, "contains a space, control character or one of ~ ^ : ? * [ \\"],
  ["branch ending in .lock", { branch: "release.lock" }, "has a part starting with '.' or ending with '.lock'"],
  ["branch ending in '/'", { branch: "feature/" }, "starts or ends with '/' or contains '//'"],
  ["branch given as a full ref", { branch: "refs/heads/main" }, "starts with 'refs/'; give the short name"],
  ["tag with '^'", { tag: "v1^{}" }, "tag: 'v1^{}' is not a valid git tag name"],
  ["tag with '@{'", { tag: "v1@{0}" }, "contains '@{' or is '@'"],
  ["short commit", { commit: "abc123" }, "commit: 'abc123' is not a full commit SHA. Use all 40 (or 64) hex digits"],
  ["commit with a tag", { commit: "a".repeat(40), tag: "v1.0.0" }, "commit: cannot be combined with tag or semver"],
  ["semver that is a word", { semver: "latest" }, "semver: 'latest' is not a semver range"],
  ["semver with a shell character", { semver: "1.0.0; rm -rf /" }, "semver: '1.0.0; rm -rf /' is not a semver range"],
  ["path with '..'", { path: "../other-repo" }, "path: '../other-repo' contains '..'"],
  ["path with '..' inside", { path: "clusters/../../etc" }, "path: 'clusters/../../etc' contains '..'"],
  ["absolute path", { path: "/clusters/prod" }, "path: '/clusters/prod' is absolute"],
  ["Windows drive path", { path: "C:/clusters" }, "path: 'C:/clusters' is absolute"],
  ["path with backslashes", { path: "clusters\\prod" }, "path: 'clusters\\prod' contains '\\'. Use '/' between folders"],
  ["path with a control character", { path: "clusters/\u0007prod" }, "path: contains a control character"],
  ["path and kustomizations together", { kustomizations: "apps: {path: apps}" }, "path: and kustomizations are both set"],
  ["neither path nor kustomizations", { path: "" }, "path: missing. Set path: clusters/<name>"],
  ["kustomizations as a list", { path: "", kustomizations: "- apps\n- infra" }, "kustomizations: is a list, not a map"],
  ["kustomizations as a scalar", { path: "", kustomizations: "apps" }, "kustomizations: is a string, not a map"],
  ["kustomization that is a list", { path: "", kustomizations: "apps: [apps]" }, "kustomizations.apps: is a list, not a map"],
  [
    "kustomizations with unknown key",
    { path: "", kustomizations: "apps:\n  path: apps\n  prunee: true" },
    "kustomizations.apps: unknown key 'prunee'. Allowed keys: path, dependsOn, prune, force, wait, timeout, syncInterval, retryInterval, postBuild.",
  ],
  ["kustomizations that are not YAML", { path: "", kustomizations: "apps: {path: [" }, "kustomizations: is not valid YAML"],
  [
    "kustomizations with a duplicate name",
    { path: "", kustomizations: "apps: {path: a}\napps: {path: b}" },
    "kustomizations: is not valid YAML (Map keys must be unique",
  ],
  [
    "dependsOn a missing name",
    { path: "", kustomizations: "apps: {path: apps, dependsOn: [infra]}" },
    "kustomizations.apps: dependsOn names 'infra', which is not in kustomizations",
  ],
  [
    "dependsOn as a string",
    { path: "", kustomizations: "infra: {path: infra}\napps: {path: apps, dependsOn: infra}" },
    "kustomizations.apps: dependsOn must be a list of kustomization names",
  ],
  [
    "dependsOn itself",
    { path: "", kustomizations: "apps: {path: apps, dependsOn: [apps]}" },
    "kustomizations.apps: dependsOn lists 'apps' itself",
  ],
  [
    "dependsOn cycle",
    { path: "", kustomizations: "a: {dependsOn: [c]}\nb: {dependsOn: [a]}\nc: {dependsOn: [b]}" },
    "kustomizations: dependsOn forms a cycle: a -> c -> b -> a.",
  ],
  [
    "kustomization name not DNS-1123",
    { path: "", kustomizations: "Apps_1: {path: apps}" },
    "kustomizations.Apps_1: 'Apps_1' is not a valid kustomization name",
  ],
  [
    "kustomization name too long for the configuration",
    { path: "", "configuration-name": long(40, "c"), kustomizations: `${long(23, "k")}: {path: apps}` },
    `'${long(40, "c")}-${long(23, "k")}' is over 63 characters. Shorten the kustomization name to 22 characters`,
  ],
  [
    "kustomization path with '..'",
    { path: "", kustomizations: "apps: {path: ../apps}" },
    "kustomizations.apps: path '../apps' contains '..'",
  ],
  [
    "kustomization timeout unparsable",
    { path: "", kustomizations: "apps: {path: apps, timeout: 5x}" },
    "kustomizations.apps.timeout: '5x' is not a duration",
  ],
  [
    "kustomization syncInterval too short",
    { path: "", kustomizations: "apps: {path: apps, syncInterval: 1s}" },
    "kustomizations.apps.syncInterval: '1s' is out of range. Use a value from 10s to 24h.",
  ],
  [
    "kustomization retryInterval without unit",
    { path: "", kustomizations: "apps: {path: apps, retryInterval: 600}" },
    "kustomizations.apps.retryInterval: '600' has no unit",
  ],
  [
    "kustomization prune not a boolean",
    { path: "", kustomizations: "apps: {path: apps, prune: yes}" },
    "kustomizations.apps: prune must be true or false, not 'yes'",
  ],
  [
    "postBuild substitute number",
    { path: "", kustomizations: "apps: {path: apps, postBuild: {substitute: {replicas: 3}}}" },
    "postBuild.substitute.replicas is a number. Quote it",
  ],
  [
    "postBuild substituteFrom kind",
    { path: "", kustomizations: "apps: {path: apps, postBuild: {substituteFrom: [{kind: Pod, name: vars}]}}" },
    "postBuild.substituteFrom[0].kind 'Pod' is not allowed. Use ConfigMap or Secret.",
  ],
  [
    "postBuild unknown key",
    { path: "", kustomizations: "apps: {path: apps, postBuild: {patches: []}}" },
    "postBuild has unknown key 'patches'. Allowed keys: substitute, substituteFrom.",
  ],
  ["sync interval too short", { "sync-interval": "10s" }, "sync-interval: '10s' is out of range. Use a value from 30s to 24h."],
  ["sync interval too long", { "sync-interval": "25h" }, "sync-interval: '25h' is out of range"],
  ["sync interval without unit", { "sync-interval": "600" }, "sync-interval: '600' has no unit"],
  ["sync interval not whole seconds", { "sync-interval": "30500ms" }, "sync-interval: '30500ms' is not a whole number of seconds"],
  ["fetch timeout in days", { "fetch-timeout": "1d" }, "fetch-timeout: '1d' uses days, which Flux does not accept"],
  ["fetch timeout too short", { "fetch-timeout": "5s" }, "fetch-timeout: '5s' is out of range. Use a value from 10s to 24h."],
  ["wait timeout too long", { "wait-timeout": "7h" }, "wait-timeout: '7h' is out of range. Use a value from 30s to 6h."],
  ["wait timeout unparsable", { "wait-timeout": "soon" }, "wait-timeout: 'soon' is not a duration"],
  [
    "progress interval not whole seconds",
    { "progress-interval": "1.5" },
    "progress-interval: '1.5' is not a whole number of seconds from 1 to 3600",
  ],
  ["progress interval zero", { "progress-interval": "0" }, "progress-interval: '0' is not a whole number of seconds from 1 to 3600"],
  ["plan-for unknown mode", { "plan-for": "plan" }, "plan-for: 'plan' is not allowed. Use one of: apply, rotate, destroy."],
  ["max key age under a day", { "max-key-age": "12h" }, "max-key-age: '12h' is out of range. Use a value from 1d to 365d."],
  ["max key age over a year", { "max-key-age": "400d" }, "max-key-age: '400d' is out of range"],
  ["configuration name with capitals", { "configuration-name": "Flux_System" }, "configuration-name: 'Flux_System' is not a valid name"],
  [
    "configuration name over 63",
    { "configuration-name": long(64, "f") },
    "configuration-name: '" + long(64, "f") + "' is 64 characters, over the limit of 63",
  ],
  ["namespace with a dot", { namespace: "flux.system" }, "namespace: 'flux.system' is not a valid name. Namespaces are DNS-1123 labels"],
  ["unknown scope", { scope: "global" }, "scope: 'global' is not allowed. Use one of: cluster, namespace."],
  ["boolean 'yes'", { suspend: "yes" }, "suspend: 'yes' is not a boolean. Use true or false."],
  ["empty boolean", { wait: "" }, "wait: missing. Use true or false."],
  [
    "extension setting without '='",
    { "extension-settings": "helm-controller.enabled" },
    "extension-settings: 'helm-controller.enabled' is not key=value",
  ],
  ["extension setting twice", { "extension-settings": "a.enabled=true\na.enabled=false" }, "extension-settings: 'a.enabled' is set twice"],
  ["extension version 'latest'", { "extension-version": "latest" }, "extension-version: 'latest' is not a version"],
  ["extension name with capitals", { "extension-name": "Flux" }, "extension-name: 'Flux' is not a valid name"],
  ["source-ref-check unknown", { "source-ref-check": "loud" }, "source-ref-check: 'loud' is not allowed. Use one of: fail, warn, off."],
  [
    "flux-bootstrap-check unknown",
    { "flux-bootstrap-check": "ignore" },
    "flux-bootstrap-check: 'ignore' is not allowed. Use one of: fail, warn, off.",
  ],
  ["repository-check not a boolean", { "repository-check": "no" }, "repository-check: 'no' is not a boolean. Use true or false."],
  [
    "unknown pod identity check",
    { "pod-identity-check": "maybe" },
    "pod-identity-check: 'maybe' is not allowed. Use one of: fail, warn, off.",
  ],
  ["lowercase secret name", { "private-key-secret": "flux_key" }, "private-key-secret: 'flux_key' is not a usable secret name"],
  [
    "secret name starting with GITHUB_",
    { "private-key-secret": "GITHUB_FLUX_KEY" },
    "private-key-secret: 'GITHUB_FLUX_KEY' is not a usable secret name",
  ],
  [
    "secret name starting with a digit",
    { "private-key-secret": "1FLUX_KEY" },
    "private-key-secret: '1FLUX_KEY' is not a usable secret name",
  ],
  [
    "secret environment without a secret",
    { "secret-environment": "production" },
    "secret-environment: is set but private-key-secret is empty",
  ],
  ["unknown key source", { "key-source": "runner" }, "key-source:"],
  [
    "sealed secret with a cluster-made key",
    { "key-source": "cluster", "private-key-secret": "FLUX_KEY" },
    "private-key-secret: cannot be used with key-source: cluster",
  ],
  [
    "repository missing without env",
    { repository: "" },
    "repository: missing and env GITHUB_REPOSITORY is not set. Set repository: owner/name.",
  ],
];

test(`input table: ${BAD.length} bad inputs`, (t) => {
  t.diagnostic(`bad-input table size: ${BAD.length}`);
  assert.ok(BAD.length >= 45);
});

for (const [what, overrides, fragment] of BAD) {
  test(`rejects ${what}`, () => {
    assert.throws(
      () => settingsWith(overrides),
      (error: unknown) => {
        assert.ok(error instanceof ActionError, "an ActionError");
        assert.equal(error.code, "invalid-input");
        assert.ok(error.message.includes(fragment), `expected\n  ${fragment}\nin\n${error.message}`);
        return true;
      },
    );
  });
}

test("reports every problem at once, one line per problem", () => {
  const env = runnerEnv({ ...WITH, "subscription-id": "abc", repository: "a/b/c", "sync-interval": "1s", "key-type": "dsa" });
  assert.throws(
    () => getSettings(env),
    (error: unknown) => {
      assert.ok(error instanceof Error);
      const lines = error.message.split("\n");
      assert.equal(lines[0], "4 input problems; fix them in the workflow's `with:` block:");
      const named = lines.slice(1).map((line) => /^ {2}- ([a-z-]+):/.exec(line)?.[1]);
      assert.deepEqual(named.sort(), ["key-type", "repository", "subscription-id", "sync-interval"]);
      return true;
    },
  );
});

test("defaults from action.yml give the documented settings", () => {
  const settings = settingsWith({});
  assert.equal(settings.mode, "apply");
  assert.deepEqual(settings.cluster, {
    subscriptionId: SUBSCRIPTION,
    resourceGroup: "rg-fleet",
    name: "aks-prod-1",
    type: "managedClusters",
  });
  assert.deepEqual(settings.azure, {
    clientId: CLIENT,
    tenantId: TENANT,
    audience: "api://AzureADTokenExchange",
    cloud: "AzureCloud",
    authorityHost: "https://login.microsoftonline.com",
    armEndpoint: "https://management.azure.com",
    customAuthority: false,
    registerProviders: false,
  });
  assert.deepEqual(settings.git, {
    owner: "octo-org",
    repo: "fleet-config",
    fullName: "octo-org/fleet-config",
    ref: { kind: "branch", branch: undefined },
    githubToken: "ghs_exampleinstallationtoken",
    githubApiUrl: "https://api.github.com",
    sshHost: "github.com",
    sshPort: 22,
    hostFingerprints: [],
    knownHosts: undefined,
  });
  assert.deepEqual(settings.key, { source: "action", sourceExplicit: false, type: "ed25519", readWrite: false, maxAgeMs: undefined });
  assert.deepEqual(settings.extension, {
    name: "flux",
    releaseTrain: "Stable",
    version: undefined,
    settings: {},
    remove: false,
    podIdentityCheck: "fail",
  });
  assert.deepEqual(settings.flux, {
    name: "flux-system",
    namespace: "flux-system",
    scope: "cluster",
    kustomizations: [
      {
        name: "cluster",
        path: "clusters/prod",
        dependsOn: [],
        prune: true,
        force: false,
        wait: true,
        timeoutSeconds: undefined,
        syncIntervalSeconds: undefined,
        retryIntervalSeconds: undefined,
        postBuild: undefined,
      },
    ],
    syncIntervalSeconds: undefined,
    timeoutSeconds: undefined,
    suspend: false,
    forceDelete: false,
  });
  assert.equal(settings.wait, true);
  assert.equal(settings.waitTimeoutMs, 15 * 60_000);
  assert.equal(settings.privateKeySecret, undefined);
  assert.deepEqual(settings.warnings, []);
});

test("every mode accepts the same target inputs", () => {
  for (const mode of ["apply", "rotate", "destroy", "plan"]) assert.equal(settingsWith({ mode }).mode, mode);
});

test("path is needed to apply (or plan an apply), not to rotate or destroy", () => {
  for (const [mode, planFor] of [
    ["rotate", "apply"],
    ["destroy", "apply"],
    ["plan", "rotate"],
    ["plan", "destroy"],
  ] as const) {
    assert.deepEqual(settingsWith({ mode, "plan-for": planFor, path: "" }).flux.kustomizations, [], `${mode}/${planFor}`);
  }
  for (const [mode, planFor] of [
    ["apply", "apply"],
    ["plan", "apply"],
  ] as const) {
    assert.throws(() => settingsWith({ mode, "plan-for": planFor, path: "" }), /path: missing/, `${mode}/${planFor}`);
  }
  assert.throws(() => settingsWith({ mode: "rotate", path: "../up" }), /path/, "a path that is given is still checked");
});

test("scp-style and ssh:// repository URLs set owner, name, SSH host and port", () => {
  const cases: [string, Record<string, string>, [string, string, string, number]][] = [
    ["git@github.com:octo-org/fleet-config.git", {}, ["octo-org", "fleet-config", "github.com", 22]],
    ["git@ghe.example.com:octo/fleet", {}, ["octo", "fleet", "ghe.example.com", 22]],
    ["ssh://git@ghe.example.com:2222/octo/fleet.git", {}, ["octo", "fleet", "ghe.example.com", 2222]],
    ["ssh://git@ghe.example.com/octo/fleet", { "ssh-host": "ghe.example.com:22" }, ["octo", "fleet", "ghe.example.com", 22]],
    ["ssh://git@[::1]:2222/octo/fleet", {}, ["octo", "fleet", "::1", 2222]],
    ["octo/fleet", { "ssh-host": "10.0.0.7:7999" }, ["octo", "fleet", "10.0.0.7", 7999]],
  ];
  for (const [repository, extra, [owner, repo, host, port]] of cases) {
    const { git } = settingsWith({ repository, ...extra });
    assert.deepEqual([git.owner, git.repo, git.sshHost, git.sshPort], [owner, repo, host, port], repository);
  }
});

test("environment fallbacks: AZURE_*, GITHUB_REPOSITORY, GITHUB_API_URL, GITHUB_SERVER_URL", () => {
  const settings = settingsWith(
    { "subscription-id": "", "tenant-id": "", "client-id": "", repository: "" },
    {
      AZURE_SUBSCRIPTION_ID: SUBSCRIPTION,
      AZURE_TENANT_ID: TENANT,
      AZURE_CLIENT_ID: CLIENT,
      GITHUB_REPOSITORY: "acme/platform",
      GITHUB_API_URL: "https://ghe.acme.test/api/v3/",
      GITHUB_SERVER_URL: "https://ghe.acme.test",
    },
  );
  assert.deepEqual([settings.cluster.subscriptionId, settings.azure.tenantId, settings.azure.clientId], [SUBSCRIPTION, TENANT, CLIENT]);
  assert.deepEqual([settings.git.owner, settings.git.repo], ["acme", "platform"]);
  assert.equal(settings.git.githubApiUrl, "https://ghe.acme.test/api/v3");
  assert.deepEqual([settings.git.sshHost, settings.git.sshPort], ["ghe.acme.test", 22]);
});

test("inputs win over environment fallbacks", () => {
  const settings = settingsWith({}, { AZURE_CLIENT_ID: "11111111-1111-1111-1111-111111111111", GITHUB_REPOSITORY: "acme/platform" });
  assert.equal(settings.azure.clientId, CLIENT);
  assert.equal(settings.git.repo, "fleet-config");
});

test("sovereign clouds select their authority, ARM endpoint and audience", () => {
  const gov = settingsWith({ "azure-cloud": "AzureUSGovernment" }).azure;
  assert.deepEqual(
    [gov.authorityHost, gov.armEndpoint, gov.audience, gov.customAuthority],
    ["https://login.microsoftonline.us", "https://management.usgovcloudapi.net", "api://AzureADTokenExchangeUSGov", false],
  );
  const china = settingsWith({ "azure-cloud": "AzureChinaCloud" }).azure;
  assert.deepEqual(
    [china.authorityHost, china.armEndpoint, china.audience],
    ["https://login.chinacloudapi.cn", "https://management.chinacloudapi.cn", "api://AzureADTokenExchangeChina"],
  );
});

test("authority-host, arm-endpoint and audience overrides", () => {
  const azure = settingsWith({
    "authority-host": "https://localhost:8443/",
    "arm-endpoint": "https://127.0.0.1:9443",
    audience: "api://custom",
  }).azure;
  assert.deepEqual(
    [azure.authorityHost, azure.armEndpoint, azure.audience, azure.customAuthority],
    ["https://localhost:8443", "https://127.0.0.1:9443", "api://custom", true],
  );
});

test("paths are normalised", () => {
  const path = (p: string) => settingsWith({ path: p }).flux.kustomizations[0]?.path;
  assert.equal(path("./clusters//prod/"), "clusters/prod");
  assert.equal(path("clusters/./prod"), "clusters/prod");
  assert.equal(path("."), "");
  assert.equal(path("./"), "");
});

test("kustomizations YAML becomes ordered kustomizations", () => {
  const kustomizations = [
    "infra:",
    "  path: ./infrastructure",
    "  prune: true",
    "  timeout: 5m",
    "apps:",
    "  path: apps/prod",
    "  dependsOn: [infra]",
    "  force: true",
    "  wait: false",
    "  syncInterval: 1h30m",
    "  retryInterval: 2m",
    "  postBuild:",
    '    substitute: {cluster_env: prod, replicas: "3"}',
    "    substituteFrom:",
    "      - {kind: ConfigMap, name: cluster-vars}",
    "      - {kind: Secret, name: cluster-secrets, optional: true}",
  ].join("\n");
  const { flux } = settingsWith({ path: "", kustomizations });
  assert.deepEqual(flux.kustomizations, [
    {
      name: "infra",
      path: "infrastructure",
      dependsOn: [],
      prune: true,
      force: false,
      wait: true,
      timeoutSeconds: 300,
      syncIntervalSeconds: undefined,
      retryIntervalSeconds: undefined,
      postBuild: undefined,
    },
    {
      name: "apps",
      path: "apps/prod",
      dependsOn: ["infra"],
      prune: false,
      force: true,
      wait: false,
      timeoutSeconds: undefined,
      syncIntervalSeconds: 5400,
      retryIntervalSeconds: 120,
      postBuild: {
        substitute: { cluster_env: "prod", replicas: "3" },
        substituteFrom: [
          { kind: "ConfigMap", name: "cluster-vars" },
          { kind: "Secret", name: "cluster-secrets", optional: true },
        ],
      },
    },
  ]);
});

test("git references", () => {
  const sha = "0123456789abcdef0123456789abcdef01234567";
  assert.deepEqual(settingsWith({ branch: "release/v2" }).git.ref, { kind: "branch", branch: "release/v2" });
  assert.deepEqual(settingsWith({ tag: "v1.2.3" }).git.ref, { kind: "tag", tag: "v1.2.3" });
  assert.deepEqual(settingsWith({ semver: ">=1.0.0 <2.0.0" }).git.ref, { kind: "semver", semver: ">=1.0.0 <2.0.0" });
  assert.deepEqual(settingsWith({ commit: sha.toUpperCase(), branch: "main" }).git.ref, { kind: "commit", commit: sha, branch: "main" });
  assert.deepEqual(settingsWith({ commit: sha }).git.ref, { kind: "commit", commit: sha, branch: undefined });
});

test("durations, fingerprints, known hosts, extension settings and the sealed secret", () => {
  const settings = settingsWith({
    "sync-interval": "1h30m",
    "fetch-timeout": "90s",
    "wait-timeout": "2h",
    "max-key-age": "30d",
    "ssh-host-fingerprints": `${FINGERPRINT},\nSHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM`,
    "known-hosts": "# GHES\nghe.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n",
    "extension-settings": "image-automation-controller.enabled=true\nsource-controller.args=--a=b\n",
    "extension-version": "1.14.2",
    "private-key-secret": "FLUX_DEPLOY_KEY",
    "secret-environment": "production",
  });
  assert.deepEqual(
    [settings.flux.syncIntervalSeconds, settings.flux.timeoutSeconds, settings.waitTimeoutMs, settings.key.maxAgeMs],
    [5400, 90, 2 * 3_600_000, 30 * 86_400_000],
  );
  assert.deepEqual(settings.git.hostFingerprints, [FINGERPRINT, "SHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM"]);
  assert.equal(settings.git.knownHosts, "ghe.example.com ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl");
  assert.deepEqual(settings.extension.settings, { "image-automation-controller.enabled": "true", "source-controller.args": "--a=b" });
  assert.equal(settings.extension.version, "1.14.2");
  assert.deepEqual(settings.privateKeySecret, { name: "FLUX_DEPLOY_KEY", environment: "production" });
});

// [what, `with:` overrides, Flux configuration fetch timeout in seconds, warnings]
const FETCH_TIMEOUTS: readonly (readonly [string, Record<string, string>, number | undefined, readonly RegExp[]])[] = [
  ["neither set: the Azure default", {}, undefined, []],
  ["fetch-timeout", { "fetch-timeout": "2m" }, 120, []],
  // `timeout`, its name before 0.1.0 was released, is gone: the runner warns about an unexpected input, nothing reads it.
  ["timeout, the name before the first release: not read", { timeout: "90s" }, undefined, []],
];

for (const [what, overrides, seconds, warnings] of FETCH_TIMEOUTS) {
  test(`fetch timeout: ${what}`, () => {
    const settings = settingsWith(overrides);
    assert.equal(settings.flux.timeoutSeconds, seconds);
    assert.equal(settings.warnings.length, warnings.length, settings.warnings.join("\n"));
    warnings.forEach((pattern, i) => assert.match(settings.warnings[i] ?? "", pattern));
  });
}

test("read-write and secret-looking extension settings produce warnings, not errors", () => {
  const { warnings } = settingsWith({ "read-write": "true", "extension-settings": "notification.token=abc" });
  assert.equal(warnings.length, 2);
  assert.match(warnings[0] ?? "", /extension-settings: 'notification.token' looks like a secret/);
  assert.match(warnings[1] ?? "", /^read-write: the deploy key gets write access to octo-org\/fleet-config/);
});

test("readInput matches @actions/core getInput, and getSettings reads process.env by default", () => {
  const env = runnerEnv({ ...WITH, "cluster-name": "  aks-prod-1  " });
  const saved = { ...process.env };
  try {
    Object.assign(process.env, env);
    for (const name of Object.keys(DEFAULTS).concat(Object.keys(WITH))) {
      assert.equal(readInput(process.env, name), core.getInput(name), name);
    }
    assert.equal(getSettings().cluster.name, "aks-prod-1");
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
});

test("durations: Flux syntax, units, ranges", () => {
  const rule = { minMs: 0, maxMs: Number.MAX_SAFE_INTEGER };
  assert.deepEqual(parseDuration("1h30m", rule), { ok: true, ms: 5_400_000 });
  assert.deepEqual(parseDuration("1.5h", rule), { ok: true, ms: 5_400_000 });
  assert.deepEqual(parseDuration("250ms", rule), { ok: true, ms: 250 });
  assert.deepEqual(parseDuration("2d", { ...rule, days: true }), { ok: true, ms: 172_800_000 });
  assert.equal(parseDuration("2d", rule).ok, false);
  assert.equal(parseDuration("1h 30m", rule).ok, false);
  assert.equal(parseDuration("-5m", rule).ok, false);
  assert.deepEqual(
    [formatDuration(90_000), formatDuration(86_400_000), formatDuration(86_400_000, true), formatDuration(0)],
    ["1m30s", "24h", "1d", "0s"],
  );
});
