// Turns the action's inputs (env INPUT_*, as the runner passes them) into one validated Settings object.
// Everything is checked before any network call; every problem is collected and reported at once,
// each naming the input, what is wrong and how to fix it. Defaults live in action.yml only: the runner
// applies them, so an input that has a default is never empty here unless the workflow set it empty.
import { isIP } from "node:net";
import { parse as parseYaml } from "yaml";
import { ActionError } from "./errors.ts";
import { parseDuration } from "./durations.ts";
import type { DurationRule } from "./durations.ts";
import type {
  AzureCloudName, ClusterType, GitRef, KeyType, Kustomization, Mode, PodIdentityCheck, PostBuild, Settings,
} from "./settings.ts";

const MODES: readonly Mode[] = ["apply", "rotate", "destroy", "plan"];
const CLUSTER_TYPES: readonly ClusterType[] = ["managedClusters", "connectedClusters"];
const KEY_TYPES: readonly KeyType[] = ["ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-4096"];
const POD_IDENTITY_CHECKS: readonly PodIdentityCheck[] = ["fail", "warn", "off"];
const SCOPES: readonly ("cluster" | "namespace")[] = ["cluster", "namespace"];

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

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const SYNC_INTERVAL: DurationRule = { minMs: 30 * SECOND, maxMs: DAY, wholeSeconds: true };
const FETCH_TIMEOUT: DurationRule = { minMs: 10 * SECOND, maxMs: DAY, wholeSeconds: true };
const KUSTOMIZATION_DURATION: DurationRule = { minMs: 10 * SECOND, maxMs: DAY, wholeSeconds: true };
const WAIT_TIMEOUT: DurationRule = { minMs: 30 * SECOND, maxMs: 6 * HOUR };
const MAX_KEY_AGE: DurationRule = { minMs: DAY, maxMs: 365 * DAY, days: true };

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const CONFIGURATION_NAME = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
const RESOURCE_GROUP = /^[-\w.()\p{L}\p{N}]+$/u;
const CLUSTER_NAME = /^[A-Za-z0-9]([-_A-Za-z0-9]*[A-Za-z0-9])?$/;
const GITHUB_OWNER = /^[A-Za-z0-9][-_A-Za-z0-9]{0,38}$/;
const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;
const COMMIT = /^([0-9a-f]{40}|[0-9a-f]{64})$/i;
const SEMVER_RANGE = /^[-0-9A-Za-z.*^~<>=!|,+ ]+$/;
const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;
const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;
const SUBSTITUTE_VAR = /^[_a-zA-Z][_a-zA-Z0-9]*$/;
const KNOWN_HOST_KEY_TYPES = new Set([
  "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com", "sk-ecdsa-sha2-nistp256@openssh.com",
]);
const KUSTOMIZATION_KEYS = ["path", "dependsOn", "prune", "force", "wait", "timeout", "syncInterval", "retryInterval", "postBuild"];

/** Collects problems (errors) and warnings while the inputs are read. */
interface Report {
  problem(input: string, message: string): void;
  warn(message: string): void;
}

/** Reads one input exactly as @actions/core getInput does: env INPUT_<NAME> (spaces to '_', upper-cased; dashes kept), trimmed. */
export function readInput(env: NodeJS.ProcessEnv, name: string): string {
  return (env[`INPUT_${name.replace(/ /g, "_").toUpperCase()}`] ?? "").trim();
}

/**
 * Reads and validates every input. Throws an ActionError("invalid-input") listing every problem at once.
 * `settings.warnings` holds non-fatal advice; the caller logs each with core.warning.
 */
export function getSettings(env: NodeJS.ProcessEnv = process.env): Settings {
  const problems: string[] = [];
  const warnings: string[] = [];
  const report: Report = {
    problem: (input, message) => problems.push(`${input}: ${message}`),
    warn: (message) => warnings.push(message),
  };
  const input = (name: string): string => readInput(env, name);
  const bool = (name: string): boolean => readBoolean(report, name, input(name));
  const oneOf = <T extends string>(name: string, allowed: readonly T[]): T => readEnum(report, name, input(name), allowed);

  const settings: Settings = {
    mode: oneOf("mode", MODES),
    cluster: readCluster(report, input, oneOf, env),
    azure: readAzure(report, input, bool, oneOf, env),
    git: readGit(report, input, env),
    key: {
      type: oneOf("key-type", KEY_TYPES),
      readWrite: bool("read-write"),
      maxAgeMs: readDuration(report, "max-key-age", input("max-key-age"), MAX_KEY_AGE),
    },
    extension: {
      name: readPattern(report, "extension-name", input("extension-name"), DNS_LABEL, 63, "Extension names use lowercase letters, digits and '-', up to 63 characters, starting and ending with a letter or digit"),
      releaseTrain: readPattern(report, "release-train", input("release-train"), /^[A-Za-z][A-Za-z0-9-]*$/, 64, "Use a release train such as Stable or Preview"),
      version: readVersion(report, input("extension-version")),
      settings: readExtensionSettings(report, input("extension-settings")),
      remove: bool("remove-extension"),
      podIdentityCheck: oneOf("pod-identity-check", POD_IDENTITY_CHECKS),
    },
    flux: readFlux(report, input, bool, oneOf),
    wait: bool("wait"),
    waitTimeoutMs: readDuration(report, "wait-timeout", input("wait-timeout"), WAIT_TIMEOUT, true) ?? 0,
    privateKeySecret: readSealedSecret(report, input("private-key-secret"), input("secret-environment")),
    warnings,
  };
  if (settings.key.readWrite) {
    report.warn(`read-write: the deploy key gets write access to ${settings.git.owner}/${settings.git.repo}. Flux only reads; keep read-write: false unless image automation must push commits.`);
  }
  if (problems.length > 0) {
    throw new ActionError("invalid-input", {
      title: "Invalid inputs",
      message: `${problems.length} input problem${problems.length === 1 ? "" : "s"}; fix them in the workflow's \`with:\` block:\n${problems.map((p) => `  - ${p}`).join("\n")}`,
    });
  }
  return settings;
}

type Input = (name: string) => string;
type OneOf = <T extends string>(name: string, allowed: readonly T[]) => T;

function readCluster(report: Report, input: Input, oneOf: OneOf, env: NodeJS.ProcessEnv): Settings["cluster"] {
  return {
    subscriptionId: readGuid(report, "subscription-id", input("subscription-id") || (env.AZURE_SUBSCRIPTION_ID ?? "").trim(), "AZURE_SUBSCRIPTION_ID", "the subscription's ID (az account show --query id -o tsv)"),
    resourceGroup: readPattern(report, "resource-group", input("resource-group"), RESOURCE_GROUP, 90, "Resource group names use letters, digits, '_', '-', '.', '(' and ')', up to 90 characters, not ending in '.'", (v) => v.endsWith(".")),
    name: readPattern(report, "cluster-name", input("cluster-name"), CLUSTER_NAME, 63, "Cluster names use letters, digits, '-' and '_', up to 63 characters, starting and ending with a letter or digit"),
    type: oneOf("cluster-type", CLUSTER_TYPES),
  };
}

function readAzure(report: Report, input: Input, bool: (name: string) => boolean, oneOf: OneOf, env: NodeJS.ProcessEnv): Settings["azure"] {
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

function readBoolean(report: Report, name: string, value: string): boolean {
  if (["true", "True", "TRUE"].includes(value)) return true;
  if (["false", "False", "FALSE"].includes(value)) return false;
  report.problem(name, `${value === "" ? "missing" : `'${value}' is not a boolean`}. Use true or false.`);
  return false;
}

function readEnum<T extends string>(report: Report, name: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  report.problem(name, `${value === "" ? "missing" : `'${value}' is not allowed`}. Use one of: ${allowed.join(", ")}.`);
  return allowed[0] as T;
}

function readGuid(report: Report, name: string, value: string, envName: string, what: string): string {
  if (value === "") report.problem(name, `missing. Set ${name} (or env ${envName}) to ${what}.`);
  else if (!GUID.test(value)) report.problem(name, `'${value}' is not a GUID. Use ${what}.`);
  return value.toLowerCase();
}

function readPattern(
  report: Report, name: string, value: string, pattern: RegExp, maxLength: number, rule: string,
  alsoBad: (value: string) => boolean = () => false,
): string {
  if (value === "") report.problem(name, `missing. ${rule}.`);
  else if (value.length > maxLength) report.problem(name, `'${value}' is ${value.length} characters, over the limit of ${maxLength}. ${rule}.`);
  else if (!pattern.test(value) || alsoBad(value)) report.problem(name, `'${value}' is not a valid name. ${rule}.`);
  return value;
}

function readDuration(report: Report, name: string, value: string, rule: DurationRule, required = false): number | undefined {
  if (value === "") {
    if (required) report.problem(name, "missing. Use a duration such as 15m.");
    return undefined;
  }
  const result = parseDuration(value, rule);
  if (result.ok) return result.ms;
  report.problem(name, result.problem);
  return undefined;
}

function readSeconds(report: Report, name: string, value: string, rule: DurationRule): number | undefined {
  const ms = readDuration(report, name, value, rule);
  return ms === undefined ? undefined : ms / SECOND;
}

/** An https origin such as https://login.microsoftonline.com (a trailing '/' is dropped); undefined when empty. */
function readOrigin(report: Report, name: string, value: string): string | undefined {
  if (value === "") return undefined;
  const url = parseUrl(value);
  if (url === undefined || url.protocol !== "https:") {
    report.problem(name, `'${value}' is not an https URL. Use an https origin such as https://login.example.com.`);
  } else if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    report.problem(name, `'${value}' has a path, query or credentials. Use only the origin, e.g. ${url.origin}.`);
  } else {
    return url.origin;
  }
  return undefined;
}

function parseUrl(value: string): URL | undefined {
  try {
    return new URL(value);
  } catch {
    return undefined;
  }
}

function readVersion(report: Report, value: string): string | undefined {
  if (value === "") return undefined;
  if (!VERSION.test(value)) report.problem("extension-version", `'${value}' is not a version. Use a released version such as 1.14.2 (az k8s-extension extension-types list-versions-by-cluster).`);
  return value;
}

function readExtensionSettings(report: Report, text: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const line of text.split("\n").map((l) => l.trim()).filter((l) => l !== "")) {
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0 || !/^[A-Za-z0-9._-]+$/.test(key)) {
      report.problem("extension-settings", `'${line}' is not key=value with a key of letters, digits, '.', '_' and '-'. Write one setting per line, e.g. image-automation-controller.enabled=true.`);
    } else if (Object.hasOwn(settings, key)) {
      report.problem("extension-settings", `'${key}' is set twice. Keep one line per key.`);
    } else {
      settings[key] = line.slice(eq + 1).trim();
      if (/password|secret|token|private/i.test(key)) {
        report.warn(`extension-settings: '${key}' looks like a secret, but configuration settings are readable by anyone who can read the extension. Keep secrets out of extension-settings.`);
      }
    }
  }
  return settings;
}

function readSealedSecret(report: Report, name: string, environment: string): Settings["privateKeySecret"] {
  if (name === "") {
    if (environment !== "") report.problem("secret-environment", "is set but private-key-secret is empty. Set private-key-secret to the secret's name, or remove secret-environment.");
    return undefined;
  }
  if (!SECRET_NAME.test(name) || name.startsWith("GITHUB_")) {
    report.problem("private-key-secret", `'${name}' is not a usable secret name. Use uppercase letters, digits and '_', not starting with a digit or GITHUB_, e.g. FLUX_DEPLOY_KEY.`);
  }
  if (environment.length > 255 || /[\x00-\x1f\x7f]/.test(environment)) {
    report.problem("secret-environment", "is not a valid environment name. Use the name of an environment of the configuration repository (up to 255 characters).");
  }
  return { name, environment: environment === "" ? undefined : environment };
}

// ---------------------------------------------------------------- git: repository, ref, GitHub and SSH

function readGit(report: Report, input: Input, env: NodeJS.ProcessEnv): Settings["git"] {
  const repository = input("repository") || (env.GITHUB_REPOSITORY ?? "").trim();
  const target = readRepository(report, repository);
  const ref = readRef(report, input);
  const sshHostInput = input("ssh-host");
  let ssh = sshHostInput === "" ? undefined : readHostPort(report, "ssh-host", sshHostInput);
  if (target.ssh !== undefined) {
    if (ssh !== undefined && (ssh.host !== target.ssh.host || ssh.port !== target.ssh.port)) {
      report.problem("ssh-host", `'${sshHostInput}' disagrees with the host in repository '${repository}'. Remove ssh-host or make both name the same host and port.`);
    }
    ssh = target.ssh;
  }
  ssh ??= { host: serverHost(report, env), port: 22 };
  const token = input("github-token");
  if (token === "") {
    report.problem("github-token", "missing. It needs a GitHub App installation token or fine-grained PAT with Administration: write; the workflow's GITHUB_TOKEN cannot manage deploy keys.");
  }
  const knownHosts = readKnownHosts(report, input("known-hosts"));
  return {
    owner: target.owner,
    repo: target.repo,
    ref,
    githubToken: token,
    githubApiUrl: readApiUrl(report, input("github-api-url") || (env.GITHUB_API_URL ?? "").trim() || "https://api.github.com"),
    sshHost: ssh.host,
    sshPort: ssh.port,
    hostFingerprints: readFingerprints(report, input("ssh-host-fingerprints")),
    knownHosts: knownHosts === "" ? undefined : knownHosts,
  };
}

interface Target { owner: string; repo: string; ssh: { host: string; port: number } | undefined }

function readRepository(report: Report, value: string): Target {
  const fail = (message: string): Target => {
    report.problem("repository", message);
    return { owner: "", repo: "", ssh: undefined };
  };
  if (value === "") return fail("missing and env GITHUB_REPOSITORY is not set. Set repository: owner/name.");
  if (/^https?:\/\//i.test(value)) return fail(`'${value}' is an HTTPS URL. Flux clones over SSH with the deploy key: use owner/name or ssh://git@host/owner/name.`);
  const scp = /^([^@/:]+)@([^:/]+):(?!\/)(.*)$/.exec(value);
  const url = /^ssh:\/\/(?:([^@/]+)@)?([^/]+)\/(.*)$/i.exec(value);
  let ssh: Target["ssh"];
  let path = value;
  if (scp !== null || url !== null) {
    const [, user, hostPort, rest] = (scp ?? url) as RegExpExecArray;
    if (user !== "git") return fail(`'${value}' must connect as user git (deploy keys authenticate as git), e.g. git@github.com:owner/name.`);
    if (scp !== null && /^\d+\//.test(rest ?? "")) {
      return fail(`'${value}' puts a port in an scp-style address, where it reads as a folder. Use ssh://git@${hostPort}:${(rest ?? "").split("/")[0]}/owner/name.`);
    }
    const parsed = readHostPort(report, "repository", hostPort ?? "");
    if (parsed === undefined) return { owner: "", repo: "", ssh: undefined };
    ssh = parsed;
    path = (rest ?? "").replace(/\.git$/, "");
  } else if (value.includes("@") || value.includes("://")) {
    return fail(`'${value}' is not a repository. Use owner/name, git@host:owner/name or ssh://git@host[:port]/owner/name.`);
  }
  const parts = path.split("/");
  if (parts.length !== 2) return fail(`'${value}' must be exactly owner/name (one '/'), e.g. octo-org/fleet-config.`);
  const [owner = "", repo = ""] = parts;
  if (!GITHUB_OWNER.test(owner)) return fail(`'${value}' has an invalid owner '${owner}'. GitHub owners use letters, digits and '-' (up to 39 characters).`);
  if (!GITHUB_REPO.test(repo) || repo === "." || repo === "..") {
    return fail(`'${value}' has an invalid repository name '${repo}'. GitHub repository names use letters, digits, '.', '_' and '-' (up to 100 characters).`);
  }
  return { owner, repo, ssh };
}

/** `host` or `host:port` (IPv6 in brackets). */
function readHostPort(report: Report, name: string, value: string): { host: string; port: number } | undefined {
  if (value.includes("@")) {
    report.problem(name, `'${value}' includes a user. Give only the host (and port); the action always connects as git.`);
    return undefined;
  }
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d*))?$/.exec(value);
  const host = match?.[1] ?? match?.[2] ?? "";
  const portText = match?.[3];
  if (match === null || !(DNS_NAME.test(host) || isIP(host) !== 0)) {
    report.problem(name, `'${value}' does not name a host. Use a DNS name or IP address, optionally with :port, e.g. ghe.example.com:2222.`);
    return undefined;
  }
  if (portText === undefined) return { host, port: 22 };
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
    report.problem(name, `'${value}' has an invalid port '${portText}'. Use a port from 1 to 65535.`);
    return undefined;
  }
  return { host, port };
}

function serverHost(report: Report, env: NodeJS.ProcessEnv): string {
  const server = (env.GITHUB_SERVER_URL ?? "").trim();
  if (server === "") return "github.com";
  const url = parseUrl(server);
  if (url === undefined || url.hostname === "") {
    report.problem("ssh-host", `empty and env GITHUB_SERVER_URL '${server}' is not a URL. Set ssh-host, e.g. github.com.`);
    return "";
  }
  return url.hostname;
}

function readApiUrl(report: Report, value: string): string {
  const url = parseUrl(value);
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.username !== "") {
    report.problem("github-api-url", `'${value}' is not an http(s) URL. Use https://api.github.com or, for GitHub Enterprise Server, https://HOST/api/v3.`);
    return value;
  }
  return url.href.replace(/\/+$/, "");
}

function readFingerprints(report: Report, text: string): string[] {
  const fingerprints = text.split(/[\n,]/).map((f) => f.trim()).filter((f) => f !== "");
  for (const fingerprint of fingerprints) {
    if (!FINGERPRINT.test(fingerprint)) {
      report.problem("ssh-host-fingerprints", `'${fingerprint}' is not a SHA256 fingerprint. Use SHA256: followed by 43 base64 characters, as printed by ssh-keygen -lf.`);
    }
  }
  return fingerprints;
}

function readKnownHosts(report: Report, text: string): string {
  const lines = text.split("\n").map((l) => l.trim()).filter((l) => l !== "" && !l.startsWith("#"));
  for (const line of lines) {
    const fields = line.split(/\s+/);
    const [, type, key] = fields[0]?.startsWith("@") === true ? fields.slice(1) : fields;
    if (type === undefined || !KNOWN_HOST_KEY_TYPES.has(type) || key === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
      report.problem("known-hosts", `'${line}' is not a known_hosts line. Use 'host keytype base64key', e.g. the output of ssh-keyscan.`);
    }
  }
  return lines.join("\n");
}

function readRef(report: Report, input: Input): GitRef {
  const branch = input("branch");
  const tag = input("tag");
  const semver = input("semver");
  const commit = input("commit");
  const given = [["branch", branch], ["tag", tag], ["semver", semver]].filter(([, v]) => v !== "").map(([n]) => n);
  if (given.length > 1) report.problem(given.join("/"), `${given.join(" and ")} are set together. Use at most one of branch, tag, semver (commit may come with branch).`);
  if (branch !== "") checkRefName(report, "branch", branch);
  if (tag !== "") checkRefName(report, "tag", tag);
  if (semver !== "" && (!SEMVER_RANGE.test(semver) || !/[0-9xX*]/.test(semver))) {
    report.problem("semver", `'${semver}' is not a semver range. Use a range such as '>=1.0.0 <2.0.0' or '~1.2'.`);
  }
  if (commit !== "") {
    if (!COMMIT.test(commit)) report.problem("commit", `'${commit}' is not a full commit SHA. Use all 40 (or 64) hex digits, e.g. from git rev-parse HEAD.`);
    if (tag !== "" || semver !== "") report.problem("commit", "cannot be combined with tag or semver. Pin a commit with an optional branch only.");
    return { kind: "commit", commit: commit.toLowerCase(), branch: branch === "" ? undefined : branch };
  }
  if (tag !== "") return { kind: "tag", tag };
  if (semver !== "") return { kind: "semver", semver };
  return { kind: "branch", branch: branch === "" ? undefined : branch };
}

/** The rules of git check-ref-format for one branch or tag name. */
function checkRefName(report: Report, name: string, value: string): void {
  const reasons: string[] = [];
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(value)) reasons.push("contains a space, control character or one of ~ ^ : ? * [ \\");
  if (value.includes("..")) reasons.push("contains '..'");
  if (value.includes("@{") || value === "@") reasons.push("contains '@{' or is '@'");
  if (value.startsWith("/") || value.endsWith("/") || value.includes("//")) reasons.push("starts or ends with '/' or contains '//'");
  if (value.startsWith("-")) reasons.push("starts with '-'");
  if (value.endsWith(".")) reasons.push("ends with '.'");
  if (value.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock"))) reasons.push("has a part starting with '.' or ending with '.lock'");
  if (value.startsWith("refs/")) reasons.push(`starts with 'refs/'; give the short name`);
  if (reasons.length > 0) report.problem(name, `'${value}' is not a valid git ${name} name: it ${reasons.join("; ")}.`);
}

// ---------------------------------------------------------------- Flux configuration and kustomizations

function readFlux(report: Report, input: Input, bool: (name: string) => boolean, oneOf: OneOf): Settings["flux"] {
  const name = readPattern(report, "configuration-name", input("configuration-name"), CONFIGURATION_NAME, 63, "Use lowercase letters, digits, '-' and '.', up to 63 characters, starting and ending with a letter or digit");
  return {
    name,
    namespace: readPattern(report, "namespace", input("namespace"), DNS_LABEL, 63, "Namespaces are DNS-1123 labels: lowercase letters, digits and '-', up to 63 characters, starting and ending with a letter or digit"),
    scope: oneOf("scope", SCOPES),
    kustomizations: readKustomizations(report, input("path"), input("kustomizations"), name),
    syncIntervalSeconds: readSeconds(report, "sync-interval", input("sync-interval"), SYNC_INTERVAL),
    timeoutSeconds: readSeconds(report, "timeout", input("timeout"), FETCH_TIMEOUT),
    suspend: bool("suspend"),
    forceDelete: bool("force-delete"),
  };
}

/** A repository path: relative, '/'-separated, without '.' parts; "" is the root. `problem` when absolute or with '..'. */
export function normaliseRepoPath(value: string): { path: string } | { problem: string } {
  if (/[\x00-\x1f\x7f]/.test(value)) return { problem: "contains a control character" };
  if (value.includes("\\")) return { problem: `'${value}' contains '\\'. Use '/' between folders` };
  if (value.startsWith("/") || /^[A-Za-z]:/.test(value)) return { problem: `'${value}' is absolute. Use a path relative to the repository root, e.g. clusters/prod` };
  const parts = value.split("/").filter((part) => part !== "" && part !== ".");
  if (parts.includes("..")) return { problem: `'${value}' contains '..'. Use a path inside the repository, relative to its root` };
  return { path: parts.join("/") };
}

function readKustomizations(report: Report, path: string, yaml: string, configurationName: string): Kustomization[] {
  if (path !== "" && yaml !== "") {
    report.problem("path", "and kustomizations are both set. Use path for one kustomization, or kustomizations for several, not both.");
    return [];
  }
  if (path !== "") {
    const normalised = normaliseRepoPath(path);
    if ("problem" in normalised) {
      report.problem("path", `${normalised.problem}.`);
      return [];
    }
    return [{ ...kustomizationDefaults("cluster", normalised.path), prune: true }];
  }
  if (yaml === "") {
    report.problem("path", "missing. Set path: clusters/<name> (the folder Flux applies), or kustomizations for several.");
    return [];
  }
  let document: unknown;
  try {
    document = parseYaml(yaml);
  } catch (error) {
    report.problem("kustomizations", `is not valid YAML (${firstLine(error)}). Write a map of name to settings, e.g. 'infra: {path: infra}'.`);
    return [];
  }
  if (!isMap(document)) {
    report.problem("kustomizations", `is a ${describe(document)}, not a map. Write a map of name to settings, e.g. 'apps: {path: apps, dependsOn: [infra]}'.`);
    return [];
  }
  const names = Object.keys(document);
  const result = names.map((name) => readKustomization(report, name, document[name], names, configurationName));
  const cycle = findCycle(result);
  if (cycle !== undefined) report.problem("kustomizations", `dependsOn forms a cycle: ${cycle.join(" -> ")}. Remove one of these dependencies.`);
  return result;
}

function kustomizationDefaults(name: string, path: string): Kustomization {
  return {
    name, path, dependsOn: [], prune: false, force: false, wait: true,
    timeoutSeconds: undefined, syncIntervalSeconds: undefined, retryIntervalSeconds: undefined, postBuild: undefined,
  };
}

function readKustomization(report: Report, name: string, value: unknown, names: readonly string[], configurationName: string): Kustomization {
  const where = `kustomizations.${name}`;
  const problem = (message: string): void => report.problem(where, message);
  if (!DNS_LABEL.test(name)) problem(`'${name}' is not a valid kustomization name. Use lowercase letters, digits and '-', starting and ending with a letter or digit.`);
  else if (configurationName.length + 1 + name.length > 63) {
    problem(`'${configurationName}-${name}' is over 63 characters. Shorten the kustomization name to ${Math.max(0, 62 - configurationName.length)} characters or the configuration-name.`);
  }
  if (!isMap(value)) {
    problem(`is a ${describe(value)}, not a map. Give its settings, e.g. '${name}: {path: ${name}}'.`);
    return kustomizationDefaults(name, "");
  }
  for (const key of Object.keys(value).filter((k) => !KUSTOMIZATION_KEYS.includes(k))) {
    problem(`unknown key '${key}'. Allowed keys: ${KUSTOMIZATION_KEYS.join(", ")}.`);
  }
  const text = (key: string): string => {
    const v = value[key];
    if (v === undefined || v === null) return "";
    if (typeof v === "string" || typeof v === "number") return String(v);
    problem(`${key} must be a string, not a ${describe(v)}.`);
    return "";
  };
  const flag = (key: string, fallback: boolean): boolean => {
    const v = value[key];
    if (v === undefined || v === null) return fallback;
    if (typeof v === "boolean") return v;
    problem(`${key} must be true or false, not '${String(v)}'.`);
    return fallback;
  };
  const seconds = (key: string): number | undefined => readSeconds(report, `${where}.${key}`, text(key), KUSTOMIZATION_DURATION);
  const path = normaliseRepoPath(text("path"));
  if ("problem" in path) problem(`path ${path.problem}.`);
  return {
    name,
    path: "path" in path ? path.path : "",
    dependsOn: readDependsOn(problem, name, value.dependsOn, names),
    prune: flag("prune", false),
    force: flag("force", false),
    wait: flag("wait", true),
    timeoutSeconds: seconds("timeout"),
    syncIntervalSeconds: seconds("syncInterval"),
    retryIntervalSeconds: seconds("retryInterval"),
    postBuild: value.postBuild === undefined ? undefined : readPostBuild(problem, value.postBuild),
  };
}

function readDependsOn(problem: (m: string) => void, name: string, value: unknown, names: readonly string[]): string[] {
  if (value === undefined || value === null) return [];
  const list: unknown[] = Array.isArray(value) ? value : [value];
  const dependsOn = list.filter((v): v is string => typeof v === "string");
  if (!Array.isArray(value) || dependsOn.length !== list.length) {
    problem("dependsOn must be a list of kustomization names, e.g. dependsOn: [infra].");
    return [];
  }
  for (const dependency of dependsOn) {
    if (dependency === name) problem(`dependsOn lists '${name}' itself. Remove it.`);
    else if (!names.includes(dependency)) problem(`dependsOn names '${dependency}', which is not in kustomizations. Use one of: ${names.filter((n) => n !== name).join(", ") || "(no others)"}.`);
  }
  return dependsOn;
}

function readPostBuild(problem: (m: string) => void, value: unknown): PostBuild | undefined {
  if (!isMap(value)) {
    problem(`postBuild is a ${describe(value)}, not a map. Use postBuild: {substitute: {key: value}, substituteFrom: [{kind: ConfigMap, name: vars}]}.`);
    return undefined;
  }
  for (const key of Object.keys(value).filter((k) => k !== "substitute" && k !== "substituteFrom")) {
    problem(`postBuild has unknown key '${key}'. Allowed keys: substitute, substituteFrom.`);
  }
  let substitute: Record<string, string> | undefined;
  if (value.substitute !== undefined) {
    if (!isMap(value.substitute)) problem("postBuild.substitute must be a map of variable name to string.");
    else {
      substitute = {};
      for (const [key, v] of Object.entries(value.substitute)) {
        if (!SUBSTITUTE_VAR.test(key)) problem(`postBuild.substitute key '${key}' is not a variable name. Use letters, digits and '_', not starting with a digit.`);
        if (typeof v !== "string") problem(`postBuild.substitute.${key} is a ${describe(v)}. Quote it to make it a string, e.g. '${key}: "${String(v)}"'.`);
        else substitute[key] = v;
      }
    }
  }
  return { substitute, substituteFrom: value.substituteFrom === undefined ? undefined : readSubstituteFrom(problem, value.substituteFrom) };
}

function readSubstituteFrom(problem: (m: string) => void, value: unknown): NonNullable<PostBuild["substituteFrom"]> {
  if (!Array.isArray(value)) {
    problem("postBuild.substituteFrom must be a list, e.g. [{kind: ConfigMap, name: cluster-vars}].");
    return [];
  }
  return (value as unknown[]).flatMap((item: unknown, index) => {
    const at = `postBuild.substituteFrom[${index}]`;
    if (!isMap(item)) {
      problem(`${at} is a ${describe(item)}, not a map with kind and name.`);
      return [];
    }
    for (const key of Object.keys(item).filter((k) => !["kind", "name", "optional"].includes(k))) {
      problem(`${at} has unknown key '${key}'. Allowed keys: kind, name, optional.`);
    }
    const { kind, name, optional } = item;
    if (kind !== "ConfigMap" && kind !== "Secret") problem(`${at}.kind '${String(kind)}' is not allowed. Use ConfigMap or Secret.`);
    if (typeof name !== "string" || !/^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/.test(name) || name.length > 253) {
      problem(`${at}.name '${String(name)}' is not a Kubernetes object name. Use lowercase letters, digits, '-' and '.'.`);
    }
    if (optional !== undefined && typeof optional !== "boolean") problem(`${at}.optional must be true or false.`);
    return [{ kind: kind === "Secret" ? "Secret" : "ConfigMap", name: String(name), ...(optional === undefined ? {} : { optional: optional === true }) } as const];
  });
}

/** The first dependency cycle, as a list of names that starts and ends with the same name. */
function findCycle(kustomizations: readonly Kustomization[]): string[] | undefined {
  const byName = new Map(kustomizations.map((k) => [k.name, k.dependsOn]));
  const done = new Set<string>();
  const visit = (name: string, stack: string[]): string[] | undefined => {
    if (stack.includes(name)) return [...stack.slice(stack.indexOf(name)), name];
    if (done.has(name)) return undefined;
    for (const dependency of byName.get(name) ?? []) {
      if (dependency === name) continue; // reported as "lists itself"
      const cycle = visit(dependency, [...stack, name]);
      if (cycle !== undefined) return cycle;
    }
    done.add(name);
    return undefined;
  };
  for (const { name } of kustomizations) {
    const cycle = visit(name, []);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function describe(value: unknown): string {
  if (value === null || value === undefined) return "empty value";
  if (Array.isArray(value)) return "list";
  return typeof value === "object" ? "map" : typeof value;
}

function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split("\n")[0] ?? "";
}
