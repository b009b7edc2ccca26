import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { failureOf, startLocalGitHub } from "../testing/github.ts";
import type { LocalGitHub } from "../testing/github.ts";

let local: LocalGitHub;
let head = "";

before(async () => {
  local = await startLocalGitHub();
  head = await local.github.createRepo({ owner: "contoso", name: "fleet" });
  await local.github.createRepo({ owner: "contoso", name: "secret-fleet", files: { "README.md": "hi\n" } });
  local.github.addToken("ghs_app", { kind: "app", repos: ["contoso/fleet"], permissions: { administration: "write", contents: "read" } });
  local.github.addToken("github_pat_other", { kind: "pat", repos: ["contoso/other"], permissions: { administration: "write" } });
});
after(() => local.stop());

test("GET /repos answers the repository with permissions and urls", async () => {
  const { data, headers } = await local.octokit("ghs_app").rest.repos.get({ owner: "contoso", repo: "fleet" });
  assert.equal(data.full_name, "contoso/fleet");
  assert.equal(data.private, true);
  assert.equal(data.default_branch, "main");
  assert.deepEqual(data.permissions, { admin: true, maintain: true, push: true, triage: true, pull: true });
  assert.equal(data.html_url, `${local.github.serverUrl}/contoso/fleet`);
  assert.equal(data.ssh_url, `ssh://git@localhost:${local.github.sshPort}/contoso/fleet.git`);
  assert.equal(headers["x-ratelimit-resource"], "core");
  assert.match(String(headers["x-ratelimit-remaining"]), /^\d+$/);
});

test("repository names are case-insensitive like GitHub's", async () => {
  const { data } = await local.octokit("ghs_app").rest.repos.get({ owner: "Contoso", repo: "FLEET" });
  assert.equal(data.full_name, "contoso/fleet");
});

test("an unknown token gets 401 Bad credentials", async () => {
  const failure = await failureOf(local.octokit("nope").rest.repos.get({ owner: "contoso", repo: "fleet" }));
  assert.equal(failure.status, 401);
  assert.equal((failure.data as { message: string }).message, "Bad credentials");
});

test("a private repository the token was not granted is 404 Not Found", async () => {
  const failure = await failureOf(local.octokit("github_pat_other").rest.repos.get({ owner: "contoso", repo: "secret-fleet" }));
  assert.equal(failure.status, 404);
  assert.equal((failure.data as { message: string }).message, "Not Found");
});

test("branch and commit endpoints answer the real head sha", async () => {
  const octokit = local.octokit("ghs_app");
  const branch = await octokit.rest.repos.getBranch({ owner: "contoso", repo: "fleet", branch: "main" });
  assert.equal(branch.data.commit.sha, head);
  const commit = await octokit.rest.repos.getCommit({ owner: "contoso", repo: "fleet", ref: "main" });
  assert.equal(commit.data.sha, head);
  assert.equal(commit.data.commit.message, "Initial commit");
  const next = await local.github.pushCommit("contoso/fleet", "main", { "apps/podinfo.yaml": "changed: true\n" });
  assert.notEqual(next, head);
  const moved = await octokit.rest.repos.getCommit({ owner: "contoso", repo: "fleet", ref: "main" });
  assert.equal(moved.data.sha, next);
  assert.deepEqual(
    moved.data.parents.map((p) => p.sha),
    [head],
  );
  assert.equal(await local.github.headOf("contoso/fleet", "main"), next);
  const short = await octokit.rest.repos.getCommit({ owner: "contoso", repo: "fleet", ref: head.slice(0, 7) });
  assert.equal(short.data.sha, head);
});

test("an unknown commit is 422 and an unknown branch 404", async () => {
  const octokit = local.octokit("ghs_app");
  const commit = await failureOf(octokit.rest.repos.getCommit({ owner: "contoso", repo: "fleet", ref: "deadbeef" }));
  assert.equal(commit.status, 422);
  assert.equal((commit.data as { message: string }).message, "No commit found for SHA: deadbeef");
  const branch = await failureOf(octokit.rest.repos.getBranch({ owner: "contoso", repo: "fleet", branch: "nope" }));
  assert.equal(branch.status, 404);
  assert.equal((branch.data as { message: string }).message, "Branch not found");
});

test("tag refs resolve: lightweight to the commit, annotated to the tag object", async () => {
  const octokit = local.octokit("ghs_app");
  const sha = await local.github.createTag("contoso/fleet", "v1.0.0", "main");
  const light = await octokit.rest.git.getRef({ owner: "contoso", repo: "fleet", ref: "tags/v1.0.0" });
  assert.deepEqual([light.data.ref, light.data.object.sha, light.data.object.type], ["refs/tags/v1.0.0", sha, "commit"]);
  await local.github.createTag("contoso/fleet", "v1.1.0", "main", "release");
  const annotated = await octokit.rest.git.getRef({ owner: "contoso", repo: "fleet", ref: "tags/v1.1.0" });
  assert.equal(annotated.data.object.type, "tag");
  assert.notEqual(annotated.data.object.sha, sha);
  const missing = await failureOf(octokit.rest.git.getRef({ owner: "contoso", repo: "fleet", ref: "tags/v9" }));
  assert.equal(missing.status, 404);
});

test("every call lands in the shared traffic log as service github", () => {
  const calls = local.traffic.log.filter((entry) => entry.service === "github");
  assert.ok(calls.some((entry) => entry.method === "GET" && entry.path === "/repos/contoso/fleet" && entry.status === 200));
  assert.ok(calls.some((entry) => entry.status === 401));
});
