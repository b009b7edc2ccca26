// Which installed packages the bundle in dist/ holds, read from the bundle's own text, by other means than the
// build (which reads webpack's stats): the test that checks dist/licenses.txt must not share the build's blind spots.
//
// webpack names a module's file only where it concatenates ES modules (`// CONCATENATED MODULE: ./node_modules/…`)
// or imports a CommonJS module from one (`// EXTERNAL MODULE: …`). A CommonJS module required only by another
// CommonJS module (jsonwebtoken's jws, jwa, ms, lodash.*, …) appears as `/***/ 1234:` and its source, nothing else. Those
// are matched by content: the lines webpack leaves as they were are looked up in the files of the installed packages
// the project depends on (and in src/), and the module belongs to the package whose lines it shares, rarer lines
// weighing more.
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

/** One package the bundle holds; `dirs` has more than one entry only when the content matched several equally. */
export interface Requirement {
  readonly dirs: readonly string[];
  readonly evidence: string;
}

export interface BundleContents {
  readonly requirements: readonly Requirement[];
  /** Modules with code that matched no installed package nor src/: the content check has a blind spot. */
  readonly unattributed: readonly string[];
}

const PROJECT = "(project)";
/**
 * Lines webpack writes itself say nothing about the source: its runtime and rewritten require/import/export, its
 * comments, export getters (`x: () => (/* reexport *\/ y)`) and mangled CommonJS exports (`exports.qg = …`). Nor do
 * short lines.
 */
const GENERATED =
  /__webpack|__nccwpck|WEBPACK|^\/\*+\/|^(import|export)\b|^;?\/\/ (EXPORTS|UNUSED EXPORTS|ESM COMPAT FLAG|NAMESPACE OBJECT|EXTERNAL MODULE|CONCATENATED MODULE)|\/\* (reexport|binding) \*\/|^exports\.[\w$]{1,2} = /;
const significant = (line: string): boolean => line.length >= 20 && !GENERATED.test(line);
const BUILTIN = /^module\.exports = (?:__WEBPACK_EXTERNAL_createRequire\(import\.meta\.url\)|require)\("[^"]+"\);$/m;
/** ncc's stand-in for an optional module that is not installed (its dist/ncc/@@notfound.js). */
const NOT_FOUND_STUB = /^module\.exports = eval\("require"\)\("[^"]+"\);$/m;

function packageDirOf(root: string, path: string): string | undefined {
  const at = path.lastIndexOf("node_modules/");
  if (at < 0) return undefined;
  const parts = path.slice(at + "node_modules/".length).split("/");
  const name = parts[0]?.startsWith("@") ? parts.slice(0, 2) : parts.slice(0, 1);
  return join(root, path.slice(0, at), "node_modules", ...name);
}

/** The installed packages reachable from package.json's dependencies, resolved the way Node resolves them. */
function dependencyDirs(root: string): string[] {
  const resolve = (from: string, name: string): string | undefined => {
    for (let dir = from; ; dir = dirname(dir)) {
      if (existsSync(join(dir, "node_modules", name, "package.json"))) return join(dir, "node_modules", name);
      if (dir === dirname(dir)) return undefined;
    }
  };
  const seen = new Set<string>();
  const project = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as { dependencies?: Record<string, string> };
  const queue: [string, string][] = Object.keys(project.dependencies ?? {}).map((name) => [root, name]);
  for (let next = queue.shift(); next; next = queue.shift()) {
    const dir = resolve(...next);
    if (!dir || seen.has(dir)) continue;
    seen.add(dir);
    const json = JSON.parse(readFileSync(join(dir, "package.json"), "utf8")) as Record<string, Record<string, string> | undefined>;
    for (const field of ["dependencies", "optionalDependencies", "peerDependencies"]) {
      for (const name of Object.keys(json[field] ?? {})) queue.push([dir, name]);
    }
  }
  return [...seen];
}

function sourceFiles(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : sourceFiles(path, pattern);
    return pattern.test(entry.name) ? [path] : [];
  });
}

/** Each significant line of the candidates' files, with the packages (or PROJECT) whose files hold it. */
function lineIndex(root: string): Map<string, Set<string>> {
  const index = new Map<string, Set<string>>();
  const add = (owner: string, file: string): void => {
    for (const raw of readFileSync(file, "utf8").split("\n")) {
      const line = raw.trim();
      if (!significant(line)) continue;
      const owners = index.get(line) ?? new Set<string>();
      owners.add(owner);
      index.set(line, owners);
    }
  };
  for (const dir of dependencyDirs(root)) for (const file of sourceFiles(dir, /\.(c|m)?js$|\.json$/)) add(dir, file);
  for (const file of sourceFiles(join(root, "src"), /\.ts$/)) add(PROJECT, file);
  return index;
}

/** The packages whose lines `body` shares, best first: score = sum over shared lines of 1 / (packages holding it). */
function bestOwners(body: string, index: Map<string, Set<string>>): { owners: string[]; lines: number } {
  const score = new Map<string, number>();
  let lines = 0;
  for (const raw of body.split("\n")) {
    const line = raw.trim();
    if (!significant(line)) continue;
    lines += 1;
    const owners = index.get(line) ?? new Set<string>();
    for (const owner of owners) score.set(owner, (score.get(owner) ?? 0) + 1 / owners.size);
  }
  const best = Math.max(0, ...score.values());
  return { owners: [...score].filter(([, s]) => best > 0 && s >= best - 1e-9).map(([owner]) => owner), lines };
}

/** Reads every .js file of `dist` and says which installed packages (folders) it holds. */
export function bundleContents(root: string, dist: string): BundleContents {
  const index = lineIndex(root);
  const requirements: Requirement[] = [];
  const unattributed: string[] = [];
  const ncc = join(root, "node_modules", "@vercel", "ncc");
  for (const file of readdirSync(dist).filter((name) => name.endsWith(".js"))) {
    const text = readFileSync(join(dist, file), "utf8");
    for (const [, path] of text.matchAll(/^;?\/\/ (?:CONCATENATED|EXTERNAL) MODULE: \.\/(\S+)$/gm)) {
      const dir = packageDirOf(root, path ?? "");
      if (dir) requirements.push({ dirs: [dir], evidence: `${file}: ${path}` });
    }
    const parts = text.split(/^\/\*\*\*\/ (\d+):$/m);
    for (let i = 1; i < parts.length; i += 2) {
      const where = `${file} module ${parts[i]}`;
      // What follows the first concatenated section is named by the section comments read above.
      const body = (parts[i + 1] ?? "").split(/^;?\/\/ CONCATENATED MODULE: /m)[0] ?? "";
      if (NOT_FOUND_STUB.test(body)) {
        requirements.push({ dirs: [ncc], evidence: `${where}: ncc's stand-in for a missing optional module` });
        continue;
      }
      const { owners, lines } = bestOwners(body, index);
      if (owners.length === 0) {
        if (lines > 0 && !BUILTIN.test(body)) unattributed.push(`${where} (${lines} lines of code): ${body.trim().slice(0, 160)}`);
        continue;
      }
      const dirs = owners.filter((owner) => owner !== PROJECT);
      if (dirs.length === owners.length) requirements.push({ dirs, evidence: `${where}: content` });
    }
  }
  return { requirements, unattributed };
}
