import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { failureOf, startLocalGitHub } from "../testing/github.ts";
import type { LocalGitHub } from "../testing/github.ts";

let local: LocalGitHub;
const keyDir = mkdtempSync(join(tmpdir(), "deploy-keys-test-"));
const repo = { owner: "contoso", repo: "fleet" };

/** A public key line made by the real ssh-keygen. */
function sshKeygen(name: string, args: string[]): string {
  execFileSync("ssh-keygen", ["-q", ...args, "-N", "", "-C", `${name}@test`, "-f", join(keyDir, name)]);
  return readFileSync(join(keyDir, `${name}.pub`), "utf8").trim();
}

/** A fresh ed25519 public key line, built in-process (fast, for bulk). */
function quickKey(): string {
  const x = Buffer.from(generateKeyPairSync("ed25519").publicKey.export({ format: "jwk" }).x ?? "", "base64url");
  const field = (b: Buffer): Buffer => Buffer.concat([Buffer.from([0, 0, 0, b.length]), b]);
  return `ssh-ed25519 ${Buffer.concat([field(Buffer.from("ssh-ed25519")), field(x)]).toString("base64")}`;
}

before(async () => {
  local = await startLocalGitHub();
  await local.github.createRepo({ owner: "contoso", name: "fleet" });
  await local.github.createRepo({ owner: "contoso", name: "bulk" });
  await local.github.createRepo({ owner: "contoso", name: "locked", deployKeysDisabled: true });
  local.github.addToken("ghs_admin", { kind: "app", repos: "*", permissions: { administration: "write" } });
  local.github.addToken("github_pat_reader", { kind: "pat", repos: "*", permissions: { administration: "read" } });
  local.github.addToken("ghs_workflow", {
    kind: "github_token",
    repos: ["contoso/fleet"],
    permissions: { administration: "write", contents: "write" },
  });
});
after(async () => {
  await local.stop();
  rmSync(keyDir, { recursive: true, force: true });
});

test("create answers 201 with the normalised key, read_only false by default, and get/list see it", async () => {
  const octokit = local.octokit("ghs_admin");
  const line = sshKeygen("ed", ["-t", "ed25519"]);
  const created = await octokit.rest.repos.createDeployKey({ ...repo, title: "flux", key: line });
  assert.equal(created.status, 201);
  assert.equal(created.data.key, line.split(" ").slice(0, 2).join(" "));
  assert.equal(created.data.read_only, false);
  assert.equal(created.data.verified, true);
  assert.equal(created.data.last_used, null);
  assert.equal(created.data.enabled, true);
  assert.equal(created.data.added_by, "flux-bootstrap[bot]");
  assert.equal(created.data.url, `${local.github.apiUrl}/repos/contoso/fleet/keys/${created.data.id}`);
  const fetched = await octokit.rest.repos.getDeployKey({ ...repo, key_id: created.data.id });
  assert.deepEqual(fetched.data, created.data);
  const listed = await local.octokit("github_pat_reader").rest.repos.listDeployKeys(repo);
  assert.deepEqual(
    listed.data.map((k) => k.id),
    [created.data.id],
  );
});

test("ecdsa and rsa keys from ssh-keygen are accepted; read_only is kept", async () => {
  const octokit = local.octokit("ghs_admin");
  for (const [name, args] of [
    ["ec", ["-t", "ecdsa", "-b", "384"]],
    ["rsa", ["-t", "rsa", "-b", "2048"]],
  ] as const) {
    const created = await octokit.rest.repos.createDeployKey({ ...repo, title: name, key: sshKeygen(name, [...args]), read_only: true });
    assert.equal(created.data.read_only, true);
  }
});

test("the same key again, on this or another repository, is 422 key is already in use", async () => {
  const octokit = local.octokit("ghs_admin");
  const line = quickKey();
  await octokit.rest.repos.createDeployKey({ ...repo, key: line });
  for (const target of ["fleet", "bulk"]) {
    const failure = await failureOf(octokit.rest.repos.createDeployKey({ owner: "contoso", repo: target, key: `${line} other-comment` }));
    assert.equal(failure.status, 422);
    assert.deepEqual(failure.data, {
      message: "Validation Failed",
      errors: [{ resource: "PublicKey", code: "custom", field: "key", message: "key is already in use" }],
      documentation_url: "https://docs.github.com/rest/deploy-keys#create-a-deploy-key",
    });
  }
});

test("garbage, a truncated blob and a mislabelled type are 422 key is invalid", async () => {
  const octokit = local.octokit("ghs_admin");
  const good = quickKey().split(" ")[1] ?? "";
  const truncated = Buffer.from(good, "base64").subarray(0, 40).toString("base64");
  for (const key of ["not a key", `ssh-ed25519 ${truncated}`, `ssh-rsa ${good}`, "-----BEGIN OPENSSH PRIVATE KEY-----"]) {
    const failure = await failureOf(octokit.rest.repos.createDeployKey({ ...repo, key }));
    assert.equal(failure.status, 422, key);
    const errors = (failure.data as { errors: { message: string }[] }).errors;
    assert.equal(errors[0]?.message, "key is invalid. You must supply a key in OpenSSH public key format");
  }
});

test("a repository with deploy keys disabled by policy refuses with 422", async () => {
  const failure = await failureOf(
    local.octokit("ghs_admin").rest.repos.createDeployKey({ owner: "contoso", repo: "locked", key: quickKey() }),
  );
  assert.equal(failure.status, 422);
  assert.deepEqual(failure.data, {
    message: "Validation Failed",
    errors: [{ resource: "PublicKey", code: "custom", message: "Deploy keys are disabled for this repository" }],
    documentation_url: "https://docs.github.com/rest/deploy-keys/deploy-keys#create-a-deploy-key",
    status: "422",
  });
});

test("Administration read cannot create and GITHUB_TOKEN cannot even list: 403", async () => {
  const reader = await failureOf(local.octokit("github_pat_reader").rest.repos.createDeployKey({ ...repo, key: quickKey() }));
  assert.equal(reader.status, 403);
  assert.equal((reader.data as { message: string }).message, "Resource not accessible by personal access token");
  const workflow = await failureOf(local.octokit("ghs_workflow").rest.repos.createDeployKey({ ...repo, key: quickKey() }));
  assert.deepEqual(workflow, {
    status: 403,
    data: {
      message: "Resource not accessible by integration",
      documentation_url: "https://docs.github.com/rest/deploy-keys/deploy-keys#create-a-deploy-key",
      status: "403",
    },
  });
  assert.equal((await failureOf(local.octokit("ghs_workflow").rest.repos.listDeployKeys(repo))).status, 403);
});

test("more than 100 keys page with Link headers and octokit.paginate collects them all", async () => {
  const octokit = local.octokit("ghs_admin");
  const ids: number[] = [];
  for (let i = 0; i < 130; i += 1) {
    ids.push(
      (await octokit.rest.repos.createDeployKey({ owner: "contoso", repo: "bulk", title: `k${i}`, key: quickKey(), read_only: true })).data
        .id,
    );
  }
  const first = await octokit.rest.repos.listDeployKeys({ owner: "contoso", repo: "bulk", per_page: 100 });
  assert.equal(first.data.length, 100);
  assert.match(first.headers.link ?? "", /[?&]page=2>; rel="next".*[?&]page=2>; rel="last"/);
  const all = await octokit.paginate(octokit.rest.repos.listDeployKeys, { owner: "contoso", repo: "bulk", per_page: 100 });
  assert.deepEqual(
    all.map((k) => k.id),
    ids,
  );
  const small = await octokit.paginate(octokit.rest.repos.listDeployKeys, { owner: "contoso", repo: "bulk", per_page: 7 });
  assert.equal(small.length, 130);
});

test("delete answers 204, then the key is gone (404) and can be added again", async () => {
  const octokit = local.octokit("ghs_admin");
  const line = quickKey();
  const { data } = await octokit.rest.repos.createDeployKey({ ...repo, key: line, read_only: true });
  const deleted = await octokit.rest.repos.deleteDeployKey({ ...repo, key_id: data.id });
  assert.equal(deleted.status, 204);
  assert.equal((await failureOf(octokit.rest.repos.getDeployKey({ ...repo, key_id: data.id }))).status, 404);
  assert.equal((await failureOf(octokit.rest.repos.deleteDeployKey({ ...repo, key_id: data.id }))).status, 404);
  assert.equal((await octokit.rest.repos.createDeployKey({ ...repo, key: line })).status, 201);
});

test("disabling deploy keys later marks existing keys enabled false", async () => {
  const octokit = local.octokit("ghs_admin");
  local.github.setDeployKeysDisabled("contoso/bulk", true);
  const { data } = await octokit.rest.repos.listDeployKeys({ owner: "contoso", repo: "bulk", per_page: 1 });
  assert.equal(data[0]?.enabled, false);
  local.github.setDeployKeysDisabled("contoso/bulk", false);
});

test("the shared traffic log records both the 201s and the 422s of key creation", () => {
  const creates = local.traffic.log.filter((e) => e.method === "POST" && e.path === "/repos/contoso/fleet/keys");
  assert.ok(creates.some((e) => e.status === 422));
  assert.ok(creates.some((e) => e.status === 201));
});
