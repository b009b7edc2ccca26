// The wire shape of fluxConfiguration writes and their long-running operations, under each switch:
// the 201 of a fresh create, the running status text, Retry-After, and the refusal of a write while busy.
import { after, afterEach, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { DEFAULT_DELAYS } from "./arm-state.ts";
import { DEFAULT_AGENT } from "./index.ts";
import { credential, httpsJson, sleep, startTestCloud, SUBSCRIPTION, trust } from "../testing/azure.ts";
import type { HttpResult, TestCloud } from "../testing/azure.ts";

const RG = "rg-ops";
let t: TestCloud;
let base: string;
let token: string;
let clusterId: string;

before(async () => {
  t = await startTestCloud();
  clusterId = t.cloud.addCluster({ subscriptionId: SUBSCRIPTION, resourceGroup: RG, name: "aks-ops", type: "managedClusters" });
  t.cloud.grantRole({ clientId: trust(t, "deployer"), scope: `/subscriptions/${SUBSCRIPTION}`, role: "Contributor" });
  token = (await credential(t, "deployer").getToken(`${t.cloud.armEndpoint}/.default`)).token;
  base = `${t.cloud.armEndpoint}${clusterId}/providers/Microsoft.KubernetesConfiguration/fluxConfigurations`;
});
afterEach(() => {
  t.cloud.setAgent(DEFAULT_AGENT);
  t.cloud.setDelays(DEFAULT_DELAYS);
});
after(async () => t.stop());

const body = (branch = "main"): string =>
  JSON.stringify({
    properties: {
      sourceKind: "GitRepository",
      namespace: "flux-system",
      gitRepository: { url: "ssh://git@localhost:1/octo-org/fleet.git", repositoryRef: { branch } },
      kustomizations: { infra: { path: "./clusters/prod" } },
    },
  });

function call(method: string, url: string, payload?: string): Promise<HttpResult> {
  return httpsJson(t.tls.ca, method, url, { authorization: `Bearer ${token}`, "content-type": "application/json" }, payload);
}

const url = (name: string): string => `${base}/${name}?api-version=2023-05-01`;
const operationUrl = (res: HttpResult): string => String(res.headers["azure-asyncoperation"]);
const statusOf = async (res: HttpResult): Promise<HttpResult> => call("GET", operationUrl(res));

async function until<T>(read: () => T, done: (value: T) => boolean): Promise<T> {
  let value = read();
  for (let i = 0; i < 300 && !done(value); i += 1) {
    await sleep(10);
    value = read();
  }
  return value;
}

async function settle(res: HttpResult): Promise<string> {
  let status = "";
  for (let i = 0; i < 300 && !["Succeeded", "Failed", "Canceled"].includes(status); i += 1) {
    await sleep(10);
    status = ((await statusOf(res)).json as { status: string }).status;
  }
  return status;
}

describe("fluxConfiguration operations", () => {
  test("a fresh create answers 201 Creating with statusUpdatedAt null and statuses [], and no Retry-After at 0", async () => {
    const created = await call("PUT", url("fresh"), body());
    assert.equal(created.status, 201);
    const properties = (created.json as { properties: Record<string, unknown> }).properties;
    assert.equal(properties["provisioningState"], "Creating");
    assert.equal(properties["statusUpdatedAt"], null);
    assert.deepEqual(properties["statuses"], []);
    assert.equal(created.headers["retry-after"], undefined);
    const running = await statusOf(created);
    assert.equal((running.json as { status: string }).status, "Creating");
    assert.equal(running.headers["retry-after"], undefined);
    assert.equal(await settle(created), "Succeeded");
  });

  test("Retry-After is sent on the write and the running status when retryAfterSeconds > 0", async () => {
    t.cloud.setDelays({ retryAfterSeconds: 1, provisioningMs: 300 });
    const created = await call("PUT", url("retry"), body());
    assert.equal(created.headers["retry-after"], "1");
    assert.equal((await statusOf(created)).headers["retry-after"], "1");
    assert.equal(await settle(created), "Succeeded");
  });

  test("runningStatus: the running operation says Creating / Updating (recorded) or Running", async () => {
    t.cloud.setDelays({ provisioningMs: 300 });
    const created = await call("PUT", url("status"), body());
    assert.equal(((await statusOf(created)).json as { status: string }).status, "Creating");
    await settle(created);
    const updated = await call(
      "PATCH",
      url("status"),
      JSON.stringify({ properties: { gitRepository: { repositoryRef: { branch: "next" } } } }),
    );
    assert.equal(updated.status, 202);
    assert.equal(((await statusOf(updated)).json as { status: string }).status, "Updating");
    t.cloud.setAgent({ runningStatus: "Running" });
    assert.equal(((await statusOf(updated)).json as { status: string }).status, "Running");
    assert.equal(await settle(updated), "Succeeded");
  });

  test("the operation runs on until the agent has processed the generation, then ends operationEndMs later", async () => {
    t.cloud.setDelays({ reconciliationMs: 400 });
    t.cloud.setAgent({ operationEndMs: 200 });
    const created = await call("PUT", url("slow"), body());
    await sleep(250);
    assert.equal(((await statusOf(created)).json as { status: string }).status, "Creating", "provisioned, not yet processed by the agent");
    const read = await call("GET", url("slow"));
    assert.equal((read.json as { properties: { statusUpdatedAt: unknown } }).properties.statusUpdatedAt, null);
    const report = await until(
      () => t.cloud.agentReports(clusterId, "slow")[0],
      (r) => r !== undefined,
    );
    assert.equal(report?.complianceState, "Pending", "no microsoft.flux extension on this cluster");
    assert.equal(((await statusOf(created)).json as { status: string }).status, "Creating", "still running right after the report");
    assert.equal(await settle(created), "Succeeded");
  });

  test("stateLagMs: the configuration's provisioningState ends with its operation, or that much after (above 0) or before (below 0)", async () => {
    const stateOf = async (name: string): Promise<string> =>
      String(((await call("GET", url(name))).json as { properties: Record<string, unknown> }).properties["provisioningState"]);
    const operationOf = async (created: HttpResult): Promise<string> => ((await statusOf(created)).json as { status: string }).status;
    t.cloud.setAgent({ stateLagMs: 600 });
    const later = await call("PUT", url("settles-after"), body());
    assert.equal(await settle(later), "Succeeded");
    assert.equal(await stateOf("settles-after"), "Creating", "the operation has ended, the configuration not yet");
    t.cloud.setAgent({ stateLagMs: -600 });
    const sooner = await call("PUT", url("settles-before"), body());
    let state = "";
    for (let i = 0; i < 300 && state !== "Succeeded"; i += 1) {
      await sleep(10);
      state = await stateOf("settles-before");
    }
    assert.equal(state, "Succeeded");
    assert.equal(await operationOf(sooner), "Creating", "the configuration has settled, the operation not yet");
    await sleep(700);
    assert.deepEqual(
      [await stateOf("settles-after"), await operationOf(later), await stateOf("settles-before"), await operationOf(sooner)],
      ["Succeeded", "Succeeded", "Succeeded", "Succeeded"],
    );
  });

  test("busyError: a write during an operation gets 409 AnotherOperationInProgress, or plain Conflict naming the state", async () => {
    t.cloud.setDelays({ provisioningMs: 500 });
    const created = await call("PUT", url("busy"), body());
    const first = await call("PATCH", url("busy"), JSON.stringify({ properties: { suspend: true } }));
    assert.equal(first.status, 409);
    assert.equal((first.json as { error: { code: string } }).error.code, "AnotherOperationInProgress");
    t.cloud.setAgent({ busyError: "Conflict" });
    const second = await call("PUT", url("busy"), body("other"));
    assert.equal(second.status, 409);
    assert.deepEqual(second.json, {
      error: {
        code: "Conflict",
        message:
          "Operation is not allowed: Another operation (Creating) is in progress, please wait for it to finish before starting a new operation.",
      },
    });
    assert.equal(await settle(created), "Succeeded");
  });
});
