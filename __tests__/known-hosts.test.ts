// known_hosts built by src/ssh/known-hosts.ts, judged by real ssh-keygen: host keys and their fingerprints come
// from ssh-keygen (never from our code), and the output is read back with `ssh-keygen -F` / `-l`.
import { after, describe, test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fingerprintsOf, hostPattern, knownHostsFromMeta, normalizeFingerprint, type MetaHostKeys } from "../src/ssh/known-hosts.ts";
import { hostsFieldMatches, knownHostsFromInput } from "../src/ssh/known-hosts-input.ts";

const dir = mkdtempSync(join(tmpdir(), "known-hosts-test-"));
after(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
const tempFile = (text: string): string => {
  const path = join(dir, `f${fileCount++}`);
  writeFileSync(path, text);
  return path;
};
const sshKeygen = (args: string[]) => spawnSync("ssh-keygen", args, { encoding: "utf8" });
const sshKeygenOk = (args: string[]): string => {
  const r = sshKeygen(args);
  assert.equal(r.status, 0, `ssh-keygen ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
};
/** Fingerprints as ssh-keygen prints them for every key in a file. */
const toolFingerprints = (text: string): string[] =>
  sshKeygenOk(["-l", "-f", tempFile(text)])
    .trim()
    .split("\n")
    .map((l) => l.split(" ")[1] ?? "");

// Real host keys, made and fingerprinted by ssh-keygen.
const hostKey = (name: string, args: string[]) => {
  sshKeygenOk(["-q", ...args, "-N", "", "-C", "host key", "-f", join(dir, name)]);
  const [type = "", base64 = ""] = readFileSync(join(dir, `${name}.pub`), "utf8")
    .trim()
    .split(" ");
  const fingerprint = sshKeygenOk(["-l", "-f", join(dir, `${name}.pub`)]).split(" ")[1] ?? "";
  return { type, base64, line: `${type} ${base64}`, fingerprint, digest: fingerprint.replace("SHA256:", "") };
};
const ed = hostKey("ed", ["-t", "ed25519"]);
const ec = hostKey("ec", ["-t", "ecdsa", "-b", "256"]);
const rsa = hostKey("rsa", ["-t", "rsa", "-b", "2048"]);
const ec384 = hostKey("ec384", ["-t", "ecdsa", "-b", "384"]);
const other = hostKey("other", ["-t", "ed25519"]);
const meta = (): { ssh_keys: string[]; ssh_key_fingerprints: Record<string, string> } => ({
  ssh_keys: [rsa.line, ed.line, ec.line],
  ssh_key_fingerprints: { SHA256_RSA: rsa.digest, SHA256_ED25519: ed.digest, SHA256_ECDSA: ec.digest },
});

describe("hostPattern and host fields", () => {
  test("port 22 is the bare lower-case host, any other port is [host]:port", () => {
    assert.equal(hostPattern("GitHub.com", 22), "github.com");
    assert.equal(hostPattern("localhost", 2222), "[localhost]:2222");
  });
  const cases: readonly [string, string, number, boolean][] = [
    ["github.com", "github.com", 22, true],
    ["github.com", "github.com", 2222, false],
    ["[localhost]:2222", "localhost", 2222, true],
    ["a.example,LOCALHOST", "localhost", 22, true],
    ["*.example.com", "git.example.com", 22, true],
    ["*.example.com,!bad.example.com", "bad.example.com", 22, false],
    ["git?.example.com", "git1.example.com", 22, true],
    ["example.com", "examplexcom", 22, false],
  ];
  for (const [field, host, port, expected] of cases) {
    test(`${field} ${expected ? "names" : "does not name"} ${host}:${port}`, () =>
      assert.equal(hostsFieldMatches(field, host, port), expected));
  }
});

describe("knownHostsFromMeta", () => {
  test("keeps every verified key, ecdsa first, and ssh-keygen finds them for [localhost]:2222", () => {
    const result = knownHostsFromMeta(meta(), "localhost", 2222);
    assert.deepEqual(
      result.keys.map((k) => k.type),
      ["ecdsa-sha2-nistp256", "ssh-ed25519", "ssh-rsa"],
    );
    assert.deepEqual(
      result.keys.map((k) => k.verifiedBy),
      ["meta", "meta", "meta"],
    );
    assert.equal(result.text, `[localhost]:2222 ${ec.line}\n[localhost]:2222 ${ed.line}\n[localhost]:2222 ${rsa.line}\n`);
    const file = tempFile(result.text);
    const found = sshKeygenOk(["-F", "[localhost]:2222", "-f", file]);
    assert.equal(found.match(/^# Host \[localhost\]:2222 found: line \d/gm)?.length, 3);
    assert.equal(sshKeygen(["-F", "localhost", "-f", file]).status, 1, "port 22 must not match");
    assert.deepEqual(toolFingerprints(result.text), [ec.fingerprint, ed.fingerprint, rsa.fingerprint]);
    assert.deepEqual(
      result.keys.map((k) => k.fingerprint),
      [ec.fingerprint, ed.fingerprint, rsa.fingerprint],
    );
  });

  test("other types keep their /meta order after ecdsa-sha2-nistp256 and ssh-ed25519; duplicates are dropped", () => {
    const m = meta();
    m.ssh_keys = [ec384.line, rsa.line, ed.line, ec.line, ed.line];
    m.ssh_key_fingerprints.SHA256_ECDSA = ec.digest;
    assert.throws(() => knownHostsFromMeta(m, "h", 22), /ecdsa-sha2-nistp384 .*SHA256_ECDSA = SHA256:/);
    m.ssh_keys = [rsa.line, ed.line, ec.line, ed.line, `${ec.line} with a comment`];
    const result = knownHostsFromMeta(m, "h", 22);
    assert.deepEqual(
      result.keys.map((k) => k.type),
      ["ecdsa-sha2-nistp256", "ssh-ed25519", "ssh-rsa"],
    );
  });

  test("tolerates /meta fingerprints with a SHA256: prefix or = padding", () => {
    const m = meta();
    m.ssh_key_fingerprints = { SHA256_RSA: `SHA256:${rsa.digest}`, SHA256_ED25519: `${ed.digest}=`, SHA256_ECDSA: ec.digest };
    assert.equal(knownHostsFromMeta(m, "h", 22).keys.length, 3);
  });

  test("a key whose fingerprint differs from /meta's throws, naming type, both fingerprints and the fix", () => {
    const m = meta();
    m.ssh_key_fingerprints.SHA256_ED25519 = other.digest;
    assert.throws(
      () => knownHostsFromMeta(m, "github.com", 22),
      (e: Error) => {
        assert.match(e.message, /ssh-ed25519/);
        assert.ok(e.message.includes(ed.fingerprint) && e.message.includes(other.fingerprint), e.message);
        assert.match(e.message, /`known-hosts`.*`ssh-host-fingerprints`/);
        return true;
      },
    );
    // A pin for the key does not override a /meta mismatch.
    assert.throws(() => knownHostsFromMeta(m, "github.com", 22, [ed.fingerprint]), /has fingerprint/);
  });

  test("a key whose type has no published fingerprint throws (fail closed)", () => {
    const m = meta();
    delete m.ssh_key_fingerprints.SHA256_RSA;
    assert.throws(
      () => knownHostsFromMeta(m, "github.com", 22),
      /ssh-rsa .*no published fingerprint \(SHA256_RSA is missing\).*`ssh-host-fingerprints`/,
    );
    assert.throws(() => knownHostsFromMeta({ ssh_keys: [ed.line] }, "github.com", 22), /ssh-ed25519 .*no published fingerprint/);
  });

  test("pins restrict the keys; a pin also vouches for a type /meta does not fingerprint", () => {
    const onlyEd = knownHostsFromMeta(meta(), "github.com", 22, [ed.fingerprint]);
    assert.deepEqual(
      onlyEd.keys.map((k) => [k.type, k.verifiedBy]),
      [["ssh-ed25519", "meta"]],
    );
    assert.equal(onlyEd.text, `github.com ${ed.line}\n`);
    const m = meta();
    delete m.ssh_key_fingerprints.SHA256_RSA;
    const pinned = knownHostsFromMeta(m, "github.com", 22, [rsa.fingerprint, ec.fingerprint.replace("SHA256:", "sha256:")]);
    assert.deepEqual(
      pinned.keys.map((k) => [k.type, k.verifiedBy]),
      [
        ["ecdsa-sha2-nistp256", "meta"],
        ["ssh-rsa", "pin"],
      ],
    );
    assert.throws(
      () => knownHostsFromMeta(meta(), "github.com", 22, [other.fingerprint]),
      /None of the host keys.*`ssh-host-fingerprints`/,
    );
  });

  test("no ssh_keys, or an unusable entry, throws and points at `known-hosts`", () => {
    assert.throws(() => knownHostsFromMeta({}, "ghes.example", 22), /no ssh_keys for ghes.example.*`known-hosts`/);
    assert.throws(() => knownHostsFromMeta({ ssh_keys: null }, "ghes.example", 22), /no ssh_keys/);
    const m: MetaHostKeys = { ...meta(), ssh_keys: [ed.line, "ssh-ed25519 AAAA"] };
    assert.throws(() => knownHostsFromMeta(m, "h", 22), /ssh_keys\[1\] is not a usable SSH public key: .*truncated/);
  });

  test("known answer: github.com's real keys match GitHub's published fingerprints", () => {
    const github = {
      ssh_keys: [
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl",
        "ecdsa-sha2-nistp256 AAAAE2VjZHNhLXNoYTItbmlzdHAyNTYAAAAIbmlzdHAyNTYAAABBBEmKSENjQEezOmxkZMy7opKgwFB9nkt5YRrYMjNuG5N87uRgg6CLrbo5wAdT/y6v0mKV0U2w0WZ2YB/++Tpockg=",
      ],
      ssh_key_fingerprints: {
        SHA256_ECDSA: "p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM",
        SHA256_ED25519: "+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU",
        SHA256_RSA: "uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s",
      },
    };
    const result = knownHostsFromMeta(github, "github.com", 22);
    assert.equal(result.text, `github.com ${github.ssh_keys[1]}\ngithub.com ${github.ssh_keys[0]}\n`);
    assert.deepEqual(
      result.keys.map((k) => k.fingerprint),
      ["SHA256:p2QAMXNIC1TJYWeIOttrVc98/R1BUFWu3/LiyKgUfQM", "SHA256:+DiY3wvvV6TuJJhbpZisF/zLDA0zPMSvHdkr4UvCOqU"],
    );
    assert.equal(sshKeygen(["-F", "github.com", "-f", tempFile(result.text)]).status, 0);
  });
});

describe("knownHostsFromInput", () => {
  const pins = [ed.fingerprint, ec.fingerprint];
  const input = [
    "# our GHES host",
    "",
    `other.example ${other.line}`,
    `[LOCALHOST]:2222,127.0.0.1 ${ed.line} host key  `,
    `localhost ${rsa.line}`,
    `[localhost]:2222 ${ec.line}\r`,
  ].join("\n");

  test("keeps the pinned lines for host:port, re-emitted with hostPattern, and ssh-keygen finds them", () => {
    const result = knownHostsFromInput(input, "localhost", 2222, pins);
    assert.equal(result.text, `[localhost]:2222 ${ec.line}\n[localhost]:2222 ${ed.line}\n`);
    assert.deepEqual(
      result.keys.map((k) => [k.fingerprint, k.verifiedBy]),
      [
        [ec.fingerprint, "pin"],
        [ed.fingerprint, "pin"],
      ],
    );
    assert.equal(sshKeygenOk(["-F", "[localhost]:2222", "-f", tempFile(result.text)]).match(/found: line/g)?.length, 2);
    assert.deepEqual(toolFingerprints(result.text), [ec.fingerprint, ed.fingerprint]);
  });

  test("no pins: fails closed and says to set `ssh-host-fingerprints`", () => {
    assert.throws(() => knownHostsFromInput(input, "localhost", 2222, []), /`known-hosts` is set but `ssh-host-fingerprints` is empty/);
  });

  test("a line for the host whose key is not pinned throws with its line number and fingerprint", () => {
    assert.throws(
      () => knownHostsFromInput(input, "localhost", 22, pins),
      (e: Error) => {
        assert.match(e.message, /`known-hosts` line 5: the ssh-rsa key has fingerprint .* not in `ssh-host-fingerprints`/);
        assert.ok(e.message.includes(rsa.fingerprint));
        return true;
      },
    );
  });

  test("no line for the host throws and lists the hosts it has", () => {
    assert.throws(
      () => knownHostsFromInput(input, "git.example", 22, pins),
      /no line for git.example \(it has lines for other.example, .*\)\. Give lines that start with "git.example "/,
    );
  });

  const hashedLine = (): string => {
    const file = tempFile(`localhost ${ed.line}\n`);
    sshKeygenOk(["-q", "-H", "-f", file]);
    return readFileSync(file, "utf8").trim();
  };
  const edBytes = Buffer.from(ed.base64, "base64");
  const bad: readonly [string, () => string, RegExp][] = [
    ["@cert-authority", () => `@cert-authority *.example ${ed.line}`, /line 2: @cert-authority lines are not supported/],
    ["@revoked", () => `@revoked localhost ${ed.line}`, /line 2: @revoked lines are not supported/],
    ["hashed host (made by ssh-keygen -H)", hashedLine, /line 2: hashed host names \(\|1\|…\) cannot be matched/],
    ["no host name", () => ed.line, /line 2: it has no host name; start it with "localhost "/],
    ["missing key data", () => "localhost ssh-ed25519", /line 2: expected "<host> <key-type> <base64-key> \[comment\]", got 2 field/],
    ["bad base64", () => "localhost ssh-ed25519 AAAA!!!!", /line 2: the ssh-ed25519 key is not valid base64/],
    ["wrong type name", () => `localhost ssh-rsa ${ed.base64}`, /line 2: the key says it is ssh-rsa but its data is "ssh-ed25519"/],
    ["truncated key", () => `localhost ssh-ed25519 ${edBytes.subarray(0, 30).toString("base64")}`, /line 2: .*truncated/],
    ["unknown key type", () => "localhost 2048 35 12345", /line 2: .*unsupported key type "2048"/],
  ];
  for (const [name, line, message] of bad) {
    test(`rejects ${name}`, () => {
      assert.throws(() => knownHostsFromInput(`# header\n${line()}\nlocalhost ${ed.line}\n`, "localhost", 22, pins), message);
    });
  }
});

describe("fingerprints", () => {
  test("fingerprintsOf equals ssh-keygen -l for known_hosts and bare key lines", () => {
    const text = `# c\nlocalhost ${ed.line}\n\n[h]:2222 ${rsa.line} x\n${ec.line}\nssh-gw.example ${ec384.line}\n`;
    assert.deepEqual(fingerprintsOf(text), toolFingerprints(text));
    assert.throws(() => fingerprintsOf("h ssh-ed25519 AAAA"), /line 1: .*truncated/);
  });

  test("normalizeFingerprint accepts ssh-keygen's form and rejects others naming `ssh-host-fingerprints`", () => {
    assert.equal(normalizeFingerprint(` ${ed.fingerprint} `), ed.fingerprint);
    assert.equal(normalizeFingerprint(`sha256:${ed.digest}=`), ed.fingerprint);
    const md5 = sshKeygenOk(["-l", "-E", "md5", "-f", join(dir, "ed.pub")]).split(" ")[1] ?? "";
    assert.throws(() => normalizeFingerprint(md5), /`ssh-host-fingerprints`: .* MD5 fingerprint; give the SHA256 one/);
    assert.throws(() => normalizeFingerprint("SHA256:short"), /`ssh-host-fingerprints`: "SHA256:short" is not a SHA256 fingerprint/);
    assert.throws(() => knownHostsFromMeta(meta(), "h", 22, ["nope"]), /`ssh-host-fingerprints`/);
  });
});
