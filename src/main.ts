// The action's table of contents: read the inputs, start the run, run the mode, report.
import * as core from "@actions/core";
import { getSettings } from "./inputs/index.ts";
import type { Settings } from "./inputs/settings.ts";
import { apply } from "./modes/apply.ts";
import { rotate } from "./modes/rotate.ts";
import { destroy } from "./modes/destroy.ts";
import { plan } from "./modes/plan.ts";
import { startRun, type Run } from "./run/run.ts";
import type { Ended, Report } from "./report/report.ts";
import { reportEarlyFailure, setOutputs, writeSummary } from "./report/summary.ts";
import { explainFailure } from "./failure.ts";
import { ActionError } from "./errors.ts";
import { onCancel } from "./run/cancel.ts";

const MODES: Readonly<Record<Settings["mode"], (run: Run) => Promise<Ended>>> = { apply, rotate, destroy, plan };

function readSettings(): Settings {
  const settings = getSettings();
  core.setSecret(settings.git.githubToken);
  for (const warning of settings.warnings) core.warning(warning);
  return settings;
}

function fail(report: Report | undefined, error: unknown): NonNullable<Report["error"]> {
  const failure = error instanceof ActionError ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  const failed = { code: failure?.code ?? "unexpected", title: failure?.title ?? "Failed", message, helpUrl: failure?.helpUrl };
  if (report) {
    report.outcome = "failed";
    report.headline = failure?.title ?? "failed";
    report.error = failed;
  }
  core.error(failure ? `${message}\nSee ${failure.helpUrl}` : message, { title: failure?.title ?? "aks-flux-bootstrap failed" });
  process.exitCode = core.ExitCode.Failure;
  return failed;
}

export async function run(): Promise<void> {
  let report: Report | undefined;
  try {
    const settings = readSettings();
    const started = startRun(settings);
    const current = started.run.report;
    report = current;
    onCancel(started.run, () => finish(current));
    const ended = await MODES[settings.mode](started.run).catch((error: unknown) => {
      if (!started.run.gate.closed) throw explainFailure(error, settings, started.assertion);
    });
    // Cancelled: the cancel handler writes the summary and ends the process.
    if (started.run.gate.closed || !ended) return await new Promise<never>(() => undefined);
    report.outcome = ended.outcome;
    report.headline = ended.headline;
  } catch (error) {
    const failed = fail(report, error);
    // Invalid inputs end the run before it has a report: still a summary and `changed`, as every failure has.
    if (!report) await reportEarlyFailure(failed).catch((e: unknown) => core.warning(`Could not write the job summary: ${String(e)}`));
  }
  if (report) await finish(report);
}

async function finish(report: Report): Promise<void> {
  setOutputs(report);
  await writeSummary(report).catch((error: unknown) => core.warning(`Could not write the job summary: ${String(error)}`));
}
