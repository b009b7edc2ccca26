// First contact, through the bundled action: the two sign-in mistakes people make most are named with the values
// the action was given, not with placeholders, and Entra's trace shrinks to one line. Nothing is written.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { startLocalCloud, seedScenario, actionEnv, type LocalCloud } from "../emulator/index.ts";
import { errorAnnotations } from "./support/annotations.ts";
import { runAction, type ActionRun } from "../emulator/run-action.ts";

let cloud: LocalCloud;

before(async () => {
  cloud = await startLocalCloud();
});
after(() => cloud.close());

/** The run failed (exit 1) with exactly one ::error annotation: that one. */
function theOneError(run: ActionRun): ReturnType<typeof errorAnnotations>[number] | undefined {
  assert.equal(run.code, 1, run.everything);
  const errors = errorAnnotations(run.stdout);
  assert.equal(errors.length, 1, run.stdout);
  return errors[0];
}

test("a typo in cluster-name, with the role at the cluster: both causes, with the names as typed and the real client ID", async () => {
  // The custom role of examples/azure, assigned at the cluster only (docs/workflows.md): every other name answers 403.
  const scenario = await seedScenario(cloud, {
    clusterName: "aks-typo",
    repo: "cfg-typo",
    roles: ["Reader", "Kubernetes Extension Contributor"],
  });
  const mark = cloud.traffic.log.length;
  const run = await runAction(actionEnv(cloud, scenario, { "cluster-name": "aks-tpyo" }), { bundled: true });
  const error = theOneError(run);
  assert.equal(error?.title, "Cluster not readable: wrong name or no role");
  const message = error?.message ?? "";
  for (const expected of [
    "cluster 'aks-tpyo' in resource group 'rg-platform'",
    "1. cluster-name 'aks-tpyo' or resource-group 'rg-platform' is not the cluster you mean",
    `az aks list --subscription ${scenario.subscriptionId}`,
    "2. or the identity holds no role on this cluster",
    `az role assignment create --assignee ${scenario.clientId} --role "AKS Flux Bootstrap (${scenario.subscriptionId})"`,
    `--scope /subscriptions/${scenario.subscriptionId}/resourceGroups/rg-platform/providers/Microsoft.ContainerService/managedClusters/aks-tpyo`,
    "troubleshooting.md#cluster-not-readable",
  ])
    assert.ok(message.includes(expected), `message should contain ${JSON.stringify(expected)}:\n${message}`);
  assert.doesNotMatch(message, /<client-id>|Azure role missing/);
  assert.match(run.summary, /What went wrong: Cluster not readable/);
  assert.deepEqual(cloud.writes().slice(mark), [], "nothing written");
  assert.deepEqual(cloud.github.deployKeys(`${scenario.owner}/${scenario.repo}`), []);
});

test("a role missing on the real cluster names the real client ID in the az role assignment line", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-reader", repo: "cfg-reader", roles: ["Reader"] });
  const run = await runAction(actionEnv(cloud, scenario), { bundled: true });
  assert.equal(run.code, 1, run.everything);
  const [error] = errorAnnotations(run.stdout);
  assert.equal(error?.title, "Azure role missing", run.stdout);
  assert.ok(error?.message.includes(`az role assignment create --assignee ${scenario.clientId} `), error?.message);
  assert.doesNotMatch(error?.message ?? "", /<client-id>/);
});

test("AADSTS700016 (an Object ID given as client-id): which ID to use, Entra's trace on one line", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-oid", repo: "cfg-oid" });
  const objectId = "9d8c7b6a-5f4e-4d3c-8b2a-1f0e9d8c7b6a";
  const mark = cloud.traffic.log.length;
  const run = await runAction(actionEnv(cloud, scenario, { "client-id": objectId }), { bundled: true });
  const error = theOneError(run);
  assert.equal(error?.title, "No such client ID in the tenant");
  const message = error?.message ?? "";
  assert.ok(message.includes(`client ID ${objectId} in tenant ${scenario.tenantId} (AADSTS700016)`), message);
  assert.match(message, /must be the identity's Client ID \(Application ID\), not its Object \(principal\) ID/);
  assert.match(message, /az identity show .* --query clientId/);
  // Entra's answer carries its trace and correlation IDs twice (in the description and in its own fields): one line here.
  const traceLines = message.split("\n").filter((line) => /trace ID|correlation ID/i.test(line));
  assert.deepEqual(traceLines.length, 1, message);
  assert.match(traceLines[0] ?? "", /^Entra ID: trace ID [0-9a-f-]{36}, correlation ID [0-9a-f-]{36}, \d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ$/);
  assert.doesNotMatch(message, /Error\(s\): 700016|This can happen if the application has not been installed/);
  assert.ok(message.length < 900, `${message.length} characters:\n${message}`);
  assert.deepEqual(cloud.writes().slice(mark), [], "nothing written");
});

test("a healthy run with the role at the cluster: one calm line about provider registrations, not two that read like problems", async () => {
  const scenario = await seedScenario(cloud, { clusterName: "aks-calm", repo: "cfg-calm" });
  const run = await runAction(actionEnv(cloud, scenario, { mode: "plan" }), { bundled: true });
  assert.equal(run.code, 0, run.everything);
  const lines = run.stdout.split("\n").filter((line) => /registration/i.test(line));
  assert.deepEqual(lines.length, 1, lines.join("\n"));
  assert.match(lines[0] ?? "", /^Resource provider registrations: not readable at this identity's scope, .*nothing is wrong\./);
  assert.doesNotMatch(run.stdout, /^::(warning|notice)/m);
});
