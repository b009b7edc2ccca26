// What may start before what (issue 24: start writing sooner where it is safe), shown by causality, never by time: one
// read is held back at the local cloud, and what had reached the cloud by the time its answer went out could not
// have waited for it. The reads of current state start beside the repository read, but for the commit and tree reads
// of a default branch, which only that read names; the provider registrations are read beside the cluster check,
// while registering waits for it. Where both fail, the held read's error is still the one told.
import { test } from "node:test";
import assert from "node:assert/strict";
import { actionEnv, type Scenario } from "../emulator/index.ts";
import { cloud, freshScenario as seed, useLocalCloud } from "./support/shared-cloud.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";
import { errorAnnotations } from "./support/annotations.ts";

useLocalCloud("order");

/** Long enough for every read that does not wait to reach the cloud meanwhile; never measured. */
const HOLD_MS = 2000;
const KC = "Microsoft.KubernetesConfiguration";

const esc = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
const repoPath = (s: Scenario, tail = ""): RegExp => new RegExp(`^/repos/${s.owner}/${esc(s.repo)}${tail}$`);
const clusterPath = (s: Scenario, name = s.clusterName): RegExp =>
  new RegExp(
    `^/subscriptions/${s.subscriptionId}/resourceGroups/${s.resourceGroup}/providers/Microsoft\\.ContainerService/managedClusters/${esc(name)}$`,
  );
const providerPath = (s: Scenario, tail = ""): RegExp => new RegExp(`^/subscriptions/${s.subscriptionId}/providers/[^/]+${tail}$`);

/** Counts the requests that reach the cloud (a pass fault is taken when a request arrives), without changing them. */
function arrivals(service: string, method: string, path: RegExp): () => number {
  return cloud.injectFault({ service, method, path, kind: "pass", times: Infinity });
}

/** Holds the first matching GET back, then answers it normally; `seen` is told what had arrived by then. */
function hold<T>(service: string, path: RegExp, seen: () => T): () => T | undefined {
  let atAnswer: T | undefined;
  cloud.injectFault({ service, method: "GET", path, kind: "slow", delayMs: HOLD_MS, times: 1, onAnswered: () => (atAnswer = seen()) });
  return () => atAnswer;
}

const crashed = (run: ActionRun): boolean => /unhandled|Node\.js v\d/i.test(run.stderr);

interface RefCase {
  readonly name: string;
  readonly inputs: (s: Scenario) => Record<string, string>;
  /** Whether the ref's own reads (its commit, its tree, a semver range's tags) may start before the repository answers. */
  readonly beside: boolean;
}

const REFS: readonly RefCase[] = [
  { name: "a given branch", inputs: () => ({ branch: "main" }), beside: true },
  { name: "a tag", inputs: () => ({ tag: "v1.0.0" }), beside: true },
  { name: "a semver range", inputs: () => ({ semver: ">=1.0.0" }), beside: true },
  { name: "a commit without a branch", inputs: (s) => ({ commit: s.headSha }), beside: true },
  { name: "the default branch (no ref given)", inputs: () => ({}), beside: false },
];

for (const c of REFS) {
  test(`${c.name}: the ref's reads ${c.beside ? "start beside" : "wait for"} the repository read; the other reads never wait`, async () => {
    const s = await seed();
    try {
      await cloud.github.createTag(`${s.owner}/${s.repo}`, "v1.0.0", "main");
      // The ref's own reads: GET .../commits/{ref}, .../git/trees/{ref}, .../git/matching-refs/tags (semver).
      const refReads = arrivals("github", "GET", repoPath(s, "/(commits|git/trees|git/matching-refs)/.+"));
      const keyReads = arrivals("github", "GET", repoPath(s, "/keys"));
      const metaReads = arrivals("github", "GET", /^\/meta$/);
      const seen = hold("github", repoPath(s), () => ({ ref: refReads(), keys: keyReads(), meta: metaReads() }));
      const mark = cloud.traffic.log.length;
      const run = await runAction(actionEnv(cloud, s, c.inputs(s)));
      assert.equal(run.code, 0, run.everything);
      const atAnswer = seen();
      assert.ok(atAnswer, "the repository read was held");
      if (c.beside)
        assert.ok(atAnswer.ref > 0, `no read of the ref reached the cloud before the repository was answered: ${JSON.stringify(atAnswer)}`);
      else
        assert.equal(
          atAnswer.ref,
          0,
          `a read of the default branch went out before the repository read named it: ${JSON.stringify(atAnswer)}`,
        );
      assert.ok(atAnswer.keys > 0 && atAnswer.meta > 0, `deploy keys and /meta wait for nothing: ${JSON.stringify(atAnswer)}`);
      assert.ok(refReads() > 0, "the ref was read");
      assert.match(run.stdout, /Repository checked at /);
      assert.ok(cloud.writes({ since: mark }).length > 0, "the run applied");
    } finally {
      cloud.clearFaults();
    }
  });
}

test("a repository the token cannot see: its own error is told, not the 404 of a tree or commit read answered first", async () => {
  const s = await seed();
  const token = "ghs_seesAnotherRepositoryOnly000000000000";
  cloud.github.addToken(token, { repos: ["contoso/elsewhere"], permissions: { administration: "write", contents: "read" }, kind: "app" });
  try {
    const refReads = arrivals("github", "GET", repoPath(s, "/(commits|git/trees)/.+"));
    const seen = hold("github", repoPath(s), () => refReads());
    const mark = cloud.traffic.log.length;
    const run = await runAction(actionEnv(cloud, s, { "github-token": token, branch: "main" }));
    assert.equal(run.code, 1, run.everything);
    assert.ok((seen() ?? 0) > 0, "the commit and tree reads went out, and failed, before the repository read was answered");
    const [error] = errorAnnotations(run.stdout);
    assert.equal(error?.title, "Repository not found", run.stdout);
    assert.match(
      error?.message ?? "",
      /GitHub answered 404 for contoso\/cfg-order\d+: either it does not exist or the github-token cannot see it/,
    );
    assert.ok(!crashed(run), `no unhandled rejection: ${run.stderr}`);
    assert.deepEqual(cloud.writes({ since: mark }), []);
  } finally {
    cloud.clearFaults();
  }
});

test("the provider registrations are read beside the cluster check; the register POST waits until it passed", async () => {
  const s = await seed();
  cloud.azure.setProviderState(s.subscriptionId, KC, "NotRegistered");
  cloud.azure.grantRole({ clientId: s.clientId, scope: `/subscriptions/${s.subscriptionId}`, role: "Contributor" });
  try {
    const registrationReads = arrivals("arm", "GET", providerPath(s));
    const registers = arrivals("arm", "POST", providerPath(s, "/register"));
    const seen = hold("arm", clusterPath(s), () => ({ reads: registrationReads(), registers: registers() }));
    const run = await runAction(actionEnv(cloud, s, { "register-providers": "true" }));
    assert.equal(run.code, 0, run.everything);
    const atAnswer = seen();
    assert.ok(atAnswer, "the cluster read was held");
    assert.equal(atAnswer.reads, 2, `both registrations were read before the cluster was answered: ${JSON.stringify(atAnswer)}`);
    assert.equal(atAnswer.registers, 0, "nothing was registered before the cluster check passed");
    assert.equal(registers(), 1, "then the unregistered provider was registered");
    assert.match(run.summary, /Resource provider registered: Microsoft\.KubernetesConfiguration\./);
  } finally {
    cloud.clearFaults();
    cloud.azure.setProviderState(s.subscriptionId, KC, "Registered");
  }
});

test("a cluster that cannot be read: its error is told, not that of a registration read answered first", async () => {
  const s = await seed();
  const missing = "aks-nowhere";
  try {
    const refused = cloud.injectFault({
      service: "arm",
      method: "GET",
      path: providerPath(s),
      kind: "status",
      status: 400,
      body: { error: { code: "BadRequest", message: "Injected: the registration read is refused." } },
      times: Infinity,
    });
    const seen = hold("arm", clusterPath(s, missing), () => refused());
    const mark = cloud.traffic.log.length;
    const run = await runAction(actionEnv(cloud, s, { "cluster-name": missing, "register-providers": "true" }));
    assert.equal(run.code, 1, run.everything);
    assert.ok((seen() ?? 0) > 0, "a registration read failed before the cluster read was answered");
    const [error] = errorAnnotations(run.stdout);
    assert.match(error?.title ?? "", /^Cluster not (found|readable)/, run.stdout);
    assert.doesNotMatch(run.stdout, /Injected: the registration read is refused/);
    assert.ok(!crashed(run), `no unhandled rejection: ${run.stderr}`);
    assert.deepEqual(cloud.writes({ since: mark }), []);
  } finally {
    cloud.clearFaults();
  }
});
