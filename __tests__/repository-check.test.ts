// The configuration repository checked before any write, through the bundled action and the local cloud: the
// GitHub stand-in serves git trees and blobs from its real bare repositories, the Flux agent reports HelmReleases.
// "Before any write" is asserted on the request log: no POST/PUT/PATCH/DELETE reached GitHub or ARM.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import {
  actionEnv,
  defaultFluxTree,
  fluxBootstrapFiles,
  helmReleaseFiles,
  largeRepositoryFiles,
  seedScenario,
  sourceRefFiles,
  startLocalCloud,
  type LocalCloud,
  type ScenarioOptions,
} from "../emulator/index.ts";
import { errorAnnotations } from "./support/annotations.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";

let cloud: LocalCloud;
before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

interface Checked {
  readonly run: ActionRun;
  readonly writes: readonly string[];
  /** GET requests to the git data API (trees, blobs, contents, matching refs). */
  readonly reads: readonly string[];
}

async function runWith(options: ScenarioOptions, inputs: Record<string, string>, env: Record<string, string> = {}): Promise<Checked> {
  const scenario = await seedScenario(cloud, options);
  const mark = cloud.traffic.log.length;
  const run = await runAction({ ...actionEnv(cloud, scenario, inputs), ...env }, { bundled: true });
  const log = cloud.traffic.log.slice(mark);
  return {
    run,
    writes: cloud.writes({ since: mark }).map((r) => `${r.method} ${r.path}`),
    reads: log.filter((r) => r.method === "GET" && /\/(git\/(trees|blobs|matching-refs)|contents)\//.test(r.path)).map((r) => r.path),
  };
}

const warnings = (stdout: string): string[] =>
  [...stdout.matchAll(/^::warning title=([^:]*)::(.*)$/gm)].map(
    (m) => `${m[1]}: ${(m[2] ?? "").replace(/%0A/g, "\n").replace(/%3A/g, ":")}`,
  );

test("a path that is not in the repository fails before any write, naming the nearest folders", async () => {
  const { run, writes, reads } = await runWith({ repo: "check-missing" }, { path: "clusters/stagin" });
  assert.equal(run.code, 1, run.everything);
  const [error] = errorAnnotations(run.stdout);
  assert.equal(error?.title, "Kustomization path not found", run.stdout);
  assert.match(
    error?.message ?? "",
    /path 'clusters\/stagin' is not in contoso\/check-missing at main; clusters\/ has staging, production\./,
  );
  assert.deepEqual(writes, []);
  assert.equal(reads.length, 1, `one tree request, no blob: ${reads.join(", ")}`);
  assert.ok(run.summary.includes("What went wrong: Kustomization path not found"), run.summary);
});

test("sourceRef: flux-system under a configuration called platform warns with file and line, and still applies", async () => {
  const fixture = sourceRefFiles({ path: "clusters/refs" });
  const { run, writes } = await runWith(
    { repo: "check-refs", files: fixture.files },
    { path: "clusters/refs", "configuration-name": "platform" },
  );
  assert.equal(run.code, 0, run.everything);
  const found = warnings(run.stdout).filter((w) => w.startsWith("sourceRef names another GitRepository"));
  assert.equal(found.length, fixture.refs.length, found.join("\n"));
  for (const ref of fixture.refs) {
    assert.ok(
      found.some((w) => w.includes(`${ref.file}:${ref.nameLine}: ${ref.kind} ${ref.name} refers to GitRepository 'flux-system'`)),
      `${ref.file}:${ref.nameLine} in\n${found.join("\n")}`,
    );
  }
  assert.match(found[0] ?? "", /Name the configuration `flux-system` \(configuration-name\), or change sourceRef.name to `platform`/);
  assert.ok(writes.length > 0);
  assert.ok(run.summary.includes("**Repository check**"), run.summary);
});

test("sourceRef: with source-ref-check: fail the same repository fails before any write", async () => {
  const fixture = sourceRefFiles({ path: "clusters/refs" });
  const { run, writes } = await runWith(
    { repo: "check-refs-fail", files: fixture.files },
    { path: "clusters/refs", "configuration-name": "platform", "source-ref-check": "fail" },
  );
  assert.equal(run.code, 1, run.everything);
  const [error] = errorAnnotations(run.stdout);
  assert.equal(error?.title, "sourceRef names another GitRepository", run.stdout);
  for (const ref of fixture.refs) assert.ok(error?.message.includes(`${ref.file}:${ref.nameLine}`), error?.message);
  assert.match(error?.message ?? "", /Nothing was changed\. \(To go on regardless: source-ref-check: warn\.\)/);
  assert.deepEqual(writes, []);
});

test("flux bootstrap leftovers under the path fail before any write, with the fix", async () => {
  const files = {
    ...defaultFluxTree(),
    ...fluxBootstrapFiles({ path: "clusters/boot" }),
    "clusters/boot/apps.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n",
  };
  const { run, writes } = await runWith({ repo: "check-boot", files }, { path: "clusters/boot" });
  assert.equal(run.code, 1, run.everything);
  const [error] = errorAnnotations(run.stdout);
  assert.equal(error?.title, "flux bootstrap leftovers under a path", run.stdout);
  assert.match(error?.message ?? "", /clusters\/boot\/flux-system\/gotk-components\.yaml is what `flux bootstrap` writes/);
  assert.match(error?.message ?? "", /exclude these files with a \.sourceignore, or point the kustomization's path below them/);
  assert.deepEqual(writes, []);
});

test("flux bootstrap leftovers excluded by a .sourceignore are not reported", async () => {
  const files = {
    ...defaultFluxTree(),
    ...fluxBootstrapFiles({ path: "clusters/ignored" }),
    "clusters/ignored/.sourceignore": "flux-system/\n",
    "clusters/ignored/apps.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: apps\n",
  };
  const { run } = await runWith({ repo: "check-ignored", files }, { path: "clusters/ignored", mode: "plan" });
  assert.equal(run.code, 0, run.everything);
  assert.match(run.stdout, /repository: no findings at main/);
});

test("mode: plan lists each finding with what apply would do, fails as apply would, and writes nothing", async () => {
  const fixture = sourceRefFiles({ path: "clusters/refs" });
  const files = { ...defaultFluxTree(), ...fixture.files, ...fluxBootstrapFiles({ path: "clusters/boot" }) };
  const kustomizations = "refs:\n  path: clusters/refs\nboot:\n  path: clusters/boot\n";
  const { run, writes } = await runWith(
    { repo: "check-plan", files },
    { mode: "plan", path: "", kustomizations, "configuration-name": "platform" },
  );
  assert.equal(run.code, 1, run.everything);
  assert.match(run.stdout, /repository: apply would fail before any write: clusters\/boot\/flux-system\/gotk-components\.yaml/);
  for (const ref of fixture.refs) assert.ok(run.stdout.includes(`repository: apply would warn: ${ref.file}:${ref.nameLine}:`), run.stdout);
  // The failing finding is the run's one error, titled as apply would title it; each warning sits on its file and line.
  const [error, ...more] = errorAnnotations(run.stdout);
  assert.deepEqual(more, [], run.stdout);
  assert.equal(error?.title, "flux bootstrap leftovers under a path");
  assert.match(error?.message ?? "", /^apply would stop here, before any write \(this plan changed nothing\):\nFound before any write/);
  for (const ref of fixture.refs)
    assert.ok(
      run.stdout.includes(`::warning title=sourceRef names another GitRepository,file=${ref.file},line=${ref.nameLine}::`),
      run.stdout,
    );
  assert.match(run.summary, /^## ❌ Flux plan: /m);
  assert.deepEqual(writes, []);
  assert.ok(run.summary.includes("**Repository check**"), run.summary);
});

// [Helm action that fails, what the error says, the summary's revision and failures (install / upgrade) cells]
const HELM_FAILURES = [
  ["install", "install failed (1 failure, 1 install failure, 0 upgrade failures)", "0 | 1 (1 / 0)"],
  ["upgrade", "upgrade failed (1 failure, 0 install failures, 1 upgrade failure)", "1 | 1 (0 / 1)"],
] as const;

for (const [action, says, cells] of HELM_FAILURES) {
  test(`a HelmRelease whose ${action} fails ends the wait with Helm's message; the summary shows its counts`, async () => {
    const files = {
      ...defaultFluxTree(),
      ...helmReleaseFiles({ path: "clusters/helm", releases: [{ name: "podinfo", namespace: "podinfo" }] }),
    };
    cloud.azure.setAgent({ helmFailures: { "podinfo/podinfo": { action, message: "context deadline exceeded" } } });
    try {
      const { run } = await runWith({ repo: `check-helm-${action}`, files }, { path: "clusters/helm", "wait-timeout": "2m" });
      assert.equal(run.code, 1, run.everything);
      const [error] = errorAnnotations(run.stdout);
      assert.equal(error?.title, "Helm release failed", run.stdout);
      assert.ok(error?.message.startsWith(`HelmRelease podinfo/podinfo: ${says}: `), error?.message);
      assert.match(error?.message ?? "", /context deadline exceeded/);
      assert.match(run.summary, /\| HelmRelease \| Chart \| Revision \| Failures \(install \/ upgrade\) \| State \|/);
      assert.ok(run.summary.includes(`| ${cells} | Non-Compliant |`), run.summary);
    } finally {
      cloud.azure.setAgent({ helmFailures: {} });
    }
  });
}

test("the reads are bounded: one tree, then only the YAML Flux applies (seed repository and 2,000 files)", async () => {
  const seed = await runWith({ repo: "check-count-seed" }, { mode: "plan" });
  assert.equal(seed.run.code, 0, seed.run.everything);
  const large = await runWith({ repo: "check-count-large", files: largeRepositoryFiles(2000) }, { mode: "plan" });
  assert.equal(large.run.code, 0, large.run.everything);
  const count = (reads: readonly string[], kind: string): number => reads.filter((r) => r.includes(`/git/${kind}/`)).length;
  console.log(
    `requests: seed ${seed.reads.length} (trees ${count(seed.reads, "trees")}), 2,000 files ${large.reads.length} (trees ${count(large.reads, "trees")})`,
  );
  // Seed: the path's kustomization.yaml and the two kustomization files elsewhere (read up front), then apps/podinfo.yaml
  // that apps/kustomization.yaml lists: 4 blobs in two rounds. Large: the 10 files under the path.
  assert.deepEqual([count(seed.reads, "trees"), count(seed.reads, "blobs")], [1, 4]);
  assert.deepEqual([count(large.reads, "trees"), count(large.reads, "blobs")], [1, 10]);
});

test("a truncated tree: the paths are read folder by folder, so they are checked all the same", async () => {
  cloud.github.setTreeLimit({ entries: 3 });
  try {
    const { run, reads } = await runWith({ repo: "check-truncated" }, { mode: "plan" });
    assert.equal(run.code, 0, run.everything);
    assert.match(run.stdout, /Not checked: GitHub truncated the tree of main .*the paths were read folder by folder/);
    assert.match(run.stdout, /repository: no findings at main/);
    const trees = reads.filter((r) => r.includes("/git/trees/"));
    // The recursive listing, the root and clusters/ one level each, then clusters/staging recursively.
    assert.deepEqual(
      trees.map((r) => r.endsWith("?recursive=1")),
      [true, false, false, true],
      trees.join("\n"),
    );
    assert.ok(
      reads.some((r) => r.includes("/git/blobs/")),
      "the path's kustomization.yaml was read",
    );

    const missing = await runWith({ repo: "check-truncated" }, { mode: "plan", path: "clusters/stagin" });
    assert.match(
      missing.run.stdout,
      /path 'clusters\/stagin' is not in contoso\/check-truncated at main; clusters\/ has staging, production/,
    );
  } finally {
    cloud.github.setTreeLimit({ entries: 100_000 });
  }
});

test("a token that cannot read the repository's files gets a clear error before any write", async () => {
  const scenario = await seedScenario(cloud, { repo: "check-unreadable" });
  const token = "ghs_noContentsRead0123456789abcdefghijkl";
  cloud.github.addToken(token, {
    repos: [`${scenario.owner}/${scenario.repo}`],
    permissions: { administration: "write", metadata: "read" },
    kind: "app",
  });
  const mark = cloud.traffic.log.length;
  const run = await runAction(actionEnv(cloud, scenario, { "github-token": token }), { bundled: true });
  assert.equal(run.code, 1, run.everything);
  const [error] = errorAnnotations(run.stdout);
  assert.equal(error?.title, "Repository files not readable", run.stdout);
  assert.match(error?.message ?? "", /give the token Contents: read .* or set `repository-check: false`/);
  assert.deepEqual(cloud.writes({ since: mark, service: "github" }), []);
});

test("semver: the repository is read at the highest matching tag, as Flux picks it", async () => {
  const scenario = await seedScenario(cloud, { repo: "check-semver" });
  const repo = `${scenario.owner}/${scenario.repo}`;
  await cloud.github.createTag(repo, "v1.0.0", "main");
  await cloud.github.pushCommit(repo, "main", { "clusters/next/app.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: next\n" });
  await cloud.github.createTag(repo, "v1.2.0", "main");
  await cloud.github.createTag(repo, "not-a-version", "main");
  const plan = async (semver: string): Promise<ActionRun> =>
    runAction(actionEnv(cloud, scenario, { mode: "plan", semver, path: "clusters/next" }), { bundled: true });

  const latest = await plan(">=1.0.0 <2.0.0");
  assert.equal(latest.code, 0, latest.everything);
  assert.match(latest.stdout, /Repository checked at v1\.2\.0: /);
  assert.match(latest.stdout, /repository: no findings at v1\.2\.0/);

  const older = await plan("~1.0");
  assert.equal(older.code, 1, older.everything);
  assert.equal(errorAnnotations(older.stdout)[0]?.title, "Kustomization path not found", older.stdout);
  assert.match(
    older.stdout,
    /repository: apply would fail before any write: kustomization 'cluster': path 'clusters\/next' is not in contoso\/check-semver at v1\.0\.0/,
  );

  const none = await plan("^3");
  assert.equal(none.code, 1, none.everything);
  assert.equal(errorAnnotations(none.stdout)[0]?.title, "No tag matches the semver range", none.stdout);
});

test("a branch with a slash is read at its commit; a branch that is not there is said to be missing, not unreadable", async () => {
  const scenario = await seedScenario(cloud, { repo: "check-branches" });
  const repo = `${scenario.owner}/${scenario.repo}`;
  const head = await cloud.github.pushCommit(repo, "feature/next", {
    "clusters/next/app.yaml": "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: next\n",
  });
  const plan = async (branch: string): Promise<Checked> => {
    const mark = cloud.traffic.log.length;
    const run = await runAction(actionEnv(cloud, scenario, { mode: "plan", branch, path: "clusters/next" }), { bundled: true });
    const reads = cloud.traffic.log
      .slice(mark)
      .filter((r) => r.path.includes("/git/trees/"))
      .map((r) => r.path);
    return { run, writes: [], reads };
  };

  const slashed = await plan("feature/next");
  assert.equal(slashed.run.code, 0, slashed.run.everything);
  assert.deepEqual(slashed.reads, [`/repos/${repo}/git/trees/${head}?recursive=1`]);
  assert.match(slashed.run.stdout, /repository: no findings at /);

  const missing = await plan("nowhere");
  assert.equal(missing.run.code, 1, missing.run.everything);
  assert.equal(errorAnnotations(missing.run.stdout)[0]?.title, "Git reference not found", missing.run.stdout);
});
