// `npm run build`: bundles src/index.ts into dist/ with ncc, then writes dist/licenses.txt from the modules the
// bundle holds (scripts/third-party-licenses.ts says why ncc's own --license output is not used).
//   node scripts/build.ts            build into dist/
//   node scripts/build.ts OUT_DIR    build into OUT_DIR (check-dist builds a fresh copy to compare)
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bundledPackageDirs, readPackage, renderLicenses, type Stats } from "./third-party-licenses.ts";

const root = resolve(import.meta.dirname, "..");
const NCC = join(root, "node_modules/@vercel/ncc/dist/ncc/cli.js");

/** Builds the bundle into `outDir` (emptied first: a chunk of an earlier build must not linger) and its licenses.txt. */
export function build(outDir: string): void {
  const out = resolve(root, outDir);
  rmSync(out, { recursive: true, force: true });
  const work = mkdtempSync(join(tmpdir(), "build-stats-"));
  try {
    const statsFile = join(work, "stats.json");
    execFileSync(process.execPath, [NCC, "build", "src/index.ts", "-o", out, "--stats-out", statsFile, "--quiet"], {
      cwd: root,
      stdio: "inherit",
    });
    const stats = JSON.parse(readFileSync(statsFile, "utf8")) as Stats;
    const packages = bundledPackageDirs(stats).map((dir) => readPackage(root, dir));
    writeFileSync(join(out, "licenses.txt"), renderLicenses(packages));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  build(process.argv[2] ?? "dist");
}
