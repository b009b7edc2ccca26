// The release process: the tag checks and notes (scripts/release-notes.ts) on CHANGELOG.md's format, and the
// release workflow's wiring (trigger, jobs, permissions), read the way GitHub reads it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { changelogSections, releaseOf } from "../scripts/release-notes.ts";

type Map = Record<string, unknown>;
const root = join(import.meta.dirname, "..");
const read = (path: string): string => readFileSync(join(root, path), "utf8");

const CHANGELOG = `# Changelog

Intro text.

## [Unreleased]

- next thing

## [1.3.0-rc.1] - 2026-12-01

- candidate

## [1.2.3] - 2026-11-30

- fixed a thing
  over two lines

### Security

- a note

## [1.2.2] - unreleased

- not out

## [1.2.1] - 2026-11-01
`;

const cases: [string, string, string, Partial<ReturnType<typeof releaseOf>> | RegExp][] = [
  [
    "a dated section",
    "v1.2.3",
    "1.2.3",
    { version: "1.2.3", major: "v1", prerelease: false, notes: "- fixed a thing\n  over two lines\n\n### Security\n\n- a note\n" },
  ],
  ["a pre-release", "v1.3.0-rc.1", "1.3.0-rc.1", { version: "1.3.0-rc.1", major: "v1", prerelease: true, notes: "- candidate\n" }],
  ["no section", "v2.0.0", "2.0.0", /has no section '## \[2\.0\.0\] - YYYY-MM-DD'/],
  ["a section not dated", "v1.2.2", "1.2.2", /dated 'unreleased', not YYYY-MM-DD/],
  ["an empty section", "v1.2.1", "1.2.1", /is empty/],
  ["package.json behind the tag", "v1.2.3", "1.2.2", /package.json has version 1\.2\.2, the tag says 1\.2\.3/],
  ["not a version tag", "v1.2", "1.2.3", /not a version tag/],
  ["a leading zero", "v1.02.3", "1.2.3", /not a version tag/],
];

for (const [name, tag, version, expected] of cases) {
  test(`release notes: ${name}`, () => {
    if (expected instanceof RegExp) assert.throws(() => releaseOf(tag, version, CHANGELOG), expected);
    else assert.deepEqual(releaseOf(tag, version, CHANGELOG), expected);
  });
}

test("CHANGELOG.md has the format the release workflow reads: every ## heading is [X.Y.Z] - date|unreleased or [Unreleased]", () => {
  const changelog = read("CHANGELOG.md");
  const headings = changelog.split("\n").filter((line) => line.startsWith("## "));
  assert.ok(headings.length > 0);
  for (const heading of headings) {
    assert.match(heading, /^## (\[Unreleased\]|\[\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?\] - (\d{4}-\d{2}-\d{2}|unreleased))$/, heading);
  }
  const sections = changelogSections(changelog);
  assert.equal(sections.size, headings.length);
  const { version } = JSON.parse(read("package.json")) as { version: string };
  assert.ok(sections.get(version)?.body, `CHANGELOG.md has no section for package.json's version ${version}`);
});

test("the script writes the notes and the outputs, and fails with an annotation", () => {
  const dir = mkdtempSync(join(tmpdir(), "release-notes-"));
  try {
    const script = join(root, "scripts/release-notes.ts");
    const { version } = JSON.parse(read("package.json")) as { version: string };
    const section = changelogSections(read("CHANGELOG.md")).get(version);
    const run = spawnSync(process.execPath, [script, `v${version}`, join(dir, "notes.md")], { encoding: "utf8" });
    if (section?.label === "unreleased") {
      assert.equal(run.status, 1);
      assert.match(run.stderr, new RegExp(`^::error title=Release v${version.replace(/\./g, "\\.")}::CHANGELOG.md's section`));
    } else {
      assert.equal(run.status, 0, run.stderr);
      assert.match(run.stdout, new RegExp(`^version=${version}\nmajor=v\\d+\nprerelease=(true|false)\n$`));
      assert.equal(readFileSync(join(dir, "notes.md"), "utf8"), `${section?.body}\n`);
    }
    assert.equal(spawnSync(process.execPath, [script], { encoding: "utf8" }).status, 2);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("release.yml: version tags only; CI and the dist check before the release; contents: write for that one job", () => {
  const workflow = parse(read(".github/workflows/release.yml")) as Map;
  assert.deepEqual(workflow["on"], { push: { tags: ["v*.*.*"] } });
  assert.deepEqual(workflow["permissions"], {});
  assert.deepEqual(workflow["concurrency"], { group: "release", "cancel-in-progress": false });
  const jobs = workflow["jobs"] as Record<string, Map>;
  const steps = (id: string): Map[] => (jobs[id]?.["steps"] ?? []) as Map[];
  const runs = (id: string): string =>
    steps(id)
      .map((s) => String(s["run"] ?? ""))
      .join("\n");
  assert.match(runs("notes"), /node scripts\/release-notes\.ts "\$TAG"/);
  assert.match(runs("ci"), /^bash \.ci\/run$/m);
  assert.deepEqual(jobs["release"]?.["needs"], ["notes", "ci"]);
  assert.match(runs("release"), /npm run check-dist[\s\S]*gh release create "\$TAG" --verify-tag[\s\S]*git\/refs\/tags\/\$MAJOR/);
  for (const [id, job] of Object.entries(jobs)) {
    assert.deepEqual(job["permissions"], id === "release" ? { contents: "write" } : { contents: "read" }, id);
    for (const step of steps(id).filter((s) => String(s["uses"] ?? "").startsWith("actions/checkout@"))) {
      assert.equal((step["with"] as Map | undefined)?.["persist-credentials"], false, `${id}: checkout keeps no credentials`);
    }
  }
});

/** Runs a step of the release job with stand-ins for `gh` and `git` that log their arguments. */
function runReleaseStep(name: string, env: Record<string, string>): { status: number | null; log: string[]; out: string } {
  const workflow = parse(read(".github/workflows/release.yml")) as Map;
  const job = (workflow["jobs"] as Record<string, Map>)["release"] ?? {};
  const step = ((job["steps"] ?? []) as Map[]).find((s) => s["name"] === name);
  assert.ok(step, `no step '${name}'`);
  const dir = mkdtempSync(join(tmpdir(), "release-step-"));
  try {
    const log = join(dir, "log");
    const stub = (body: string): string => `#!/usr/bin/env bash\necho "$(basename "$0") $*" >>"${log}"\n${body}\n`;
    writeFileSync(
      join(dir, "gh"),
      stub(`case "$*" in
  "api --paginate "*matching-refs*) printf '%s\\n' $FAKE_TAGS ;;
  "api repos/"*"/git/ref/tags/"*) [ "$FAKE_MAJOR_EXISTS" = 1 ] ;;
  "release view "*) [ "$FAKE_RELEASE_EXISTS" = 1 ] ;;
esac`),
      { mode: 0o755 },
    );
    writeFileSync(
      join(dir, "git"),
      stub(`case "$1" in
  diff) [ "$FAKE_STAMPED" = 1 ] ;;
  add|commit|push|-c) ;;
  *) echo 1111111111111111111111111111111111111111 ;;
esac`),
      { mode: 0o755 },
    );
    writeFileSync(join(dir, "node"), stub(""), { mode: 0o755 });
    const run = spawnSync("bash", ["--noprofile", "--norc", "-eo", "pipefail", "-c", String(step["run"])], {
      encoding: "utf8",
      env: {
        PATH: `${dir}:${process.env["PATH"] ?? "/usr/bin:/bin"}`,
        GH_REPO: "octo/aks-flux-bootstrap",
        GH_TOKEN: "ghs_releaseToken",
        GITHUB_SERVER_URL: "https://github.com",
        RUNNER_TEMP: dir,
        GITHUB_STEP_SUMMARY: join(dir, "summary"),
        ...env,
      },
    });
    const lines = existsSync(log) ? readFileSync(log, "utf8").trim().split("\n") : [];
    return { status: run.status, log: lines.filter((l) => !l.startsWith("node ")), out: `${run.stdout}${run.stderr}` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test("release job: the release is created (a pre-release for -rc tags), or its notes updated on a re-run", () => {
  const created = runReleaseStep("Create the GitHub release", { TAG: "v1.3.0-rc.1", PRERELEASE: "true" });
  assert.equal(created.status, 0, created.out);
  assert.match(
    created.log.at(-1) ?? "",
    /^gh release create v1\.3\.0-rc\.1 --verify-tag --title v1\.3\.0-rc\.1 --notes-file \S+notes\.md --prerelease$/,
  );
  const rerun = runReleaseStep("Create the GitHub release", { TAG: "v1.2.3", PRERELEASE: "false", FAKE_RELEASE_EXISTS: "1" });
  assert.equal(rerun.status, 0, rerun.out);
  assert.match(rerun.log.at(-1) ?? "", /^gh release edit v1\.2\.3 --title v1\.2\.3 --notes-file \S+notes\.md$/);
});

test("release job: the major tag moves to the commit only for the highest release of its line", () => {
  const step = "Move the major tag";
  const moved = runReleaseStep(step, {
    TAG: "v1.10.0",
    MAJOR: "v1",
    FAKE_TAGS: "v1.9.0 v1.10.0 v1.2.3 v1.11.0-rc.1",
    FAKE_MAJOR_EXISTS: "1",
  });
  assert.equal(moved.status, 0, moved.out);
  assert.equal(
    moved.log.at(-1),
    "gh api --method PATCH repos/octo/aks-flux-bootstrap/git/refs/tags/v1 -f sha=1111111111111111111111111111111111111111 -F force=true --silent",
  );
  const first = runReleaseStep(step, { TAG: "v2.0.0", MAJOR: "v2", FAKE_TAGS: "v2.0.0" });
  assert.equal(first.status, 0, first.out);
  assert.equal(
    first.log.at(-1),
    "gh api --method POST repos/octo/aks-flux-bootstrap/git/refs -f ref=refs/tags/v2 -f sha=1111111111111111111111111111111111111111 --silent",
  );
  const older = runReleaseStep(step, { TAG: "v1.2.4", MAJOR: "v1", FAKE_TAGS: "v1.2.4 v1.3.0", FAKE_MAJOR_EXISTS: "1" });
  assert.equal(older.status, 0, older.out);
  assert.match(older.out, /::notice title=v1 not moved::v1\.2\.4 is not the highest v1\.x\.y release \(v1\.3\.0 is\)/);
  assert.ok(!older.log.some((l) => l.includes("--method")), older.log.join("\n"));
});

test("release job: the reusable workflows are stamped with the release and the tag moves to that commit; a re-run leaves it", () => {
  const step = "Stamp the reusable workflows with this release";
  const stamped = runReleaseStep(step, { TAG: "v1.2.0" });
  assert.equal(stamped.status, 0, stamped.out);
  assert.deepEqual(
    stamped.log.map((line) => line.replace(/AUTHORIZATION: basic \S+/, "AUTHORIZATION: basic …")),
    [
      "git diff --quiet -- .github/workflows",
      "git add -- .github/workflows",
      "git -c user.name=github-actions[bot] -c user.email=41898282+github-actions[bot]@users.noreply.github.com commit --quiet -m Release v1.2.0: the reusable workflows run the action at v1.2.0",
      "git -c http.https://github.com/.extraheader=AUTHORIZATION: basic … push --force origin HEAD:refs/tags/v1.2.0",
      "git rev-parse HEAD",
    ],
  );
  assert.doesNotMatch(stamped.log.join("\n"), /ghs_releaseToken/, "the token only as the base64 header");
  const again = runReleaseStep(step, { TAG: "v1.2.0", FAKE_STAMPED: "1" });
  assert.equal(again.status, 0, again.out);
  assert.deepEqual(again.log, ["git diff --quiet -- .github/workflows"]);
  assert.match(again.out, /already run the action at v1\.2\.0/);
  const workflow = parse(read(".github/workflows/release.yml")) as Map;
  const names = (((workflow["jobs"] as Record<string, Map>)["release"]?.["steps"] ?? []) as Map[]).map((s) => s["name"]);
  assert.ok(names.indexOf(step) > names.indexOf("dist/ is the bundle of the tagged commit"));
  assert.ok(names.indexOf(step) < names.indexOf("Create the GitHub release"), "the release is made at the stamped commit");
});
