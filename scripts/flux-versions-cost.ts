// What the Flux version check costs (issue 23): runs the bundled action (dist/index.js; `npm run build` first) in
// mode plan against the local cloud on the seeded repository and on one with removed apiVersions, and prints
// - the requests the check adds: ARM GETs of the extension versions list; GitHub requests (none: it reads the objects
//   the repository check already read);
// - that ARM GET's own time (from the action's debug log) and whether it was on the critical path;
// - the analysis itself (parse + judge every object against two Flux versions), timed in-process over many rounds.
//   node scripts/flux-versions-cost.ts [--runs 5]
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { actionDefaults } from "../emulator/runner-env.ts";
import { actionEnv, defaultFluxTree, oldApiFiles, seedScenario, startLocalCloud, type LocalCloud } from "../emulator/index.ts";
import { parseManifests } from "../src/manifests/manifests.ts";
import { apiFindings } from "../src/manifests/api-findings.ts";
import { AZURE_REMOVED_API_VERSIONS } from "../src/manifests/flux-releases.ts";

const { values } = parseArgs({ options: { runs: { type: "string", default: "5" } } });
const runs = Math.min(15, Math.max(1, Number(values.runs) || 5));
const root = new URL("../", import.meta.url).pathname;

async function run(
  cloud: LocalCloud,
  label: string,
  files: Record<string, string>,
  path: string,
): Promise<{ ms: number[]; requests: number[]; offPath: number }> {
  const ms: number[] = [];
  const requests: number[] = [];
  let offPath = 0;
  for (let i = 0; i < runs; i += 1) {
    const scenario = await seedScenario(cloud, { clusterName: `aks-cost-${label}-${i}`, repo: `cost-${label}-${i}`, files });
    const dir = mkdtempSync(join(tmpdir(), "flux-cost-"));
    const env = { ...process.env, ...actionDefaults(), ...actionEnv(cloud, scenario, { mode: "plan", path }), RUNNER_DEBUG: "1" };
    writeFileSync(join(dir, "out"), "");
    const mark = cloud.traffic.log.length;
    const child = spawn(process.execPath, [join(root, "dist/index.js")], {
      env: { ...env, GITHUB_OUTPUT: join(dir, "out"), GITHUB_STEP_SUMMARY: join(dir, "out") },
      stdio: ["ignore", "pipe", "ignore"],
    });
    let out = "";
    child.stdout.on("data", (c: Buffer) => void (out += c.toString()));
    await new Promise((resolve) => child.on("close", resolve));
    rmSync(dir, { recursive: true, force: true });
    requests.push(cloud.traffic.log.slice(mark).filter((r) => r.path.includes("/extensionTypes/")).length);
    const line = /arm: GET \S+\/extensionTypes\/microsoft\.flux\/versions -> \d+ \((\d+) ms\)/.exec(out);
    ms.push(Number(line?.[1] ?? NaN));
    // Off the critical path when its answer came before the repository check's last read was even sent.
    const log = cloud.traffic.log.slice(mark);
    const versions = log.find((r) => r.path.includes("/extensionTypes/"));
    const lastRead = log.filter((r) => /\/git\/(trees|blobs)\//.test(r.path)).at(-1);
    if (versions && lastRead && versions.at + Number(line?.[1] ?? 0) <= lastRead.at) offPath += 1;
  }
  return { ms, requests, offPath };
}

function analysis(files: Record<string, string>): number {
  const manifests = Object.entries(files).flatMap(([file, text]) => (/\.ya?ml$/.test(file) ? parseManifests(file, text).manifests : []));
  const rounds = 2000;
  const start = performance.now();
  for (let i = 0; i < rounds; i += 1) {
    apiFindings(manifests, { flux: "2.6.4", removed: [] });
    apiFindings(manifests, { flux: "2.7.5", removed: AZURE_REMOVED_API_VERSIONS });
  }
  return ((performance.now() - start) / rounds) * 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
const cloud = await startLocalCloud();
try {
  const seeded = defaultFluxTree();
  const old = oldApiFiles({ path: "clusters/old", imageAutomation: true }).files;
  for (const [label, files, path] of [
    ["seeded", seeded, "clusters/staging"],
    ["removed-apis", old, "clusters/old"],
  ] as const) {
    const r = await run(cloud, label, files, path);
    console.log(
      `${label}: ${median(r.requests)} ARM request(s) per run (extension versions list), 0 extra GitHub requests; ` +
        `that GET ${median(r.ms)} ms median over ${runs} runs, answered before the repository check's last read in ${r.offPath}/${runs}; ` +
        `analysis ${analysis(files).toFixed(1)} µs per run (parse excluded: done by the repository check)`,
    );
  }
} finally {
  await cloud.close();
}
