// The release workflow's checks for a version tag, and its release notes: the tag is vX.Y.Z (or vX.Y.Z-pre.N),
// package.json carries that version, and CHANGELOG.md has a dated `## [X.Y.Z] - YYYY-MM-DD` section, whose text
// becomes the notes.
//   node scripts/release-notes.ts v1.2.3 NOTES_FILE   writes the notes; prints version=, major=, prerelease= lines
//                                                     (for $GITHUB_OUTPUT); exits 1 with an ::error:: otherwise
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export interface Release {
  readonly version: string;
  /** The moving major tag, e.g. `v1` for v1.2.3. */
  readonly major: string;
  /** A version with a pre-release part (v1.3.0-rc.1): published as a pre-release, the major tag stays. */
  readonly prerelease: boolean;
  readonly notes: string;
}

const TAG = /^v((0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-([0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*))?)$/;
/** `## [1.2.3] - 2026-12-02`, `## [1.2.3] - unreleased`, `## [Unreleased]`. */
const HEADING = /^## \[([^\]]+)\](?: - (.+))?$/;

/** The body of each `## [...]` section of CHANGELOG.md, by the name in brackets, with the text after ` - `. */
export function changelogSections(changelog: string): Map<string, { readonly label: string | undefined; readonly body: string }> {
  const sections = new Map<string, { readonly label: string | undefined; readonly body: string }>();
  let open: { name: string; label: string | undefined; lines: string[] } | undefined;
  const close = (): void => {
    if (open) sections.set(open.name, { label: open.label, body: open.lines.join("\n").trim() });
  };
  for (const line of changelog.replace(/\r\n?/g, "\n").split("\n")) {
    if (!line.startsWith("## ")) {
      open?.lines.push(line);
      continue;
    }
    close();
    const heading = HEADING.exec(line.trimEnd());
    open = heading ? { name: heading[1] ?? "", label: heading[2]?.trim(), lines: [] } : undefined;
  }
  close();
  return sections;
}

/** Checks a tag against package.json's version and CHANGELOG.md; the error message says what to fix. */
export function releaseOf(tag: string, packageVersion: string, changelog: string): Release {
  const match = TAG.exec(tag);
  if (!match) throw new Error(`Tag '${tag}' is not a version tag vMAJOR.MINOR.PATCH (optionally -prerelease, e.g. v1.2.3-rc.1).`);
  const version = match[1] ?? "";
  if (packageVersion !== version) {
    throw new Error(
      `package.json has version ${packageVersion}, the tag says ${version}: set "version": "${version}" and tag that commit.`,
    );
  }
  const section = changelogSections(changelog).get(version);
  if (!section) throw new Error(`CHANGELOG.md has no section '## [${version}] - YYYY-MM-DD': add one with this release's changes.`);
  if (!section.label || !/^\d{4}-\d{2}-\d{2}$/.test(section.label)) {
    throw new Error(
      `CHANGELOG.md's section for ${version} is dated '${section.label ?? ""}', not YYYY-MM-DD: write the release date in the heading.`,
    );
  }
  if (section.body === "") throw new Error(`CHANGELOG.md's section for ${version} is empty: say what changed.`);
  return { version, major: `v${match[2] ?? ""}`, prerelease: match[5] !== undefined, notes: `${section.body}\n` };
}

function main(args: readonly string[]): number {
  const [tag, notesFile] = args;
  if (tag === undefined || notesFile === undefined) {
    console.error("usage: node scripts/release-notes.ts vX.Y.Z NOTES_FILE");
    return 2;
  }
  const root = resolve(import.meta.dirname, "..");
  const { version: packageVersion } = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { version: string };
  try {
    const release = releaseOf(tag, packageVersion, readFileSync(join(root, "CHANGELOG.md"), "utf8"));
    writeFileSync(notesFile, release.notes);
    console.log(`version=${release.version}\nmajor=${release.major}\nprerelease=${String(release.prerelease)}`);
    return 0;
  } catch (error) {
    console.error(`::error title=Release ${tag}::${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
