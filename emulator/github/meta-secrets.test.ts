import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { after, before, test } from "node:test";
import sodium from "libsodium-wrappers";
import { failureOf, startLocalGitHub } from "../testing/github.ts";
import type { LocalGitHub } from "../testing/github.ts";

let local: LocalGitHub;
const dir = mkdtempSync(join(tmpdir(), "meta-test-"));
const repo = { owner: "contoso", repo: "fleet" };

before(async () => {
  local = await startLocalGitHub();
  await local.github.createRepo({ owner: "contoso", name: "fleet", environments: ["production"] });
  local.github.addToken("ghs_secrets", { kind: "app", repos: "*", permissions: { secrets: "write", environments: "write" } });
  local.github.addToken("ghs_workflow", {
    kind: "github_token",
    repos: ["contoso/fleet"],
    permissions: { secrets: "write", contents: "read" },
  });
  await sodium.ready;
});
after(async () => {
  await local.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** What `ssh-keygen -lf` prints for one public key line: the fingerprint without "SHA256:". */
function keygenFingerprint(line: string): string {
  const file = join(dir, "key.pub");
  writeFileSync(file, `${line}\n`);
  const printed = execFileSync("ssh-keygen", ["-lf", file], { encoding: "utf8" });
  return /SHA256:(\S+)/.exec(printed)?.[1] ?? "";
}

test("/meta publishes the SSH host's keys with fingerprints that ssh-keygen agrees with", async () => {
  const { data } = await local.octokit("ghs_secrets").rest.meta.get();
  assert.equal(data.verifiable_password_authentication, false);
  assert.deepEqual([...(data.ssh_keys ?? [])].sort(), [...local.github.hostKeys].sort());
  const types = (data.ssh_keys ?? []).map((line) => line.split(" ")[0]).sort();
  assert.deepEqual(types, ["ecdsa-sha2-nistp256", "ssh-ed25519", "ssh-rsa"]);
  const byType = Object.fromEntries((data.ssh_keys ?? []).map((line) => [line.split(" ")[0], keygenFingerprint(line)]));
  assert.deepEqual(data.ssh_key_fingerprints, {
    SHA256_ECDSA: byType["ecdsa-sha2-nistp256"],
    SHA256_ED25519: byType["ssh-ed25519"],
    SHA256_RSA: byType["ssh-rsa"],
  });
});

test("/meta matches what ssh-keyscan reads from the live SSH port", async () => {
  // Asynchronous: the SSH host runs in this very process.
  const { stdout } = await promisify(execFile)("ssh-keyscan", ["-p", String(local.github.sshPort), "-t", "ed25519,ecdsa,rsa", "127.0.0.1"]);
  const lines = stdout
    .split("\n")
    .filter((l) => l && !l.startsWith("#"))
    .map((l) => l.split(" ").slice(1).join(" "));
  assert.deepEqual(lines.sort(), [...local.github.hostKeys].sort());
});

test("meta mode no-ssh-keys drops both fields, like older GHES", async () => {
  local.github.setMetaMode("no-ssh-keys");
  const { data } = await local.octokit("ghs_secrets").rest.meta.get();
  local.github.setMetaMode("full");
  assert.equal("ssh_keys" in data, false);
  assert.equal("ssh_key_fingerprints" in data, false);
});

test("a repository secret sealed with crypto_box_seal round-trips: 201 then 204", async () => {
  const octokit = local.octokit("ghs_secrets");
  const { data: key } = await octokit.rest.actions.getRepoPublicKey(repo);
  const seal = (value: string): string =>
    sodium.to_base64(
      sodium.crypto_box_seal(sodium.from_string(value), sodium.from_base64(key.key, sodium.base64_variants.ORIGINAL)),
      sodium.base64_variants.ORIGINAL,
    );
  const created = await octokit.rest.actions.createOrUpdateRepoSecret({
    ...repo,
    secret_name: "flux_token",
    encrypted_value: seal("first"),
    key_id: key.key_id,
  });
  assert.equal(created.status, 201);
  assert.deepEqual(local.github.secrets("contoso/fleet"), { FLUX_TOKEN: "first" });
  const updated = await octokit.rest.actions.createOrUpdateRepoSecret({
    ...repo,
    secret_name: "FLUX_TOKEN",
    encrypted_value: seal("second"),
    key_id: key.key_id,
  });
  assert.equal(updated.status, 204);
  assert.deepEqual(local.github.secrets("contoso/fleet"), { FLUX_TOKEN: "second" });
  const logged = local.traffic.log.find((e) => e.method === "PUT" && e.path.endsWith("/FLUX_TOKEN"));
  assert.deepEqual(logged?.body, { encrypted_value: "[redacted]", key_id: key.key_id });
});

test("environment secrets use the environment's own keypair; the repo key does not open them", async () => {
  const octokit = local.octokit("ghs_secrets");
  const { data: envKey } = await octokit.rest.actions.getEnvironmentPublicKey({ ...repo, environment_name: "production" });
  const { data: repoKey } = await octokit.rest.actions.getRepoPublicKey(repo);
  assert.notEqual(envKey.key, repoKey.key);
  const sealTo = (key: string): string =>
    Buffer.from(sodium.crypto_box_seal(sodium.from_string("kube"), Buffer.from(key, "base64"))).toString("base64");
  const wrong = await failureOf(
    octokit.rest.actions.createOrUpdateEnvironmentSecret({
      ...repo,
      environment_name: "production",
      secret_name: "KUBE",
      encrypted_value: sealTo(repoKey.key),
      key_id: envKey.key_id,
    }),
  );
  assert.equal(wrong.status, 422);
  const ok = await octokit.rest.actions.createOrUpdateEnvironmentSecret({
    ...repo,
    environment_name: "production",
    secret_name: "KUBE",
    encrypted_value: sealTo(envKey.key),
    key_id: envKey.key_id,
  });
  assert.equal(ok.status, 201);
  assert.deepEqual(local.github.secrets("contoso/fleet", "production"), { KUBE: "kube" });
  const missing = await failureOf(octokit.rest.actions.getEnvironmentPublicKey({ ...repo, environment_name: "staging" }));
  assert.equal(missing.status, 404);
});

test("GITHUB_TOKEN cannot read the secrets public key: 403", async () => {
  const failure = await failureOf(local.octokit("ghs_workflow").rest.actions.getRepoPublicKey(repo));
  assert.equal(failure.status, 403);
});
