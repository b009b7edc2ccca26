// mode: destroy — the flux configuration, optionally the extension, and the deploy keys this action owns
// for it. Idempotent: nothing left is a success that says so.
import { configurationReport } from "./report.ts";
import * as core from "@actions/core";
import type { Run } from "./context.ts";
import { deleteConfiguration, getConfiguration } from "./flux-configuration.ts";
import { findFluxExtension } from "./extension.ts";
import { deleteDeployKey, getRepository, listDeployKeys } from "./github.ts";
import { ownsTitle } from "./deploy-key-title.ts";
import { keyReport } from "./apply.ts";
import { awaitOperation, explainArmError } from "./arm.ts";

export async function destroy(run: Run): Promise<void> {
  const { settings, arm, report } = run;
  await core.group("Preflight", () => run.checks);
  const repository = await getRepository(run.octokit, settings.git);
  report.repositoryHtmlUrl = repository.htmlUrl;
  const [configuration, extension, keys] = await Promise.all([
    getConfiguration(arm, settings.flux.name),
    settings.extension.remove ? findFluxExtension(arm) : Promise.resolve(undefined),
    listDeployKeys(run.octokit, settings.git),
  ]);
  await core.group("Delete the flux configuration", async () => {
    if (configuration) await deleteConfiguration(arm, settings.flux.name, settings.flux.forceDelete);
    report.configuration = configurationReport(configuration ? "deleted" : "absent", { id: configuration?.id });
    core.info(configuration ? `Deleted flux configuration '${settings.flux.name}'.` : `No flux configuration '${settings.flux.name}': nothing to delete.`);
  });
  if (settings.extension.remove) {
    await core.group("Delete the flux extension", async () => {
      if (extension?.name) {
        const { resourceGroup, name, type } = arm.cluster;
        try {
          const poller = await arm.client.extensions.beginDelete(resourceGroup, arm.clusterRp, type, name, extension.name, {
            forceDelete: settings.flux.forceDelete,
            updateIntervalInMs: 1000,
          });
          await awaitOperation(arm, poller);
        } catch (error) {
          throw explainArmError(error, arm, "delete the flux extension");
        }
      }
      report.extension = { change: extension ? "deleted" : "absent", name: extension?.name ?? settings.extension.name, version: extension?.currentVersion, changes: [] };
    });
  }
  await core.group("Delete the deploy keys", async () => {
    const owned = keys.filter((k) => ownsTitle(k.title, settings.cluster, settings.flux.name));
    for (const key of owned) {
      await deleteDeployKey(run.octokit, settings.git, key.id);
      report.removedKeys.push(keyReport("deleted", key, undefined));
      core.info(`Deleted deploy key "${key.title}".`);
    }
    if (owned.length === 0) core.info("No deploy keys of this cluster and configuration: nothing to delete.");
  });
  const removed = [configuration, settings.extension.remove ? extension : undefined].filter(Boolean).length + report.removedKeys.length;
  report.headline = removed > 0 ? "removed" : "nothing left to remove";
}
