// mode: destroy — the flux configuration, optionally the extension, and the deploy keys this action owns
// for it. Idempotent: nothing left is a success that says so.
import { configurationReport, extensionReport, type Ended } from "../report/report.ts";
import * as core from "@actions/core";
import { writing, type Run } from "../run/run.ts";
import { deleteConfiguration, getConfiguration } from "../azure/flux-configuration.ts";
import { deleteExtension, findFluxExtension } from "../azure/extension.ts";
import { getRepository } from "../github/repository.ts";
import { listDeployKeys } from "../github/deploy-keys.ts";
import { ownsTitle } from "../github/key-titles.ts";
import { removeKeys } from "../run/deploy-keys.ts";
import { settledConfiguration } from "../run/settled.ts";

export async function destroy(run: Run): Promise<Ended> {
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
    // An operation under way (a killed run's write) ends first: Azure refuses a delete while it runs.
    const settled = await settledConfiguration(run, configuration);
    if (settled) await deleteConfiguration(arm, settings.flux.name, settings.flux.forceDelete, run.deadline);
    report.configuration = configurationReport(configuration ? "deleted" : "absent", { id: configuration?.id });
    core.info(
      configuration
        ? `Deleted flux configuration '${settings.flux.name}'.`
        : `No flux configuration '${settings.flux.name}': nothing to delete.`,
    );
  });
  if (settings.extension.remove) {
    await core.group("Delete the flux extension", async () => {
      if (extension?.name) await deleteExtension(arm, extension, settings.flux.forceDelete, writing(run));
      report.extension = extensionReport(extension ? "deleted" : "absent", extension, settings.extension.name);
    });
  }
  await core.group("Delete the deploy keys", async () => {
    const owned = keys.filter((k) => ownsTitle(k.title, settings.cluster, settings.flux.name));
    await removeKeys(run, owned, "owned");
    if (owned.length === 0) core.info("No deploy keys of this cluster and configuration: nothing to delete.");
  });
  const removed = [configuration, settings.extension.remove ? extension : undefined].filter(Boolean).length + report.removedKeys.length;
  return { outcome: "succeeded", headline: removed > 0 ? "removed" : "nothing left to remove" };
}
