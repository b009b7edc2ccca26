// The action's published repository is named in one place: package.json's `repository`. The README, CONTRIBUTING,
// docs, examples and reusable workflows refer to it as OWNER/NAME@ref or OWNER/NAME/.github/workflows/…@ref; this
// script checks them against it, changes it everywhere, and stamps a release's reusable workflows with that release.
//   node scripts/published-repository.ts                 check: every reference names it, no placeholder is left
//   node scripts/published-repository.ts set OWNER/NAME  name another repository (a fork, a mirror) everywhere
//   node scripts/published-repository.ts stamp vX.Y.Z   the reusable workflows run the action (and each other) at vX.Y.Z
//   node scripts/published-repository.ts release OWNER/NAME   exit 1 unless the release runs in the named repository
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { join, relative } from "node:path";

const ROOT = join(import.meta.dirname, "..");
const SLUG = /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9._-]+$/;
/** Placeholders that must never reach users: a `uses:` line with one of them runs nothing, or someone else's code. */
const PLACEHOLDERS = [/\byour-org\b/i, /\bOWNER\/aks-flux-bootstrap\b/];

/** `owner/name` from package.json's `repository` (`github:owner/name`, `owner/name` or a github.com URL). */
export function publishedRepository(packageJson: string): string {
  const field = (JSON.parse(packageJson) as { repository?: string | { url?: string } }).repository;
  const text = typeof field === "string" ? field : (field?.url ?? "");
  const slug = text
    .replace(/^(github:|git\+)?(https:\/\/github\.com\/)?/, "")
    .replace(/^github:/, "")
    .replace(/\.git$/, "");
  if (!SLUG.test(slug))
    throw new Error(`package.json's "repository" (${JSON.stringify(field)}) does not name a GitHub repository owner/name.`);
  return slug;
}

/** Files that name the published repository: what users read and copy, and the workflows. */
export function referringFiles(root: string = ROOT): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(join(root, dir)).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(join(root, path)).isDirectory() ? walk(path) : [path];
    });
  return ["README.md", "CONTRIBUTING.md", "SECURITY.md", "action.yml", ...walk("docs"), ...walk("examples"), ...walk(".github")].filter(
    (file) => /\.(md|ya?ml|json|sh|bicep)$/.test(file),
  );
}

/** References to a repository named like the published one, as `uses:` and links write them. */
function referencePattern(name: string): RegExp {
  return new RegExp(
    `(?<![\\w.-])([A-Za-z0-9][\\w.-]*)/${name.replace(/[.]/g, "\\.")}(?=@|/\\.github/workflows/|/fleet/|/blob/|/releases)`,
    "g",
  );
}

/** What is wrong in one file's text: references to another repository, placeholders. */
export function problemsIn(file: string, text: string, repository: string): string[] {
  const [owner, name] = repository.split("/") as [string, string];
  const problems: string[] = [];
  text.split("\n").forEach((line, i) => {
    for (const match of line.matchAll(referencePattern(name)))
      if (match[1] !== owner) problems.push(`${file}:${i + 1}: names ${match[1]}/${name}, not ${repository}`);
    for (const placeholder of PLACEHOLDERS)
      if (placeholder.test(line)) problems.push(`${file}:${i + 1}: a placeholder (${placeholder.source}) where a real name belongs`);
  });
  return problems;
}

/** Every reference in the referring files renamed to `to`, and package.json's `repository` with it. */
export function setRepository(root: string, from: string, to: string): number {
  const [, name] = from.split("/") as [string, string];
  let files = 0;
  for (const file of referringFiles(root)) {
    const text = readFileSync(join(root, file), "utf8");
    const renamed = text.replace(referencePattern(name), () => to);
    if (renamed !== text) {
      writeFileSync(join(root, file), renamed);
      files += 1;
    }
  }
  const packageJson = readFileSync(join(root, "package.json"), "utf8");
  writeFileSync(join(root, "package.json"), packageJson.replace(`https://github.com/${from}.git`, `https://github.com/${to}.git`));
  return files + 1;
}

/**
 * A reusable workflow's references to the published repository at a moving ref (`@v1`, `@main`) pinned to the release
 * `tag`: `owner/name@v1` → `owner/name@v1.2.3`, `owner/name/.github/workflows/x.yml@v1` and `owner/name/fleet/x@v1`
 * (the fleet's composite actions) → `…@v1.2.3`.
 */
export function stampWorkflow(text: string, repository: string, tag: string): string {
  const escaped = repository.replace(/[.]/g, "\\.");
  return text.replace(new RegExp(`(uses:\\s*${escaped}(?:/\\.github/workflows/[\\w.-]+|/fleet/[\\w.-]+)?)@[\\w./-]+`, "g"), `$1@${tag}`);
}

function main(args: readonly string[]): number {
  const repository = publishedRepository(readFileSync(join(ROOT, "package.json"), "utf8"));
  const [command, value] = args;
  if (command === "set" && value && SLUG.test(value)) {
    const changed = setRepository(ROOT, repository, value);
    console.log(`${value} named in ${changed} file(s) (was ${repository}). Check with: npm run repository`);
    return 0;
  }
  if (command === "stamp" && value && /^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(value)) {
    const workflows = referringFiles(ROOT).filter((file) => file.startsWith(".github/workflows/"));
    for (const file of workflows) {
      const text = readFileSync(join(ROOT, file), "utf8");
      const stamped = stampWorkflow(text, repository, value);
      if (stamped !== text) {
        writeFileSync(join(ROOT, file), stamped);
        console.log(`${file}: ${repository} at ${value}`);
      }
    }
    return 0;
  }
  if (command === "release" && value) {
    if (value.toLowerCase() === repository.toLowerCase()) return 0;
    console.error(
      `::error title=Published repository::This release runs in ${value}, but package.json names ${repository} as the action's ` +
        `repository, so the docs and reusable workflows would point there. Run \`npm run repository -- set ${value}\` and commit.`,
    );
    return 1;
  }
  if (command !== undefined) {
    console.error("usage: node scripts/published-repository.ts [set OWNER/NAME | stamp vX.Y.Z | release OWNER/NAME]");
    return 2;
  }
  const problems = referringFiles(ROOT).flatMap((file) => problemsIn(file, readFileSync(join(ROOT, file), "utf8"), repository));
  if (problems.length > 0) {
    console.error(`${problems.join("\n")}\n\nThe action's repository is ${repository} (package.json "repository").`);
    return 1;
  }
  console.log(`Every reference names ${repository} (${relative(process.cwd(), join(ROOT, "package.json")) || "package.json"}).`);
  return 0;
}

if (import.meta.main) process.exitCode = main(process.argv.slice(2));
