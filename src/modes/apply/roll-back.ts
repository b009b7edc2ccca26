// Leaves nothing half-made: when a run fails after adding a deploy key, the key goes again, and so does a
// flux configuration the run created (even after wait-timeout: the deletes get a budget of their own).
import * as core from "@actions/core";
import type { Run } from "../../run/run.ts";
import { deleteDeployKey } from "../../github/deploy-keys.ts";
import { deleteConfiguration } from "../../azure/flux-configuration.ts";
import { messageOf } from "../../errors.ts";

const ROLLBACK_MS = 5 * 60_000;

/** Leaves nothing half-made: the keys this run added go (the ledger knows them), and so does a configuration it created. */
export async function rollBack(run: Run): Promise<void> {
  const added = run.ledger.keys.flatMap((entry) => (entry.key && !entry.removed ? [entry.key] : []));
  const createdConfiguration = run.ledger.configuration;
  // A configuration created with the action's key exists only after its key was added; with key-source: cluster
  // the configuration comes first and the key after it.
  if (added.length === 0 && !createdConfiguration) return;
  core.info("Rolling back: removing what this run added.");
  if (createdConfiguration) {
    // A failure here (e.g. no delete permission) must not keep the deploy key from going too.
    try {
      await deleteConfiguration(run.arm, run.settings.flux.name, true, performance.now() + ROLLBACK_MS);
      run.report.notes.push("The flux configuration this run created was deleted again because the run failed.");
      if (run.report.configuration) run.report.configuration.change = "deleted";
    } catch (cleanup) {
      core.warning(`Roll-back could not delete the flux configuration '${run.settings.flux.name}': ${messageOf(cleanup)}`);
    }
  }
  for (const key of added) {
    try {
      await deleteDeployKey(run.octokit, run.settings.git, key.id);
      run.ledger.removed(key.id);
      if (run.report.deployKey) run.report.deployKey = { ...run.report.deployKey, change: "deleted" };
      run.report.notes.push(`The deploy key this run added ("${key.title}") was removed again because the run failed.`);
    } catch (cleanup) {
      core.warning(`Roll-back incomplete: ${messageOf(cleanup)}. Remove deploy key ${key.id} ("${key.title}") by hand.`);
    }
  }
}
