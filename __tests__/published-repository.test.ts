// The action's published repository is named once (package.json's `repository`): every `uses:` and link in the docs,
// examples and reusable workflows names it, no placeholder is left, a fork renames it everywhere in one command, and a
// release stamps its reusable workflows with itself.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { problemsIn, publishedRepository, referringFiles, setRepository, stampWorkflow } from "../scripts/published-repository.ts";

const ROOT = join(import.meta.dirname, "..");
const SCRIPT = join(ROOT, "scripts/published-repository.ts");
const REPOSITORY = publishedRepository(readFileSync(join(ROOT, "package.json"), "utf8"));

test("every reference in the docs, examples and workflows names package.json's repository; no placeholder is left", () => {
  const run = spawnSync(process.execPath, [SCRIPT], { encoding: "utf8" });
  assert.equal(run.status, 0, run.stderr);
  const files = referringFiles(ROOT);
  for (const file of ["README.md", "docs/workflows.md", "examples/fleet.yml", ".github/workflows/bootstrap-cluster.yml"])
    assert.ok(files.includes(file), file);
  assert.ok(readFileSync(join(ROOT, "README.md"), "utf8").includes(`uses: ${REPOSITORY}@v1`));
  // The action runs in the fleet's part workflow; the fleet's own steps are the repository's composite actions.
  assert.ok(readFileSync(join(ROOT, ".github/workflows/bootstrap-cluster-part.yml"), "utf8").includes(`uses: ${REPOSITORY}@v1`));
  assert.ok(readFileSync(join(ROOT, ".github/workflows/bootstrap-cluster.yml"), "utf8").includes(`uses: ${REPOSITORY}/fleet/roll-up@v1`));
});

test("a stray placeholder or another owner is found, with file and line", () => {
  const text =
    "a\n      - uses: your-org/aks-flux-bootstrap@v1\n    uses: octo/aks-flux-bootstrap/.github/workflows/x.yml@v1\nrepository: contoso/fleet-config\n";
  assert.deepEqual(problemsIn("README.md", text, "acme/aks-flux-bootstrap"), [
    "README.md:2: names your-org/aks-flux-bootstrap, not acme/aks-flux-bootstrap",
    "README.md:2: a placeholder (\\byour-org\\b) where a real name belongs",
    "README.md:3: names octo/aks-flux-bootstrap, not acme/aks-flux-bootstrap",
  ]);
  assert.deepEqual(problemsIn("README.md", "uses: acme/aks-flux-bootstrap@v1.2.3\n", "acme/aks-flux-bootstrap"), []);
  assert.throws(() => publishedRepository('{"name":"x"}'), /does not name a GitHub repository owner\/name/);
  assert.equal(publishedRepository('{"repository":"github:acme/tool"}'), "acme/tool");
});

test("set OWNER/NAME renames every reference and package.json, and the check then passes for the new name", () => {
  const dir = mkdtempSync(join(tmpdir(), "published-repository-"));
  try {
    for (const path of ["README.md", "CONTRIBUTING.md", "SECURITY.md", "action.yml", "package.json", "docs", "examples", ".github"])
      cpSync(join(ROOT, path), join(dir, path), { recursive: true });
    setRepository(dir, REPOSITORY, "acme/flux-on-aks");
    assert.equal(publishedRepository(readFileSync(join(dir, "package.json"), "utf8")), "acme/flux-on-aks");
    const problems = referringFiles(dir).flatMap((file) => problemsIn(file, readFileSync(join(dir, file), "utf8"), "acme/flux-on-aks"));
    assert.deepEqual(problems, []);
    assert.ok(
      readFileSync(join(dir, "examples/fleet.yml"), "utf8").includes("uses: acme/flux-on-aks/.github/workflows/bootstrap-cluster.yml@v1"),
    );
    assert.ok(!readFileSync(join(dir, "README.md"), "utf8").includes(REPOSITORY));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("stamp: a release's reusable workflows run the action, and each other, at that release", () => {
  const workflow = [
    "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
    "        uses: acme/aks-flux-bootstrap@v1",
    "    uses: acme/aks-flux-bootstrap/.github/workflows/bootstrap-cluster.yml@v1",
    "#       uses: acme/aks-flux-bootstrap/.github/workflows/bootstrap-cluster.yml@main",
  ].join("\n");
  assert.equal(
    stampWorkflow(workflow, "acme/aks-flux-bootstrap", "v1.2.0"),
    [
      "      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1",
      "        uses: acme/aks-flux-bootstrap@v1.2.0",
      "    uses: acme/aks-flux-bootstrap/.github/workflows/bootstrap-cluster.yml@v1.2.0",
      "#       uses: acme/aks-flux-bootstrap/.github/workflows/bootstrap-cluster.yml@v1.2.0",
    ].join("\n"),
  );
  // The real workflows: both reusable workflows refer to the published repository, so both get the release.
  for (const file of [
    ".github/workflows/bootstrap-cluster.yml",
    ".github/workflows/bootstrap-cluster-part.yml",
    ".github/workflows/rotate-deploy-keys.yml",
  ]) {
    const stamped = stampWorkflow(readFileSync(join(ROOT, file), "utf8"), REPOSITORY, "v1.3.0-rc.1");
    assert.match(stamped, new RegExp(`uses: ${REPOSITORY}(/\\.github/workflows/bootstrap-cluster\\.yml)?@v1\\.3\\.0-rc\\.1\\n`), file);
    assert.doesNotMatch(stamped, new RegExp(`${REPOSITORY}[^\\s]*@v1\\n`), file);
  }
});

test("release: refused in a repository that package.json does not name, with the command that fixes it", () => {
  const other = spawnSync(process.execPath, [SCRIPT, "release", "octo/fork"], { encoding: "utf8" });
  assert.equal(other.status, 1);
  assert.match(other.stderr, /::error title=Published repository::This release runs in octo\/fork, but package.json names /);
  assert.match(other.stderr, /npm run repository -- set octo\/fork/);
  assert.equal(spawnSync(process.execPath, [SCRIPT, "release", REPOSITORY.toUpperCase()], { encoding: "utf8" }).status, 0);
});
