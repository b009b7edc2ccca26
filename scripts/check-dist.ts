// Fails when dist/ differs from a fresh bundle of src/ (what CI and the release workflow run): the same build as
// `npm run build` (scripts/build.ts: ncc, then licenses.txt), into a temporary folder, compared file by file.
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { build } from "./build.ts";

const fresh = join(mkdtempSync(join(tmpdir(), "check-dist-")), "dist");
try {
  build(fresh);
  const names = new Set([...readdirSync("dist"), ...readdirSync(fresh)]);
  const differing = [...names].filter((name) => {
    try {
      return !readFileSync(join("dist", name)).equals(readFileSync(join(fresh, name)));
    } catch {
      return true;
    }
  });
  if (differing.length > 0) {
    console.error(`dist/ is stale: ${differing.join(", ")} differ from a fresh bundle. Run \`npm run build\` and commit dist/.`);
    process.exitCode = 1;
  } else {
    console.log(`dist/ matches a fresh bundle (${names.size} files).`);
  }
} finally {
  rmSync(join(fresh, ".."), { recursive: true, force: true });
}
