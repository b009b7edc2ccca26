// Repository contents through real HTTP and Octokit, and the repository fixtures tests seed with.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { parseAllDocuments } from "yaml";
import { failureOf, startLocalGitHub } from "../testing/github.ts";
import type { LocalGitHub } from "../testing/github.ts";
import { defaultFluxTree, git } from "./git-repos.ts";
import { helmReleaseFiles } from "./helm-release-fixtures.ts";
import { fluxBootstrapFiles, largeRepositoryFiles, sourceRefFiles } from "./repo-fixtures.ts";

let local: LocalGitHub;
const repo = { owner: "contoso", repo: "fleet" };
const bootstrap = fluxBootstrapFiles({ path: "clusters/staging" });
const refs = sourceRefFiles({ path: "clusters/production" });

before(async () => {
  local = await startLocalGitHub();
  await local.github.createRepo({ owner: "contoso", name: "fleet", files: { ...defaultFluxTree(), ...bootstrap, ...refs.files } });
  await local.github.createRepo({ owner: "contoso", name: "empty", empty: true });
  local.github.addToken("ghs_app", { kind: "app", repos: "*", permissions: { contents: "read" } });
});
after(() => local.stop());

test("a file: GitHub's content-file shape, base64 content equal to the committed text, urls at the ref", async () => {
  const { data } = await local.octokit("ghs_app").rest.repos.getContent({ ...repo, path: "clusters/staging/kustomization.yaml" });
  assert.ok(!Array.isArray(data) && data.type === "file");
  assert.equal(Buffer.from(data.content, "base64").toString("utf8"), defaultFluxTree()["clusters/staging/kustomization.yaml"]);
  assert.equal(data.encoding, "base64");
  assert.equal(data.name, "kustomization.yaml");
  assert.equal(data.path, "clusters/staging/kustomization.yaml");
  const api = `${local.github.apiUrl}/repos/contoso/fleet`;
  assert.equal(data.url, `${api}/contents/clusters/staging/kustomization.yaml?ref=main`);
  assert.equal(data.git_url, `${api}/git/blobs/${data.sha}`);
  assert.equal(data.html_url, `${local.github.serverUrl}/contoso/fleet/blob/main/clusters/staging/kustomization.yaml`);
  assert.deepEqual(data._links, { self: data.url, git: data.git_url, html: data.html_url });
  assert.equal(typeof data.download_url, "string");
});

test("a directory: an array of entries (dir and file) with name, path, sha, size, type and urls", async () => {
  const { data } = await local.octokit("ghs_app").rest.repos.getContent({ ...repo, path: "clusters/staging" });
  assert.ok(Array.isArray(data));
  assert.deepEqual(
    data.map((e) => [e.name, e.type, e.path]),
    [
      ["flux-system", "dir", "clusters/staging/flux-system"],
      ["kustomization.yaml", "file", "clusters/staging/kustomization.yaml"],
    ],
  );
  const dir = data[0];
  assert.equal(dir?.size, 0);
  assert.equal(dir?.download_url, null);
  assert.equal(dir?.html_url, `${local.github.serverUrl}/contoso/fleet/tree/main/clusters/staging/flux-system`);
  assert.equal(dir?.git_url, `${local.github.apiUrl}/repos/contoso/fleet/git/trees/${dir?.sha}`);
  const root = await local.octokit("ghs_app").rest.repos.getContent({ ...repo, path: "" });
  assert.ok(Array.isArray(root.data));
  assert.deepEqual(
    root.data.map((e) => e.name),
    ["README.md", "apps", "clusters"],
  );
});

test("ref picks the commit: a tag and a sha see the old file, the branch the new one", async () => {
  const old = await local.github.headOf("contoso/fleet");
  await local.github.createTag("contoso/fleet", "v1.0.0", "main");
  await local.github.pushCommit("contoso/fleet", "main", { "README.md": "# fleet v2\n" });
  const octokit = local.octokit("ghs_app");
  const read = async (ref?: string): Promise<string> => {
    const { data } = await octokit.rest.repos.getContent({ ...repo, path: "README.md", ...(ref ? { ref } : {}) });
    return !Array.isArray(data) && data.type === "file" ? Buffer.from(data.content, "base64").toString("utf8") : "";
  };
  assert.equal(await read(), "# fleet v2\n");
  assert.equal(await read("v1.0.0"), defaultFluxTree()["README.md"]);
  assert.equal(await read(old), defaultFluxTree()["README.md"]);
});

test("not found: a path, a ref, an empty repository; a file over 1 MB wants the raw media type", async () => {
  const octokit = local.octokit("ghs_app");
  const path = await failureOf(octokit.rest.repos.getContent({ ...repo, path: "clusters/stagin" }));
  assert.deepEqual([path.status, (path.data as { message: string }).message], [404, "Not Found"]);
  const ref = await failureOf(octokit.rest.repos.getContent({ ...repo, path: "README.md", ref: "nope" }));
  assert.deepEqual([ref.status, (ref.data as { message: string }).message], [404, "No commit found for the ref nope"]);
  const empty = await failureOf(octokit.rest.repos.getContent({ owner: "contoso", repo: "empty", path: "" }));
  assert.deepEqual([empty.status, (empty.data as { message: string }).message], [404, "This repository is empty."]);
  const big = `${"x".repeat(1023)}\n`.repeat(1025);
  await local.github.pushCommit("contoso/fleet", "main", { "big.txt": big });
  const large = await failureOf(octokit.rest.repos.getContent({ ...repo, path: "big.txt" }));
  assert.equal(large.status, 403);
  assert.deepEqual((large.data as { errors: unknown }).errors, [{ resource: "Blob", field: "data", code: "too_large" }]);
  const raw = await octokit.rest.repos.getContent({ ...repo, path: "big.txt", mediaType: { format: "raw" } });
  assert.equal(String(raw.data).length, big.length);
});

test("fluxBootstrapFiles: flux bootstrap's three files, gotk-sync a GitRepository and a Kustomization named flux-system", () => {
  assert.deepEqual(Object.keys(bootstrap).sort(), [
    "clusters/staging/flux-system/gotk-components.yaml",
    "clusters/staging/flux-system/gotk-sync.yaml",
    "clusters/staging/flux-system/kustomization.yaml",
  ]);
  const sync = parseAllDocuments(bootstrap["clusters/staging/flux-system/gotk-sync.yaml"] ?? "").map(
    (d) => d.toJS() as Record<string, unknown>,
  );
  assert.deepEqual(
    sync.map((d) => [d["apiVersion"], d["kind"]]),
    [
      ["source.toolkit.fluxcd.io/v1", "GitRepository"],
      ["kustomize.toolkit.fluxcd.io/v1", "Kustomization"],
    ],
  );
  assert.deepEqual((sync[1]?.["spec"] as Record<string, unknown>)["path"], "./clusters/staging");
  const components = bootstrap["clusters/staging/flux-system/gotk-components.yaml"] ?? "";
  assert.match(components, /^---\n# This manifest was generated by flux\. DO NOT EDIT\.\n# Flux Version: v2\.4\.0\n# Components: /);
  assert.ok("flux-system/gotk-sync.yaml" in fluxBootstrapFiles({ path: "." }), "bootstrap at the repository root");
  const kinds = parseAllDocuments(components).map((d) => String(d.get("kind")));
  assert.deepEqual(kinds, ["Namespace", "CustomResourceDefinition", "Deployment", "Deployment", "Deployment", "Deployment"]);
});

test("sourceRefFiles: every sourceRef names flux-system, at the lines it reports", async () => {
  assert.deepEqual(
    refs.refs.map((r) => [r.file, r.kind, r.name, r.sourceName, r.nameLine]),
    [
      ["clusters/production/infrastructure.yaml", "Kustomization", "infrastructure", "flux-system", 12],
      ["clusters/production/apps.yaml", "Kustomization", "apps", "flux-system", 14],
      ["clusters/production/apps.yaml", "HelmRelease", "podinfo", "flux-system", 28],
    ],
  );
  const { data } = await local.octokit("ghs_app").rest.repos.getContent({ ...repo, path: "clusters/production/apps.yaml" });
  const lines = !Array.isArray(data) && data.type === "file" ? Buffer.from(data.content, "base64").toString("utf8").split("\n") : [];
  for (const r of refs.refs.filter((x) => x.file.endsWith("apps.yaml"))) {
    assert.equal(lines[r.nameLine - 1]?.trim(), "name: flux-system");
    assert.equal(lines[r.sourceRefLine - 1]?.trim(), "sourceRef:");
  }
});

test("helmReleaseFiles: a HelmRepository and one HelmRelease per release, or all in one multi-document file", () => {
  const files = helmReleaseFiles({
    path: "apps",
    releases: [
      { name: "podinfo", namespace: "podinfo" },
      { name: "redis", apiVersion: "v2beta2" },
    ],
  });
  assert.deepEqual(Object.keys(files), ["apps/helm/repository.yaml", "apps/helm/podinfo-podinfo.yaml", "apps/helm/default-redis.yaml"]);
  const one = helmReleaseFiles({ path: "apps", releases: [{ name: "a" }, { name: "b" }], multiDocument: true });
  const docs = parseAllDocuments(one["apps/helm/releases.yaml"] ?? "").map((d) => [d.get("apiVersion"), d.getIn(["metadata", "name"])]);
  assert.deepEqual(docs, [
    ["helm.toolkit.fluxcd.io/v2", "a"],
    ["helm.toolkit.fluxcd.io/v2", "b"],
  ]);
});

test("largeRepositoryFiles: 2,000 files seed fast; the recursive tree lists them all, untruncated", async () => {
  const files = largeRepositoryFiles();
  assert.equal(Object.keys(files).length, 2000);
  assert.equal(Object.keys(files).filter((f) => f.startsWith("clusters/staging/")).length, 10);
  const started = Date.now();
  await local.github.createRepo({ owner: "contoso", name: "large", files });
  assert.ok(Date.now() - started < 3000, `seeding took ${Date.now() - started} ms`);
  const gitDir = local.github.gitDir("contoso/large");
  const count = (await git(["ls-tree", "-r", "--name-only", "main"], { gitDir })).trim().split("\n").length;
  assert.equal(count, 2000);
  const { data } = await local.octokit("ghs_app").rest.git.getTree({ owner: "contoso", repo: "large", tree_sha: "main", recursive: "1" });
  assert.equal(data.truncated, false);
  assert.equal(data.tree.filter((e) => e.type === "blob").length, 2000);
});
