// The Actions OIDC service: the job's request token as a bearer credential, the auth scheme in any case
// (RFC 9110, section 11.1; GitHub's own curl example sends "bearer"), anything else refused.
import { test } from "node:test";
import assert from "node:assert/strict";
import { request } from "node:https";
import { readFileSync } from "node:fs";
import { actionEnv, seedScenario, startLocalCloud } from "../index.ts";

function get(url: string, ca: Buffer, authorization: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "GET", ca, headers: { authorization } }, (res) => {
      let body = "";
      res.on("data", (chunk: Buffer) => (body += chunk.toString()));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on("error", reject);
    req.end();
  });
}

test("the OIDC token request takes the bearer scheme in any case and refuses a wrong token", async () => {
  const cloud = await startLocalCloud();
  try {
    const env = actionEnv(cloud, await seedScenario(cloud));
    const url = `${env["ACTIONS_ID_TOKEN_REQUEST_URL"] ?? ""}&audience=api://AzureADTokenExchange`;
    const token = env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] ?? "";
    const ca = readFileSync(cloud.tls.caPath);
    for (const scheme of ["Bearer", "bearer", "BEARER"]) {
      const answer = await get(url, ca, `${scheme} ${token}`);
      assert.equal(answer.status, 200, scheme);
      assert.match((JSON.parse(answer.body) as { value: string }).value, /^[\w-]+\.[\w-]+\.[\w-]+$/);
    }
    assert.equal((await get(url, ca, `Bearer ${token}x`)).status, 401);
    assert.equal((await get(url, ca, `Basic ${token}`)).status, 401);
  } finally {
    await cloud.close();
  }
});
