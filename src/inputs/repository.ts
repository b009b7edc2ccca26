// The repository input: owner/name, git@host:owner/name or ssh://git@host[:port]/owner/name, and host[:port].
import { isIP } from "node:net";
import { DNS_NAME, GITHUB_OWNER, GITHUB_REPO } from "./name-rules.ts";
import type { Problems } from "./values.ts";

interface Target {
  owner: string;
  repo: string;
  ssh: { host: string; port: number } | undefined;
}

export function readRepository(problems: Problems, value: string): Target {
  const fail = (message: string): Target => {
    problems.problem("repository", message);
    return { owner: "", repo: "", ssh: undefined };
  };
  if (value === "") return fail("missing and env GITHUB_REPOSITORY is not set. Set repository: owner/name.");
  if (/^https?:\/\//i.test(value))
    return fail(`'${value}' is an HTTPS URL. Flux clones over SSH with the deploy key: use owner/name or ssh://git@host/owner/name.`);
  const scp = /^([^@/:]+)@([^:/]+):(?!\/)(.*)$/.exec(value);
  const url = /^ssh:\/\/(?:([^@/]+)@)?([^/]+)\/(.*)$/i.exec(value);
  let ssh: Target["ssh"];
  let path = value;
  if (scp !== null || url !== null) {
    const [, user, hostPort, rest] = (scp ?? url) as RegExpExecArray;
    if (user !== "git")
      return fail(`'${value}' must connect as user git (deploy keys authenticate as git), e.g. git@github.com:owner/name.`);
    if (scp !== null && /^\d+\//.test(rest ?? "")) {
      return fail(
        `'${value}' puts a port in an scp-style address, where it reads as a folder. Use ssh://git@${hostPort}:${(rest ?? "").split("/")[0]}/owner/name.`,
      );
    }
    const parsed = readHostPort(problems, "repository", hostPort ?? "");
    if (parsed === undefined) return { owner: "", repo: "", ssh: undefined };
    ssh = parsed;
    path = (rest ?? "").replace(/\.git$/, "");
  } else if (value.includes("@") || value.includes("://")) {
    return fail(`'${value}' is not a repository. Use owner/name, git@host:owner/name or ssh://git@host[:port]/owner/name.`);
  }
  const parts = path.split("/");
  if (parts.length !== 2) return fail(`'${value}' must be exactly owner/name (one '/'), e.g. octo-org/fleet-config.`);
  const [owner = "", repo = ""] = parts;
  if (!GITHUB_OWNER.test(owner))
    return fail(`'${value}' has an invalid owner '${owner}'. GitHub owners use letters, digits and '-' (up to 39 characters).`);
  if (!GITHUB_REPO.test(repo) || repo === "." || repo === "..") {
    return fail(
      `'${value}' has an invalid repository name '${repo}'. GitHub repository names use letters, digits, '.', '_' and '-' (up to 100 characters).`,
    );
  }
  return { owner, repo, ssh };
}

/** `host` or `host:port` (IPv6 in brackets). */
export function readHostPort(problems: Problems, name: string, value: string): { host: string; port: number } | undefined {
  if (value.includes("@")) {
    problems.problem(name, `'${value}' includes a user. Give only the host (and port); the action always connects as git.`);
    return undefined;
  }
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([^:[\]]+))(?::(\d*))?$/.exec(value);
  const host = match?.[1] ?? match?.[2] ?? "";
  const portText = match?.[3];
  if (match === null || !(DNS_NAME.test(host) || isIP(host) !== 0)) {
    problems.problem(
      name,
      `'${value}' does not name a host. Use a DNS name or IP address, optionally with :port, e.g. ghe.example.com:2222.`,
    );
    return undefined;
  }
  if (portText === undefined) return { host, port: 22 };
  const port = Number(portText);
  if (!/^\d{1,5}$/.test(portText) || port < 1 || port > 65535) {
    problems.problem(name, `'${value}' has an invalid port '${portText}'. Use a port from 1 to 65535.`);
    return undefined;
  }
  return { host, port };
}
