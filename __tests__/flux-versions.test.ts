// Flux versions, through the bundled action and the local cloud: which Flux the cluster runs and will run, the
// repository's apiVersions that Flux refuses (found before any write, by file and line), the interim upgrade step
// Azure requires, downgrades, and the Flux agent's own refusal when the check is off. "Before any write" is asserted
// on the request log.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { actionEnv, oldApiFiles, seedScenario, startLocalCloud, type LocalCloud, type Scenario } from "../emulator/index.ts";
import { errorAnnotations } from "./support/annotations.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";

let cloud: LocalCloud;
before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

const PATH = "clusters/old";
const fixture = oldApiFiles({ path: PATH });
const [releaseFile, releaseLine] = fixture.lines.helmRelease;
const [repositoryFile, repositoryLine] = fixture.lines.helmRepository;

interface Ran {
  readonly run: ActionRun;
  readonly writes: readonly string[];
  readonly scenario: Scenario;
}

async function runOn(
  name: string,
  inputs: Record<string, string>,
  extension?: Parameters<LocalCloud["azure"]["addExtension"]>[1],
): Promise<Ran> {
  const scenario = await seedScenario(cloud, { clusterName: `aks-${name}`, repo: `cfg-${name}`, files: fixture.files });
  if (extension) cloud.azure.addExtension(scenario.clusterId, extension);
  return runSeeded(scenario, inputs);
}

async function runSeeded(scenario: Scenario, inputs: Record<string, string>): Promise<Ran> {
  const mark = cloud.traffic.log.length;
  const run = await runAction(actionEnv(cloud, scenario, { path: PATH, "wait-timeout": "2m", ...inputs }), { bundled: true });
  const writes = cloud.writes({ since: mark }).map((r) => `${r.method} ${r.path}`);
  return { run, writes, scenario };
}

/** `::warning title=T,file=F,line=L::message` annotations, unescaped. */
function annotations(stdout: string, level: "warning" | "error"): { title: string; file: string; line: string; message: string }[] {
  const unescape = (t: string): string => t.replace(/%0A/g, "\n").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
  return [...stdout.matchAll(new RegExp(`^::${level} (.*?)::(.*)$`, "gm"))].map((m) => {
    const props = Object.fromEntries(
      (m[1] ?? "").split(",").map((p) => [p.slice(0, p.indexOf("=")), unescape(p.slice(p.indexOf("=") + 1))]),
    );
    return { title: props["title"] ?? "", file: props["file"] ?? "", line: props["line"] ?? "", message: unescape(m[2] ?? "") };
  });
}

test("a cluster that would get Flux 2.7 fails before any write, naming both objects by file and line with their replacement", async () => {
  const { run, writes } = await runOn("api-new", {});
  assert.equal(run.code, 1, run.everything);
  assert.deepEqual(writes, [], "nothing was written");
  const final = errorAnnotations(run.stdout).find((a) => a.title === "Flux would refuse manifests in the repository");
  assert.ok(final, run.stdout);
  assert.match(final.message, /microsoft\.flux 1\.24\.1 runs Flux 2\.7\.5/);
  assert.ok(
    final.message.includes(
      `${releaseFile}:${releaseLine}: HelmRelease podinfo: Flux 2.7.5 does not serve helm.toolkit.fluxcd.io/v2beta1; use helm.toolkit.fluxcd.io/v2.`,
    ),
    final.message,
  );
  assert.ok(
    final.message.includes(
      `${repositoryFile}:${repositoryLine}: HelmRepository podinfo: Flux 2.7.5 does not serve source.toolkit.fluxcd.io/v1beta2; use source.toolkit.fluxcd.io/v1.`,
    ),
    final.message,
  );
  assert.ok(final.message.includes(`flux migrate -f ${PATH} --version 2.7`), final.message);
  const perFile = annotations(run.stdout, "error").filter((a) => a.file !== "");
  assert.deepEqual(
    perFile.map((a) => `${a.file}:${a.line}`).sort(),
    [`${releaseFile}:${releaseLine}`, `${repositoryFile}:${repositoryLine}`].sort(),
  );
  assert.match(run.summary, /this run installs 1\.24\.1 \(Flux 2\.7\.5\)/);
});

test("the same repository on a cluster pinned below 1.23 with auto-upgrade off passes, with deprecation warnings", async () => {
  const { run } = await runOn("api-pinned", { "extension-version": "1.22.2" }, { version: "1.22.2" });
  assert.equal(run.code, 0, run.everything);
  const deprecated = annotations(run.stdout, "warning").filter((a) => a.title === "Deprecated Flux apiVersion");
  assert.deepEqual(
    deprecated.map((a) => `${a.file}:${a.line}`).sort(),
    [`${releaseFile}:${releaseLine}`, `${repositoryFile}:${repositoryLine}`].sort(),
  );
  assert.match(run.stdout, /Flux versions: installed: microsoft\.flux 1\.22\.2 \(Flux 2\.6\.4\), auto-upgrade off/);
  assert.match(run.outputs["compliance-state"] ?? "", /^Compliant$/);
  assert.equal(run.outputs["flux-version"], "2.6.4");
});

test("with auto-upgrade on, a warning says the next upgrade will break it, and it does", async () => {
  const { run, scenario } = await runOn("api-auto", {}, { version: "1.22.2", autoUpgrade: true });
  assert.equal(run.code, 0, run.everything);
  const next = annotations(run.stdout, "warning").filter((a) => a.title.startsWith("The next Flux upgrade (1.24.1) will refuse this"));
  assert.equal(next.length, 2, run.stdout);
  assert.match(next[0]?.message ?? "", /without a workflow run/);
  assert.match(run.summary, /auto-upgrade will move the cluster to 1\.24\.1 \(Flux 2\.7\.5\)/);
  // Azure's auto-upgrade, then Flux: what the warning foretold.
  cloud.azure.autoUpgradeExtensions();
  await cloud.azure.reconcileNow();
  const configuration = cloud.azure.getFluxConfiguration(scenario.clusterId, "flux-system");
  assert.equal(configuration?.properties["complianceState"], "Non-Compliant");
  assert.match(String(configuration?.properties["errorMessage"]), /no matches for kind "HelmRe(lease|pository)"/);
});

test("pinning 1.23.0 on a cluster at 1.20.4 is refused before any write with the interim step, which then works", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-api-interim", repo: "cfg-api-interim" });
  cloud.azure.addExtension(scenario.clusterId, { version: "1.20.4" });
  const inputs = { path: "clusters/staging" };
  const refused = await runSeeded(scenario, { ...inputs, "extension-version": "1.23.0" });
  assert.equal(refused.run.code, 1, refused.run.everything);
  assert.deepEqual(refused.writes, []);
  const [error] = errorAnnotations(refused.run.stdout);
  assert.equal(error?.title, "Flux extension upgrade needs an interim version");
  assert.match(error?.message ?? "", /1\. extension-version: 1\.22\.2 .*\n.*2\. then extension-version: 1\.23\.0/);
  const interim = await runSeeded(scenario, { ...inputs, "extension-version": "1.22.2" });
  assert.equal(interim.run.code, 0, interim.run.everything);
  const final = await runSeeded(scenario, { ...inputs, "extension-version": "1.23.0" });
  assert.equal(final.run.code, 0, final.run.everything);
  assert.equal(cloud.azure.getExtension(scenario.clusterId, "flux")?.properties["currentVersion"], "1.23.0");
});

test("a downgrade is refused unless asked for", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-api-down", repo: "cfg-api-down" });
  cloud.azure.addExtension(scenario.clusterId, { version: "1.24.1" });
  const refused = await runSeeded(scenario, { path: "clusters/staging", "extension-version": "1.23.1" });
  assert.equal(refused.run.code, 1, refused.run.everything);
  assert.deepEqual(refused.writes, []);
  assert.equal(errorAnnotations(refused.run.stdout)[0]?.title, "Flux extension downgrade refused");
  const allowed = await runSeeded(scenario, {
    path: "clusters/staging",
    "extension-version": "1.23.1",
    "allow-extension-downgrade": "true",
  });
  assert.equal(allowed.run.code, 0, allowed.run.everything);
});

test("plan shows the Flux versions and the findings, and stops as apply would", async () => {
  const { run, writes } = await runOn("api-plan", { mode: "plan" });
  assert.deepEqual(writes, []);
  assert.equal(run.code, 1, run.everything);
  assert.match(run.stdout, /Flux versions: installed: none/);
  assert.match(run.stdout, /Flux versions: this run installs 1\.24\.1 \(Flux 2\.7\.5\), auto-upgrade on \(Stable\)/);
  assert.match(run.summary, new RegExp(`refused \\(fails before any write\\): ${releaseFile}:${releaseLine}`));
});

test("without the check, Flux's own refusal ends the wait at once with its message and the fix", async () => {
  const { run } = await runOn("api-off", { "flux-api-check": "off" });
  assert.equal(run.code, 1, run.everything);
  const [error] = errorAnnotations(run.stdout);
  assert.equal(error?.title, "Flux refuses an apiVersion in the repository", run.stdout);
  assert.match(error?.message ?? "", /dry-run failed, error: no matches for kind "HelmRe(lease|pository)" in version/);
  assert.match(error?.message ?? "", /flux migrate -f <path>/);
});

test("a role that may not list the train's versions: they are unknown, and the objects are judged against the newest the notes name, as warnings", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-api-norole", repo: "cfg-api-norole", files: fixture.files, roles: [] });
  cloud.azure.grantRole({
    clientId: scenario.clientId,
    scope: scenario.clusterId,
    role: { actions: ["*"], notActions: ["Microsoft.KubernetesConfiguration/extensionTypes/read"] },
  });
  const { run, writes } = await runSeeded(scenario, { mode: "plan" });
  assert.deepEqual(writes, []);
  assert.equal(run.code, 0, run.everything);
  assert.match(
    run.stdout,
    /Flux versions: newest version on the train: unknown \(listing the Stable versions failed: .*extensionTypes\/read/,
  );
  const assumed = annotations(run.stdout, "warning").filter((a) => a.title === "microsoft.flux 1.24.1 and later refuse this");
  assert.deepEqual(
    assumed.map((a) => `${a.file}:${a.line}`).sort(),
    [`${releaseFile}:${releaseLine}`, `${repositoryFile}:${repositoryLine}`].sort(),
  );
});

test("auto-upgrade that would skip the interim version is warned about, with the pin to set", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-api-autoskip", repo: "cfg-api-autoskip" });
  cloud.azure.addExtension(scenario.clusterId, { version: "1.20.4", autoUpgrade: true });
  const { run } = await runSeeded(scenario, { path: "clusters/staging" });
  assert.equal(run.code, 0, run.everything);
  const [warning] = annotations(run.stdout, "warning").filter((a) => a.title === "Auto-upgrade skips the interim Flux extension version");
  assert.match(warning?.message ?? "", /from 1\.20\.4 to 1\.24\.1, .*pin extension-version: 1\.22\.2 now/);
});
