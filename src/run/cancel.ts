// A cancelled run, as the runner cancels a step: SIGINT, then SIGTERM 7.5 s later, then SIGKILL 2.5 s after that
// (actions/runner src/Runner.Sdk/ProcessInvoker.cs). On the first signal the write gate closes (no new write to
// GitHub or Azure starts), the deploy keys this run created that no configuration write carried are removed, the
// summary says "cancelled", what was done and what is left, and the process exits: all within BUDGET_MS, inside
// the first grace period. A write Azure already accepted is not undone blindly: the next run finishes it.
import * as core from "@actions/core";
import type { Run } from "./run.ts";
import type { CreatedKey } from "./ledger.ts";
import { createOctokit, type Octokit } from "../github/client.ts";
import { deleteDeployKey, findDeployKey } from "../github/deploy-keys.ts";
import { keyReport } from "./deploy-keys.ts";
import { messageOf } from "../errors.ts";
import { sleep } from "../poll.ts";

/** The clean-up's budget: well inside the 7.5 s before SIGTERM, leaving time for the summary. */
const BUDGET_MS = 5_000;
/** Of which, for a key registration under way to answer. */
const PENDING_MS = 1_500;

/** Handles the runner's cancel signals for this run; `finish` writes the outputs and summary. Returns the uninstaller. */
export function onCancel(run: Run, finish: () => Promise<void>): () => void {
  let cancelling = false;
  const handler = (signal: NodeJS.Signals): void => {
    if (cancelling) {
      core.info(`${signal} received while cleaning up: finishing the clean-up.`);
      return;
    }
    cancelling = true;
    void cancel(run, signal)
      .then(finish)
      .finally(() => process.exit(core.ExitCode.Failure));
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

async function cancel(run: Run, signal: NodeJS.Signals): Promise<void> {
  const { report } = run;
  run.gate.close(`the run was cancelled (${signal})`);
  run.ledger.settleRefused(run.gate.armWritesSent);
  core.warning(`The runner cancelled this step (${signal}): no new write is sent; removing what this run made that nothing uses.`, {
    title: "Cancelled",
  });
  report.outcome = "cancelled";
  report.headline = `cancelled (${signal})`;
  // A key POST under way when the signal came: its answer says whether the key exists (the gate stops nothing already sent).
  await Promise.race([Promise.allSettled(run.ledger.pending()), sleep(PENDING_MS)]);
  const signalBudget = AbortSignal.timeout(BUDGET_MS - PENDING_MS);
  const octokit = createOctokit(run.settings.git, { retries: 1, signal: signalBudget });
  for (const entry of run.ledger.unused()) {
    try {
      await removeUnused(run, octokit, entry);
    } catch (error) {
      const line = `Deploy key "${entry.title}" could not be removed in time (${messageOf(error)}): it is used by nothing; the next run removes it.`;
      core.warning(line);
      report.notes.push(line);
    }
  }
  for (const entry of run.ledger.maybeHeld()) {
    report.notes.push(
      `Left for the next run: deploy key "${entry.title}" went to Azure in a configuration write, so the configuration may hold it. ` +
        "The next run waits for Azure's operation to end, then proves the key in use and removes the older key (or removes this one if unused).",
    );
  }
  report.notes.push("Cancelled: no write was started after the signal. Re-run the workflow to finish (a re-run converges from here).");
}

async function removeUnused(run: Run, octokit: Octokit, entry: CreatedKey): Promise<void> {
  // Without GitHub's answer (cancelled mid-request, or it was lost) the key may still exist: look for its material.
  const key = entry.key ?? (await findDeployKey(octokit, run.settings.git, entry.publicBlob));
  if (!key) return;
  await deleteDeployKey(octokit, run.settings.git, key.id);
  entry.removed = true;
  run.report.deployKey = keyReport("deleted", key, undefined);
  run.report.notes.push(`The deploy key this run added ("${key.title}") was removed: no configuration held it yet.`);
  core.info(`Removed deploy key "${key.title}": this run added it and nothing uses it yet.`);
}
