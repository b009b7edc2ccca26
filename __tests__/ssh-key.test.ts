// Keys made by src/ssh/keys.ts, judged by real OpenSSH (ssh-keygen) and, for the secret numbers, by ssh2's parser.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { createPrivateKey } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import ssh2 from "ssh2";
import type { KeyType } from "../src/inputs/settings.ts";
import { generateKeyPair, secretForms } from "../src/ssh/keys.ts";
import { fingerprintOf, parsePublicKey } from "../src/ssh/public-keys.ts";

const dir = mkdtempSync(join(tmpdir(), "ssh-key-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
/** Writes `text` to a fresh 0600 file in the temp dir (test-only: ssh-keygen needs a file). */
const tempFile = (text: string): string => {
  const path = join(dir, `f${fileCount++}`);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
};
const sshKeygen = (args: string[], input?: string) => spawnSync("ssh-keygen", args, { input, encoding: "utf8" });
const sshKeygenOk = (args: string[], input?: string): string => {
  const r = sshKeygen(args, input);
  assert.equal(r.status, 0, `ssh-keygen ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
};

const COMMENT = "flux@example deploy key";
const CASES: readonly { type: KeyType; name: string; bits: string; label: string }[] = [
  { type: "ed25519", name: "ssh-ed25519", bits: "256", label: "(ED25519)" },
  { type: "ecdsa-p256", name: "ecdsa-sha2-nistp256", bits: "256", label: "(ECDSA)" },
  { type: "ecdsa-p384", name: "ecdsa-sha2-nistp384", bits: "384", label: "(ECDSA)" },
  { type: "ecdsa-p521", name: "ecdsa-sha2-nistp521", bits: "521", label: "(ECDSA)" },
  { type: "rsa-4096", name: "ssh-rsa", bits: "4096", label: "(RSA)" },
];

for (const c of CASES) {
  describe(`${c.type} key pair`, () => {
    const key = generateKeyPair(c.type, COMMENT);
    const other = generateKeyPair(c.type, COMMENT);
    const privateFile = tempFile(key.privateKey);

    test("ssh-keygen -y reads the private key and derives the same public key and comment", () => {
      const derived = sshKeygenOk(["-y", "-f", privateFile]).trim();
      assert.equal(derived.split(" ").slice(0, 2).join(" "), key.publicBlob);
      assert.equal(derived, key.publicKey);
      assert.ok(key.publicBlob.startsWith(`${c.name} AAAA`));
      assert.equal(key.publicKey, `${key.publicBlob} ${COMMENT}`);
    });

    test("ssh-keygen -l prints our fingerprint for the public line and for the private key", () => {
      for (const file of [tempFile(`${key.publicKey}\n`), tempFile(`${key.publicBlob}\n`), privateFile]) {
        const [bits, fingerprint, ...rest] = sshKeygenOk(["-l", "-f", file]).trim().split(" ");
        assert.equal(bits, c.bits);
        assert.equal(fingerprint, key.fingerprint);
        assert.equal(rest.at(-1), c.label);
      }
      assert.equal(fingerprintOf(key.publicKey), key.fingerprint);
      assert.equal(fingerprintOf(key.publicBlob), key.fingerprint);
    });

    test("a signature made with the private key verifies against the public key, and not against another key", () => {
      const message = tempFile("commit 0123456789abcdef\n");
      sshKeygenOk(["-Y", "sign", "-f", privateFile, "-n", "git", message]);
      const verify = (publicKey: string) =>
        sshKeygen(
          ["-Y", "verify", "-f", tempFile(`flux@example ${publicKey}\n`), "-I", "flux@example", "-n", "git", "-s", `${message}.sig`],
          "commit 0123456789abcdef\n",
        );
      const good = verify(key.publicKey);
      assert.equal(good.status, 0, good.stderr);
      assert.match(good.stdout, /Good "git" signature for flux@example/);
      assert.notEqual(verify(other.publicKey).status, 0);
    });

    test("OpenSSL finds the private key internally consistent after ssh-keygen converts it to PEM", () => {
      const copy = tempFile(key.privateKey);
      sshKeygenOk(["-p", "-m", "PEM", "-N", "", "-P", "", "-f", copy]);
      if (c.type === "ed25519") return void assert.match(readFileSync(copy, "utf8"), /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
      const check = spawnSync("openssl", [c.type === "rsa-4096" ? "rsa" : "ec", "-check", "-noout", "-in", copy], { encoding: "utf8" });
      assert.equal(check.status, 0, check.stderr);
      assert.match(check.stdout + check.stderr, /RSA key ok|EC Key valid/);
    });

    test("two calls give different keys", () => {
      assert.notEqual(key.publicBlob, other.publicBlob);
      assert.notEqual(key.fingerprint, other.fingerprint);
      assert.notEqual(key.privateKey, other.privateKey);
    });

    test("the file is armoured, wrapped at 70 columns and ends with a newline", () => {
      const lines = key.privateKey.split("\n");
      assert.equal(lines[0], "-----BEGIN OPENSSH PRIVATE KEY-----");
      assert.equal(lines.at(-2), "-----END OPENSSH PRIVATE KEY-----");
      assert.equal(lines.at(-1), "");
      const body = lines.slice(1, -2);
      assert.ok(body.slice(0, -1).every((l) => l.length === 70));
      assert.ok((body.at(-1) ?? "").length <= 70);
      assert.equal(key.type, c.type);
    });

    test("parsePublicKey returns the type, wire blob and comment", () => {
      const parsed = parsePublicKey(key.publicKey);
      assert.equal(parsed.type, c.name);
      assert.equal(parsed.comment, COMMENT);
      assert.equal(parsed.blob.toString("base64"), key.publicBlob.split(" ")[1]);
    });

    test("secretForms covers the text, every body line, the ARM base64 and the raw secret numbers", () => {
      const forms = secretForms(key.privateKey);
      assert.ok(forms.includes(key.privateKey));
      assert.ok(forms.includes(Buffer.from(key.privateKey, "utf8").toString("base64")));
      const lines = key.privateKey.split("\n");
      for (const line of lines.slice(1, -2)) assert.ok(forms.includes(line), `missing body line ${line.slice(0, 8)}…`);
      assert.ok(!forms.some((f) => f.includes("OPENSSH PRIVATE KEY") && !f.includes("\n")), "an armour line is masked");
      assert.ok(!forms.includes(key.publicBlob.split(" ")[1] ?? "x"), "the public key is not secret");
      // Independent reading of the secret numbers: ssh2 parses the file, Node exports it as JWK.
      const parsed = ssh2.utils.parseKey(key.privateKey);
      assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed), String(parsed));
      const jwk = createPrivateKey(parsed.getPrivatePEM()).export({ format: "jwk" });
      const secrets = [jwk.d, jwk.p, jwk.q, jwk.qi].filter((v): v is string => v !== undefined);
      assert.ok(secrets.length >= 1);
      for (const secret of secrets) {
        const bytes = Buffer.from(secret, "base64url");
        assert.ok(forms.includes(bytes.toString("base64")), "secret number not masked in base64");
        assert.ok(forms.includes(bytes.toString("hex")), "secret number not masked in hex");
      }
    });
  });
}

describe("parsePublicKey rejects what is not a valid key (and so does ssh-keygen)", () => {
  const ed = "AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl"; // github.com
  const ecdsa =
    "AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=";
  const edBytes = Buffer.from(ed, "base64");
  const wire = (...parts: (string | Buffer)[]): string =>
    Buffer.concat(
      parts.map((p) => {
        const b = typeof p === "string" ? Buffer.from(p) : p;
        const len = Buffer.alloc(4);
        len.writeUInt32BE(b.length);
        return Buffer.concat([len, b]);
      }),
    ).toString("base64");
  const p384Point = Buffer.concat([Buffer.from([4]), Buffer.alloc(96, 1)]);
  const cases: readonly { name: string; line: string; message: RegExp; sshKeygenToo: boolean }[] = [
    { name: "empty", line: "", message: /not an SSH public key/, sshKeygenToo: true },
    { name: "one word", line: "garbage", message: /not an SSH public key/, sshKeygenToo: true },
    { name: "not base64", line: "ssh-ed25519 AAAA!!!!", message: /not valid base64/, sshKeygenToo: true },
    {
      name: "non-canonical base64",
      line: `ecdsa-sha2-nistp256 ${ecdsa.replace("ockg=", "ockh=")}`,
      message: /canonical/,
      sshKeygenToo: true,
    },
    {
      name: "declared rsa, blob ed25519",
      line: `ssh-rsa ${ed}`,
      message: /says it is ssh-rsa but its data is "ssh-ed25519"/,
      sshKeygenToo: true,
    },
    { name: "declared ed25519, blob ecdsa", line: `ssh-ed25519 ${ecdsa}`, message: /says it is ssh-ed25519/, sshKeygenToo: true },
    { name: "unknown type name", line: `ssh-foo ${wire("ssh-foo", "x")}`, message: /unsupported key type "ssh-foo"/, sshKeygenToo: true },
    { name: "truncated blob", line: `ssh-ed25519 ${edBytes.subarray(0, 40).toString("base64")}`, message: /truncated/, sshKeygenToo: true },
    {
      name: "trailing bytes",
      line: `ssh-ed25519 ${Buffer.concat([edBytes, Buffer.from("xx")]).toString("base64")}`,
      message: /trailing bytes/,
      sshKeygenToo: true,
    },
    {
      name: "short ed25519 key",
      line: `ssh-ed25519 ${wire("ssh-ed25519", Buffer.alloc(31, 7))}`,
      message: /not 32 bytes/,
      sshKeygenToo: true,
    },
    {
      name: "ecdsa curve mismatch",
      line: `ecdsa-sha2-nistp256 ${wire("ecdsa-sha2-nistp256", "nistp384", p384Point)}`,
      message: /names another curve/,
      sshKeygenToo: true,
    },
    {
      name: "ecdsa point of wrong size",
      line: `ecdsa-sha2-nistp384 ${wire("ecdsa-sha2-nistp384", "nistp384", p384Point.subarray(0, 65))}`,
      message: /not an uncompressed nistp384 point/,
      sshKeygenToo: true,
    },
  ];
  for (const c of cases) {
    test(c.name, () => {
      assert.throws(() => parsePublicKey(c.line), c.message);
      assert.throws(() => fingerprintOf(c.line), c.message);
      if (c.sshKeygenToo) assert.notEqual(sshKeygen(["-l", "-f", tempFile(`${c.line}\n`)]).status, 0, "ssh-keygen accepted it");
    });
  }
  test("the valid github.com key is accepted by both", () => {
    assert.equal(parsePublicKey(`ssh-ed25519 ${ed}`).type, "ssh-ed25519");
    assert.equal(sshKeygen(["-l", "-f", tempFile(`ssh-ed25519 ${ed}\n`)]).status, 0);
  });
});

test("secretForms masks the P-521 d in its zero-padded JWK form too (top byte is 0 half the time)", () => {
  for (let i = 0; i < 12; i++) {
    const key = generateKeyPair("ecdsa-p521", "");
    const parsed = ssh2.utils.parseKey(key.privateKey);
    assert.ok(!(parsed instanceof Error) && !Array.isArray(parsed), String(parsed));
    const d = createPrivateKey(parsed.getPrivatePEM()).export({ format: "jwk" }).d ?? "";
    assert.equal(Buffer.from(d, "base64url").length, 66);
    const forms = secretForms(key.privateKey);
    assert.ok(forms.includes(Buffer.from(d, "base64url").toString("hex")));
    assert.ok(forms.includes(d), "base64url (JWK) form");
  }
});

test("generateKeyPair refuses a comment that would break the public key line", () => {
  assert.throws(() => generateKeyPair("ed25519", "a\nb"), /one line/);
});

test("secretForms refuses text that is not an OpenSSH private key", () => {
  assert.throws(() => secretForms("-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIA==\n-----END PRIVATE KEY-----\n"), /openssh-key-v1/);
});
