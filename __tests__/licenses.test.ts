// dist/licenses.txt carries the licence of every package the bundle holds. Which packages those are is read from the
// bundle itself (support/bundle-contents.ts: webpack's module comments and the modules' content), not from the
// build's webpack stats, and each one's licence and notice files are read from node_modules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { bundleContents, type Requirement } from "./support/bundle-contents.ts";

const root = join(import.meta.dirname, "..");
const dist = join(root, "dist");
const RULE = `\n${"=".repeat(80)}\n`;

interface Entry {
  readonly heading: string;
  readonly body: string;
}

/** The entries of licenses.txt: after each rule, a `name version` heading line and the rest. */
function entriesOf(text: string): Entry[] {
  return text
    .split(RULE)
    .slice(1)
    .map((part) => ({ heading: part.split("\n")[0] ?? "", body: part }));
}

const normalise = (text: string): string =>
  text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .trimEnd();

/** What an entry for the package in `dir` must hold: heading, licence id, and the text of each licence/notice file. */
function expected(dir: string): { heading: string; licence: string; texts: string[] } {
  const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; version: string; license?: unknown };
  const texts = readdirSync(dir)
    .filter((name) => /^(licen[cs]e|copying|notice)/i.test(name) && statSync(join(dir, name)).isFile())
    .map((name) => normalise(readFileSync(join(dir, name), "utf8")))
    .filter((text) => text !== "");
  const licence = typeof json.license === "string" ? json.license : String((json.license as { type?: string } | undefined)?.type);
  return { heading: `${json.name} ${json.version}`, licence, texts };
}

/** Why licenses.txt does not cover `requirement` (none of its candidate packages fully present), or undefined. */
function problemOf(entries: readonly Entry[], requirement: Requirement): string | undefined {
  const problems = requirement.dirs.map((dir) => {
    const want = expected(dir);
    const entry = entries.find((e) => e.heading === want.heading);
    if (!entry) return `${want.heading}: no entry`;
    if (!entry.body.includes(`\nLicense: ${want.licence}\n`)) return `${want.heading}: licence id is not ${want.licence}`;
    if (want.texts.length === 0 && !/No licence file in the package/.test(entry.body)) return `${want.heading}: no licence text`;
    const missing = want.texts.filter((text) => !entry.body.includes(text));
    return missing.length > 0 ? `${want.heading}: ${missing.length} licence/notice text(s) missing` : undefined;
  });
  return problems.some((p) => p === undefined) ? undefined : `${problems.join(" / ")} (bundled: ${requirement.evidence})`;
}

function licenceProblems(licenses: string, requirements: readonly Requirement[]): string[] {
  const entries = entriesOf(licenses);
  return [...new Set(requirements.flatMap((r) => problemOf(entries, r) ?? []).map((p) => p.replace(/ \(bundled: .*$/, "")))].sort();
}

const contents = bundleContents(root, dist);
const licenses = readFileSync(join(dist, "licenses.txt"), "utf8");

test("the bundle is read in full: every module with code belongs to an installed package or to src/", () => {
  assert.deepEqual(contents.unattributed, []);
  const packages = new Set(contents.requirements.flatMap((r) => r.dirs));
  // Far more than ncc's --license output ever listed (one package, then one chunk's).
  assert.ok(packages.size >= 50, `only ${packages.size} packages found in the bundle`);
  for (const name of ["@actions/core", "@azure/identity", "jws", "ms", "libsodium", "open"]) {
    assert.ok(
      [...packages].some((dir) => relative(root, dir) === join("node_modules", name)),
      `${name} not found in the bundle`,
    );
  }
});

test("dist/licenses.txt holds the licence and notice texts of every bundled package", () => {
  assert.deepEqual(licenceProblems(licenses, contents.requirements), []);
  const listed = entriesOf(licenses).map((e) => e.heading);
  assert.equal(new Set(listed).size, listed.length, "a package is listed twice");
});

test("the check fails when a bundled package's notice is removed, or its entry", () => {
  const entries = entriesOf(licenses);
  const jws = entries.find((e) => e.heading.startsWith("jws "));
  assert.ok(jws, "jws has no entry");
  const copyright = /^Copyright .*$/m.exec(expected(join(root, "node_modules", "jws")).texts[0] ?? "")?.[0];
  assert.ok(copyright, "jws's LICENSE has no copyright line");
  assert.deepEqual(licenceProblems(licenses.replace(jws.body, jws.body.replace(copyright, "")), contents.requirements), [
    `${jws.heading}: 1 licence/notice text(s) missing`,
  ]);
  assert.deepEqual(licenceProblems(licenses.replace(`${RULE}${jws.body}`, ""), contents.requirements), [`${jws.heading}: no entry`]);
});
