// dist/licenses.txt: the licence of every package whose code the bundle holds, found from the modules webpack put
// in it (ncc --stats-out), not from package-lock (which lists what is installed, not what is bundled).
//
// Why not ncc's own `--license licenses.txt`: ncc 0.45.0 creates license-webpack-plugin with only
// `{ outputFilename }`, and that plugin writes one file per chunk by default (`perChunkOutput: true`). Every chunk
// (dist/index.js and each lazily loaded NNN.index.js) writes its licences to the same name, so the last chunk wins
// and dist/licenses.txt lists only that chunk's packages.
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";

/** The part of webpack's stats JSON read here: modules, their concatenated inner modules, child compilations. */
export interface StatsModule {
  readonly nameForCondition?: string | null;
  readonly modules?: readonly StatsModule[];
}
export interface Stats {
  readonly modules?: readonly StatsModule[];
  readonly children?: readonly Stats[];
}

export interface LicenceFile {
  readonly name: string;
  readonly text: string;
}

export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  /** The package folder relative to the project root, with `/` (e.g. `node_modules/@azure/identity`). */
  readonly dir: string;
  /** The package.json `license` field (SPDX expression). */
  readonly licence: string;
  /** Licence and notice files at the package root (LICENSE*, LICENCE*, COPYING*, NOTICE*), by name. */
  readonly files: readonly LicenceFile[];
}

const LICENCE_FILE = /^(licen[cs]e|copying|notice)([-._].*)?$/i;
const RULE = "=".repeat(80);
const THIN = "-".repeat(80);

/** The package folder (absolute) that holds `file`: the path up to the package name after the last node_modules/. */
export function packageDirOf(file: string): string | undefined {
  const marker = `${sep}node_modules${sep}`;
  const at = file.lastIndexOf(marker);
  if (at < 0) return undefined;
  const parts = file.slice(at + marker.length).split(sep);
  const name = parts[0]?.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1);
  return file.slice(0, at + marker.length) + name.join(sep);
}

/** Every package folder (absolute) with at least one module in the bundle, sorted. */
export function bundledPackageDirs(stats: Stats): string[] {
  const dirs = new Set<string>();
  const walk = (modules: readonly StatsModule[] | undefined): void => {
    for (const module of modules ?? []) {
      const dir = module.nameForCondition ? packageDirOf(module.nameForCondition) : undefined;
      if (dir) dirs.add(dir);
      walk(module.modules);
    }
  };
  const visit = (compilation: Stats): void => {
    walk(compilation.modules);
    for (const child of compilation.children ?? []) visit(child);
  };
  visit(stats);
  return [...dirs].sort();
}

/** Text as it is printed: no byte-order mark, LF line ends, no trailing blank lines. */
export function normaliseText(text: string): string {
  return text
    .replace(/^\uFEFF/, "")
    .replace(/\r\n?/g, "\n")
    .trimEnd();
}

/** The SPDX id from package.json: `license` (string or old `{ type }`), or the old `licenses` list. */
export function licenceOf(json: { license?: unknown; licenses?: unknown }): string | undefined {
  const typeOf = (value: unknown): string | undefined =>
    typeof value === "string"
      ? value
      : typeof value === "object" && value !== null
        ? String((value as { type?: unknown }).type)
        : undefined;
  if (json.license !== undefined) return typeOf(json.license);
  if (Array.isArray(json.licenses) && json.licenses.length > 0) return json.licenses.map(typeOf).join(" OR ");
  return undefined;
}

/** Reads a bundled package's name, version, licence id and licence files (identical texts once). */
export function readPackage(root: string, dir: string): BundledPackage {
  const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as { name: string; version: string; license?: unknown };
  const texts = new Set<string>();
  const files: LicenceFile[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!LICENCE_FILE.test(name) || !statSync(join(dir, name)).isFile()) continue;
    const text = normaliseText(readFileSync(join(dir, name), "utf8"));
    if (text === "" || texts.has(text)) continue;
    texts.add(text);
    files.push({ name, text });
  }
  const licence = licenceOf(json);
  const where = relative(root, dir).split(sep).join("/");
  if (licence === undefined && files.length === 0) {
    throw new Error(`${json.name}@${json.version} (${where}) is bundled but has neither a licence file nor a license field.`);
  }
  return { name: json.name, version: json.version, dir: where, licence: licence ?? "UNKNOWN (no license field)", files };
}

/** The heading line of a package's entry in licenses.txt. */
export function entryHeading(pkg: { readonly name: string; readonly version: string }): string {
  return `${pkg.name} ${pkg.version}`;
}

/** The line an entry carries when the package ships no licence file. */
export function noFileLine(licence: string): string {
  return `No licence file in the package; its package.json declares the licence as ${licence}.`;
}

/** licenses.txt: a header, then one entry per package (sorted by name and version) with the full texts. */
export function renderLicenses(packages: readonly BundledPackage[]): string {
  const sorted = [...packages].sort((a, b) => (a.name === b.name ? (a.version < b.version ? -1 : 1) : a.name < b.name ? -1 : 1));
  const lines = [
    "Third-party software bundled in dist/ (dist/index.js and the chunks it loads), with the licence and notice",
    `texts each package ships. ${sorted.length} packages. Written by scripts/build.ts (npm run build); do not edit.`,
  ];
  for (const pkg of sorted) {
    lines.push("", RULE, entryHeading(pkg), `License: ${pkg.licence}`, `Source: ${pkg.dir}`);
    if (pkg.files.length === 0) lines.push(THIN, noFileLine(pkg.licence));
    for (const file of pkg.files) lines.push(THIN, `${file.name}:`, "", file.text);
  }
  return `${lines.join("\n")}\n`;
}
