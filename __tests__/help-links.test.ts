// Help links in error annotations and the summary point at the docs of the version that is running: the runner
// says where the action comes from (GITHUB_ACTION_REPOSITORY, GITHUB_ACTION_REF) and which server it is on.
// Runs the bundle with an input error (fails before any request), as a user's `uses:` step would.
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { actionEnv, seedScenario, startLocalCloud, type LocalCloud } from "../emulator/index.ts";
import { errorAnnotations } from "./support/annotations.ts";
import { runAction } from "../emulator/run-action.ts";

// An input error: the action stops before any request, so no local cloud is needed.
const BAD_INPUTS = { INPUT_MODE: "apply", "INPUT_SUBSCRIPTION-ID": "not-a-guid" };

async function annotationUnder(runner: Record<string, string>): Promise<string> {
  const run = await runAction({ ...BAD_INPUTS, ...runner }, { bundled: true });
  assert.equal(run.code, 1, run.everything);
  const [error] = errorAnnotations(run.stdout);
  assert.ok(error, run.stdout);
  return error.message;
}

// [what, runner variables, the link expected in the annotation and the summary]
const CASES: readonly (readonly [string, Record<string, string>, string])[] = [
  [
    "uses: octo/aks-flux-bootstrap@v1.2.0 on github.com",
    { GITHUB_ACTION_REPOSITORY: "octo/aks-flux-bootstrap", GITHUB_ACTION_REF: "v1.2.0", GITHUB_SERVER_URL: "https://github.com" },
    "https://github.com/octo/aks-flux-bootstrap/blob/v1.2.0/docs/troubleshooting.md#invalid-input",
  ],
  [
    "pinned to a commit on a GitHub Enterprise Server",
    {
      GITHUB_ACTION_REPOSITORY: "platform/aks-flux-bootstrap",
      GITHUB_ACTION_REF: "0123456789abcdef0123456789abcdef01234567",
      GITHUB_SERVER_URL: "https://ghes.example.com/",
    },
    "https://ghes.example.com/platform/aks-flux-bootstrap/blob/0123456789abcdef0123456789abcdef01234567/docs/troubleshooting.md#invalid-input",
  ],
  [
    "a branch with a slash",
    { GITHUB_ACTION_REPOSITORY: "octo/aks-flux-bootstrap", GITHUB_ACTION_REF: "release/v2", GITHUB_SERVER_URL: "https://github.com" },
    "https://github.com/octo/aks-flux-bootstrap/blob/release/v2/docs/troubleshooting.md#invalid-input",
  ],
  [
    "a local `uses: ./` step (the runner sets no action repository): the page's path in the action's repository",
    { GITHUB_SERVER_URL: "https://github.com" },
    "docs/troubleshooting.md#invalid-input",
  ],
];

for (const [what, runner, link] of CASES) {
  test(`help link: ${what}`, async () => {
    const annotation = await annotationUnder(runner);
    assert.ok(annotation.endsWith(`See ${link}`), annotation);
  });
}

let cloud: LocalCloud;
before(async () => {
  cloud = await startLocalCloud();
});
after(async () => {
  await cloud.close();
});

// The identity holds a role on aks-staging only, so reading aks-missing is refused: cluster-not-readable.
test("help link: a failure after sign-in links the same page from the annotation and the job summary", async () => {
  const scenario = await seedScenario(cloud, { repo: "links" });
  const env = {
    ...actionEnv(cloud, scenario, { "cluster-name": "aks-missing" }),
    GITHUB_ACTION_REPOSITORY: "octo/aks-flux-bootstrap",
    GITHUB_ACTION_REF: "v1.2.0",
  };
  const run = await runAction(env, { bundled: true });
  assert.equal(run.code, 1, run.everything);
  const link = `${cloud.github.serverUrl}/octo/aks-flux-bootstrap/blob/v1.2.0/docs/troubleshooting.md#cluster-not-readable`;
  const [error] = errorAnnotations(run.stdout);
  assert.ok(error?.message.endsWith(`See ${link}`), run.stdout);
  assert.ok(run.summary.includes(`Next step: see [troubleshooting](${link}).`), run.summary);
  assert.doesNotMatch(run.everything, /your-org/);
});
