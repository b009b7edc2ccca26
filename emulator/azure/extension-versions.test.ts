// microsoft.flux versions in the stand-in: the extension types list per release train, the version an install or an
// auto-upgrade lands on, the interim step a move from 1.20.4 or lower to 1.23.0 or later needs, and the role it takes.
import { after, before, describe, test } from "node:test";
import assert from "node:assert/strict";
import { armClient, credential, httpsJson, startTestCloud, SUBSCRIPTION, trust } from "../testing/azure.ts";
import type { TestCloud } from "../testing/azure.ts";

const RG = "rg-versions";
const LRO = { updateIntervalInMs: 20 };
let t: TestCloud;
let clusterId: string;

before(async () => {
  t = await startTestCloud();
  clusterId = t.cloud.addCluster({ subscriptionId: SUBSCRIPTION, resourceGroup: RG, name: "aks-v", type: "managedClusters" });
  t.cloud.grantRole({ clientId: trust(t, "deployer"), scope: clusterId, role: "Contributor" });
  t.cloud.grantRole({ clientId: trust(t, "narrow"), scope: clusterId, role: "Kubernetes Extension Contributor" });
});
after(async () => t.stop());

async function listVersions(clientId: string, train: string): Promise<{ status: number; versions: string[] }> {
  const token = (await credential(t, clientId).getToken(`${t.cloud.armEndpoint}/.default`)).token;
  const url = `${t.cloud.armEndpoint}${clusterId}/providers/Microsoft.KubernetesConfiguration/extensionTypes/microsoft.flux/versions?api-version=2026-04-01&releaseTrain=${train}`;
  const answer = await httpsJson(t.tls.ca, "GET", url, { authorization: `Bearer ${token}` });
  const body = answer.json as { value?: { properties?: { version?: string } }[] } | undefined;
  return { status: answer.status, versions: (body?.value ?? []).map((v) => v.properties?.version ?? "") };
}

describe("extension versions", () => {
  test("the train's versions are listed to a role that may read extension types, and refused to one that may not", async () => {
    const listed = await listVersions("deployer", "Stable");
    assert.equal(listed.status, 200);
    assert.equal(listed.versions.at(-1), "1.24.1");
    assert.ok(listed.versions.includes("1.20.4") && listed.versions.includes("1.22.2"));
    t.cloud.setExtensionVersions("Preview", ["1.25.0"]);
    assert.deepEqual((await listVersions("deployer", "preview")).versions, ["1.25.0"]);
    assert.equal((await listVersions("narrow", "Stable")).status, 403);
  });

  test("an install without a pin lands on the newest of its train; auto-upgrade moves a seeded extension there", async () => {
    const client = armClient(t, "deployer");
    const created = await client.extensions.beginCreateAndWait(
      RG,
      "Microsoft.ContainerService",
      "managedClusters",
      "aks-v",
      "flux",
      { extensionType: "microsoft.flux", autoUpgradeMinorVersion: true },
      LRO,
    );
    assert.equal(created.currentVersion, "1.24.1");
    t.cloud.addExtension(clusterId, { name: "flux", version: "1.22.2", autoUpgrade: true });
    t.cloud.autoUpgradeExtensions();
    assert.equal(t.cloud.getExtension(clusterId, "flux")?.properties["currentVersion"], "1.24.1");
  });

  test("1.20.4 straight to 1.23.0 fails as the CRD upgrade would; through 1.22.2 it succeeds", async () => {
    const client = armClient(t, "deployer");
    t.cloud.addExtension(clusterId, { name: "flux", version: "1.20.4" });
    await assert.rejects(
      client.extensions.beginUpdateAndWait(
        RG,
        "Microsoft.ContainerService",
        "managedClusters",
        "aks-v",
        "flux",
        { version: "1.23.0", autoUpgradeMinorVersion: false },
        LRO,
      ),
      /must appear in spec\.versions/,
    );
    t.cloud.addExtension(clusterId, { name: "flux", version: "1.20.4" });
    for (const version of ["1.22.2", "1.23.0"]) {
      const updated = await client.extensions.beginUpdateAndWait(
        RG,
        "Microsoft.ContainerService",
        "managedClusters",
        "aks-v",
        "flux",
        { version, autoUpgradeMinorVersion: false },
        LRO,
      );
      assert.equal(updated.currentVersion, version);
    }
  });
});
