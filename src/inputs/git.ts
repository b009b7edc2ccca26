// The git source: repository, ref, GitHub token and API, SSH host and the host keys to trust.
import { readHostPort, readRepository } from "./repository.ts";
import { checkRefName } from "./name-rules.ts";
import { parseUrl } from "./values.ts";
import type { Problems, Reader } from "./values.ts";
import type { GitRef, Settings } from "./settings.ts";

const COMMIT = /^([0-9a-f]{40}|[0-9a-f]{64})$/i;
const SEMVER_RANGE = /^[-0-9A-Za-z.*^~<>=!|,+ ]+$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;
const KNOWN_HOST_KEY_TYPES = new Set([
  "ssh-ed25519",
  "ssh-rsa",
  "ecdsa-sha2-nistp256",
  "ecdsa-sha2-nistp384",
  "ecdsa-sha2-nistp521",
  "sk-ssh-ed25519@openssh.com",
  "sk-ecdsa-sha2-nistp256@openssh.com",
]);

export function readGit(r: Reader): Settings["git"] {
  const problems: Problems = r;
  const repository = r.orEnv("repository", "GITHUB_REPOSITORY");
  const target = readRepository(problems, repository);
  const ref = readRef(r);
  const sshHostInput = r.text("ssh-host");
  let ssh = sshHostInput === "" ? undefined : readHostPort(problems, "ssh-host", sshHostInput);
  if (target.ssh !== undefined) {
    if (ssh !== undefined && (ssh.host !== target.ssh.host || ssh.port !== target.ssh.port)) {
      problems.problem(
        "ssh-host",
        `'${sshHostInput}' disagrees with the host in repository '${repository}'. Remove ssh-host or make both name the same host and port.`,
      );
    }
    ssh = target.ssh;
  }
  ssh ??= { host: serverHost(r, r.env("GITHUB_SERVER_URL")), port: 22 };
  const token = r.text("github-token");
  if (token === "") {
    problems.problem(
      "github-token",
      "missing. It needs a GitHub App installation token or fine-grained PAT with Administration: write; the workflow's GITHUB_TOKEN cannot manage deploy keys.",
    );
  }
  const knownHosts = readKnownHosts(problems, r.text("known-hosts"));
  return {
    owner: target.owner,
    repo: target.repo,
    fullName: `${target.owner}/${target.repo}`,
    ref,
    githubToken: token,
    githubApiUrl: readApiUrl(problems, r.orEnv("github-api-url", "GITHUB_API_URL") || "https://api.github.com"),
    sshHost: ssh.host,
    sshPort: ssh.port,
    hostFingerprints: readFingerprints(problems, r.text("ssh-host-fingerprints")),
    knownHosts: knownHosts === "" ? undefined : knownHosts,
  };
}

function serverHost(problems: Problems, server: string): string {
  if (server === "") return "github.com";
  const url = parseUrl(server);
  if (url === undefined || url.hostname === "") {
    problems.problem("ssh-host", `empty and env GITHUB_SERVER_URL '${server}' is not a URL. Set ssh-host, e.g. github.com.`);
    return "";
  }
  return url.hostname;
}

function readApiUrl(problems: Problems, value: string): string {
  const url = parseUrl(value);
  if (url === undefined || (url.protocol !== "https:" && url.protocol !== "http:") || url.search !== "" || url.username !== "") {
    problems.problem(
      "github-api-url",
      `'${value}' is not an http(s) URL. Use https://api.github.com or, for GitHub Enterprise Server, https://HOST/api/v3.`,
    );
    return value;
  }
  return url.href.replace(/\/+$/, "");
}

function readFingerprints(problems: Problems, text: string): string[] {
  const fingerprints = text
    .split(/[\n,]/)
    .map((f) => f.trim())
    .filter((f) => f !== "");
  for (const fingerprint of fingerprints) {
    if (!FINGERPRINT.test(fingerprint)) {
      problems.problem(
        "ssh-host-fingerprints",
        `'${fingerprint}' is not a SHA256 fingerprint. Use SHA256: followed by 43 base64 characters, as printed by ssh-keygen -lf.`,
      );
    }
  }
  return fingerprints;
}

function readKnownHosts(problems: Problems, text: string): string {
  const lines = text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "" && !l.startsWith("#"));
  for (const line of lines) {
    const fields = line.split(/\s+/);
    const [, type, key] = fields[0]?.startsWith("@") === true ? fields.slice(1) : fields;
    if (type === undefined || !KNOWN_HOST_KEY_TYPES.has(type) || key === undefined || !/^[A-Za-z0-9+/]+={0,2}$/.test(key)) {
      problems.problem("known-hosts", `'${line}' is not a known_hosts line. Use 'host keytype base64key', e.g. the output of ssh-keyscan.`);
    }
  }
  return lines.join("\n");
}

function readRef(r: Reader): GitRef {
  const problems: Problems = r;
  const branch = r.text("branch");
  const tag = r.text("tag");
  const semver = r.text("semver");
  const commit = r.text("commit");
  const given = [
    ["branch", branch],
    ["tag", tag],
    ["semver", semver],
  ]
    .filter(([, v]) => v !== "")
    .map(([n]) => n);
  if (given.length > 1)
    problems.problem(
      given.join("/"),
      `${given.join(" and ")} are set together. Use at most one of branch, tag, semver (commit may come with branch).`,
    );
  if (branch !== "") checkRefName(problems, "branch", branch);
  if (tag !== "") checkRefName(problems, "tag", tag);
  if (semver !== "" && (!SEMVER_RANGE.test(semver) || !/[0-9xX*]/.test(semver))) {
    problems.problem("semver", `'${semver}' is not a semver range. Use a range such as '>=1.0.0 <2.0.0' or '~1.2'.`);
  }
  if (commit !== "") {
    if (!COMMIT.test(commit))
      problems.problem("commit", `'${commit}' is not a full commit SHA. Use all 40 (or 64) hex digits, e.g. from git rev-parse HEAD.`);
    if (tag !== "" || semver !== "")
      problems.problem("commit", "cannot be combined with tag or semver. Pin a commit with an optional branch only.");
    return { kind: "commit", commit: commit.toLowerCase(), branch: branch === "" ? undefined : branch };
  }
  if (tag !== "") return { kind: "tag", tag };
  if (semver !== "") return { kind: "semver", semver };
  return { kind: "branch", branch: branch === "" ? undefined : branch };
}
