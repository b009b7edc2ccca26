// The git database endpoints through real HTTP and Octokit: trees, blobs, matching refs and tags from the bare repos.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { failureOf, startLocalGitHub } from "../testing/github.ts";
import type { LocalGitHub } from "../testing/github.ts";
import { git } from "./git-repos.ts";
import { GITHUB_TREE_LIMIT } from "./index.ts";

let local: LocalGitHub;
let head = "";
const repo = { owner: "contoso", repo: "fleet" };

before(async () => {
  local = await startLocalGitHub();
  head = await local.github.createRepo({ owner: "contoso", name: "fleet" });
  await local.github.createRepo({ owner: "contoso", name: "empty", empty: true });
  await local.github.createRepo({ owner: "contoso", name: "open", private: false, files: { "a.yaml": "a: 1\n" } });
  local.github.addToken("ghs_app", { kind: "app", repos: ["contoso/fleet", "contoso/empty"], permissions: { contents: "read" } });
  local.github.addToken("ghs_admin_only", { kind: "app", repos: ["contoso/fleet"], permissions: { administration: "write" } });
});
after(() => local.stop());

test("a recursive tree by branch name: GitHub's shape, every blob and folder, folders before their contents", async () => {
  const { data } = await local.octokit("ghs_app").rest.git.getTree({ ...repo, tree_sha: "main", recursive: "1" });
  const tree = (await git(["rev-parse", `${head}^{tree}`], { gitDir: local.github.gitDir("contoso/fleet") })).trim();
  assert.equal(data.sha, tree);
  assert.equal(data.url, `${local.github.apiUrl}/repos/contoso/fleet/git/trees/${tree}`);
  assert.equal(data.truncated, false);
  assert.deepEqual(
    data.tree.map((e) => [e.path, e.type, e.mode]),
    [
      ["README.md", "blob", "100644"],
      ["apps", "tree", "040000"],
      ["apps/kustomization.yaml", "blob", "100644"],
      ["apps/podinfo.yaml", "blob", "100644"],
      ["clusters", "tree", "040000"],
      ["clusters/production", "tree", "040000"],
      ["clusters/production/kustomization.yaml", "blob", "100644"],
      ["clusters/staging", "tree", "040000"],
      ["clusters/staging/kustomization.yaml", "blob", "100644"],
    ],
  );
  const blob = data.tree.find((e) => e.path === "README.md");
  assert.deepEqual(Object.keys(blob ?? {}).sort(), ["mode", "path", "sha", "size", "type", "url"]);
  assert.equal(blob?.url, `${local.github.apiUrl}/repos/contoso/fleet/git/blobs/${blob?.sha}`);
  const folder = data.tree.find((e) => e.path === "apps");
  assert.deepEqual(Object.keys(folder ?? {}).sort(), ["mode", "path", "sha", "type", "url"]);
  assert.equal(folder?.url, `${local.github.apiUrl}/repos/contoso/fleet/git/trees/${folder?.sha}`);
});

test("tree_sha may be a commit sha, a tag or a tree sha; without recursive only the top level", async () => {
  const octokit = local.octokit("ghs_app");
  await local.github.createTag("contoso/fleet", "v1.0.0", "main", "release 1.0.0");
  const byCommit = await octokit.rest.git.getTree({ ...repo, tree_sha: head });
  const byTag = await octokit.rest.git.getTree({ ...repo, tree_sha: "v1.0.0" });
  const byTree = await octokit.rest.git.getTree({ ...repo, tree_sha: byCommit.data.sha });
  assert.deepEqual(
    byCommit.data.tree.map((e) => e.path),
    ["README.md", "apps", "clusters"],
  );
  assert.deepEqual(byTag.data, byCommit.data);
  assert.deepEqual(byTree.data, byCommit.data);
  // "any value" of recursive counts, "0" and "false" too.
  const zero = await octokit.rest.git.getTree({ ...repo, tree_sha: head, recursive: "0" });
  assert.equal(zero.data.tree.length, 9);
});

test("setTreeLimit cuts a recursive tree and says truncated; the byte cap too", async () => {
  const octokit = local.octokit("ghs_app");
  local.github.setTreeLimit({ entries: 4 });
  const cut = await octokit.rest.git.getTree({ ...repo, tree_sha: "main", recursive: "1" });
  assert.equal(cut.data.truncated, true);
  assert.equal(cut.data.tree.length, 4);
  local.github.setTreeLimit({ entries: GITHUB_TREE_LIMIT.entries, bytes: 400 });
  const small = await octokit.rest.git.getTree({ ...repo, tree_sha: "main", recursive: "1" });
  assert.equal(small.data.truncated, true);
  assert.ok(JSON.stringify(small.data.tree).length <= 400);
  local.github.setTreeLimit(GITHUB_TREE_LIMIT);
  assert.equal((await octokit.rest.git.getTree({ ...repo, tree_sha: "main", recursive: "1" })).data.truncated, false);
});

test("an unknown tree is 404 Not Found, an empty repository 409 Git Repository is empty.", async () => {
  const octokit = local.octokit("ghs_app");
  const missing = await failureOf(octokit.rest.git.getTree({ ...repo, tree_sha: "no-such-branch" }));
  assert.equal(missing.status, 404);
  assert.deepEqual(missing.data, {
    message: "Not Found",
    documentation_url: "https://docs.github.com/rest/git/trees#get-a-tree",
    status: "404",
  });
  const empty = await failureOf(octokit.rest.git.getTree({ owner: "contoso", repo: "empty", tree_sha: "main" }));
  assert.equal(empty.status, 409);
  assert.equal((empty.data as { message: string }).message, "Git Repository is empty.");
  const emptyRef = await failureOf(octokit.rest.git.getRef({ owner: "contoso", repo: "empty", ref: "heads/main" }));
  assert.equal(emptyRef.status, 409);
});

test("a blob: base64 in 60-character lines that decodes to exactly what git cat-file prints", async () => {
  const text = `${"apiVersion: v1\nkind: ConfigMap\n".repeat(20)}emoji: ☸\n`;
  await local.github.pushCommit("contoso/fleet", "main", { "clusters/staging/big.yaml": text });
  const octokit = local.octokit("ghs_app");
  const tree = await octokit.rest.git.getTree({ ...repo, tree_sha: "main", recursive: "1" });
  const entry = tree.data.tree.find((e) => e.path === "clusters/staging/big.yaml");
  const { data } = await octokit.rest.git.getBlob({ ...repo, file_sha: entry?.sha ?? "" });
  const gitDir = local.github.gitDir("contoso/fleet");
  assert.equal(Buffer.from(data.content, "base64").toString("utf8"), await git(["cat-file", "blob", data.sha], { gitDir }));
  assert.equal(data.encoding, "base64");
  assert.equal(data.size, Buffer.byteLength(text));
  assert.equal(entry?.size, data.size);
  assert.ok(data.content.endsWith("\n"));
  assert.ok(
    data.content
      .split("\n")
      .slice(0, -2)
      .every((line) => line.length === 60),
  );
  assert.equal(data.url, `${local.github.apiUrl}/repos/contoso/fleet/git/blobs/${data.sha}`);
  assert.equal(typeof data.node_id, "string");
  const raw = await octokit.request("GET /repos/{owner}/{repo}/git/blobs/{file_sha}", {
    ...repo,
    file_sha: data.sha,
    mediaType: { format: "raw" },
  });
  assert.equal(String(raw.data), text);
  const tree2 = await failureOf(octokit.rest.git.getBlob({ ...repo, file_sha: tree.data.sha }));
  assert.equal(tree2.status, 404);
});

test("who may read: contents permission for a private repository, nothing for a public one", async () => {
  const denied = await failureOf(local.octokit("ghs_admin_only").rest.git.getTree({ ...repo, tree_sha: "main" }));
  assert.equal(denied.status, 403);
  assert.equal((denied.data as { message: string }).message, "Resource not accessible by integration");
  const unseen = await failureOf(local.octokit("ghs_app").rest.git.getTree({ owner: "contoso", repo: "nope", tree_sha: "main" }));
  assert.equal(unseen.status, 404);
  // A public repository the token was not granted, with no contents permission: readable all the same.
  const open = await local.octokit("ghs_admin_only").rest.git.getTree({ owner: "contoso", repo: "open", tree_sha: "main", recursive: "1" });
  assert.deepEqual(
    open.data.tree.map((e) => e.path),
    ["a.yaml"],
  );
});

test("matching refs list tags by prefix; an annotated tag peels through git/tags", async () => {
  const octokit = local.octokit("ghs_app");
  await local.github.createTag("contoso/fleet", "v1.2.0", "main");
  await local.github.createTag("contoso/fleet", "v2.0.0-rc.1", "main");
  const { data } = await octokit.rest.git.listMatchingRefs({ ...repo, ref: "tags/v1" });
  assert.deepEqual(
    data.map((r) => [r.ref, r.object.type]),
    [
      ["refs/tags/v1.0.0", "tag"],
      ["refs/tags/v1.2.0", "commit"],
    ],
  );
  const all = await octokit.rest.git.listMatchingRefs({ ...repo, ref: "tags/" });
  assert.equal(all.data.length, 3);
  assert.deepEqual((await octokit.rest.git.listMatchingRefs({ ...repo, ref: "tags/v9" })).data, []);
  const annotated = data[0];
  const tag = await octokit.rest.git.getTag({ ...repo, tag_sha: annotated?.object.sha ?? "" });
  assert.equal(tag.data.tag, "v1.0.0");
  assert.equal(tag.data.object.type, "commit");
  assert.equal(tag.data.object.sha, head);
  assert.equal(tag.data.message, "release 1.0.0\n");
  assert.match(tag.data.tagger.date, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.equal((await failureOf(octokit.rest.git.getTag({ ...repo, tag_sha: head }))).status, 404);
});

test("every git data call is in the request log", () => {
  const paths = local.traffic.log.filter((e) => e.service === "github").map((e) => `${e.status} ${e.path}`);
  assert.ok(paths.includes("200 /repos/contoso/fleet/git/trees/main?recursive=1"));
  assert.ok(paths.some((p) => /^200 \/repos\/contoso\/fleet\/git\/blobs\/[0-9a-f]{40}$/.test(p)));
  assert.ok(paths.includes("409 /repos/contoso/empty/git/trees/main"));
  // Octokit sends {ref} percent-encoded; the log keeps the path as sent.
  assert.ok(paths.includes("200 /repos/contoso/fleet/git/matching-refs/tags%2Fv1"));
});
