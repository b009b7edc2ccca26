// Fails when dist/ differs from a fresh bundle of src/ (what CI and the check-dist workflow run).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const fresh = mkdtempSync(join(tmpdir(), "check-dist-"));
try {
  execFileSync("ncc", ["build", "src/index.ts", "-o", fresh, "--license", "licenses.txt", "--quiet"], { stdio: "inherit" });
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
    process.exit(1);
  }
  console.log(`dist/ matches a fresh bundle (${names.size} files).`);
} finally {
  rmSync(fresh, { recursive: true, force: true });
}
