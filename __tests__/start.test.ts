// The try-it path: `npm start -- name=value …` runs the bundled action with those inputs against the local cloud;
// a name that is not an input is refused before anything starts; the standalone local cloud writes its environment
// with --write-env (Node 24 takes --env-file as its own flag).
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseInputs } from "../scripts/start.ts";

const ROOT = join(import.meta.dirname, "..");
const KNOWN = ["mode", "plan-for", "path", "cluster-name", "kustomizations"];

test("inputs as name=value: any input of action.yml, values kept whole (=, spaces, newlines, empty)", () => {
  assert.deepEqual(parseInputs(["mode=plan", "path=clusters/nope", "kustomizations=apps:\n  path: a=b", "cluster-name="], KNOWN), {
    mode: "plan",
    path: "clusters/nope",
    kustomizations: "apps:\n  path: a=b",
    "cluster-name": "",
  });
  assert.throws(
    () => parseInputs(["pth=clusters/x", "plan"], KNOWN),
    /'pth' is not an input of action\.yml \(did you mean path\?\)\n'plan' is not input=value\n\nusage: npm start/,
  );
});

test("npm start -- mode=plan path=clusters/nope: the bundled action's failing plan, exit 1", () => {
  const run = spawnSync(process.execPath, [join(ROOT, "scripts/start.ts"), "mode=plan", "path=clusters/nope"], {
    encoding: "utf8",
    timeout: 120_000,
  });
  assert.equal(run.status, 1, `${run.stdout}\n${run.stderr}`);
  assert.match(run.stdout, /inputs: mode=plan path=clusters\/nope/);
  assert.match(run.stdout, /│ flux configuration flux-system: would create/);
  assert.match(run.stdout, /│ ::error title=Kustomization path not found::apply would stop here, before any write/);
  assert.match(run.stdout, /## ❌ Flux plan: aks-staging — Kustomization path not found/);
  assert.match(run.stdout, /The action exited with 1\./);
});

test("a name that is not an input: refused with exit 2, before the local cloud starts", () => {
  const run = spawnSync(process.execPath, [join(ROOT, "scripts/start.ts"), "clustr-name=x"], { encoding: "utf8", timeout: 30_000 });
  assert.equal(run.status, 2, run.stderr);
  assert.match(run.stderr, /'clustr-name' is not an input of action\.yml/);
  assert.doesNotMatch(run.stdout, /Local cloud up/);
});

test("emulator/cli.ts --write-env FILE appends the environment to FILE (Node would read --env-file itself)", async () => {
  const dir = mkdtempSync(join(tmpdir(), "write-env-"));
  const file = join(dir, "env");
  const child = spawn(process.execPath, [join(ROOT, "emulator/cli.ts"), "--write-env", file], { stdio: ["ignore", "pipe", "pipe"] });
  try {
    const ready = await new Promise<boolean>((resolve) => {
      child.stderr.on("data", (chunk: Buffer) => chunk.toString().includes("local cloud ready") && resolve(true));
      child.on("exit", () => resolve(false));
    });
    assert.ok(ready, "the local cloud started");
    const env = readFileSync(file, "utf8");
    for (const name of [
      "NODE_EXTRA_CA_CERTS",
      "ACTIONS_ID_TOKEN_REQUEST_URL",
      "LOCAL_CLOUD_CLUSTER_NAME=aks-staging",
      "LOCAL_CLOUD_SSH_HOST",
    ])
      assert.ok(env.includes(name), `${name} in:\n${env}`);
  } finally {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.on("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  }
});
