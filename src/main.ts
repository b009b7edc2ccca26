// The action's table of contents: read the inputs, sign in, run the mode's phases, report.
import * as core from "@actions/core";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { getSettings } from "./inputs.ts";
import type { Settings } from "./settings.ts";
import { createCredential, githubAssertion, type GitHubAssertion } from "./azure-credential.ts";
import { createArm } from "./arm.ts";
import { createOctokit } from "./github.ts";
import { preflight } from "./preflight.ts";
import { apply } from "./apply.ts";
import { rotate } from "./rotate.ts";
import { destroy } from "./destroy.ts";
import { plan } from "./plan.ts";
import type { Run } from "./context.ts";
import { newReport, type Report } from "./report.ts";
import { setOutputs, writeSummary } from "./summary.ts";
import { explainFailure } from "./failure.ts";
import { ActionError } from "./errors.ts";

const PORTAL: Record<Settings["azure"]["cloud"], string> = {
  AzureCloud: "https://portal.azure.com",
  AzureUSGovernment: "https://portal.azure.us",
  AzureChinaCloud: "https://portal.azure.cn",
};

/** Logs each ARM request and status at debug level (runner debug logging), never bodies or headers. */
const armDebugPolicy: PipelinePolicy = {
  name: "aksFluxBootstrapDebug",
  async sendRequest(request, next) {
    const started = performance.now();
    const url = request.url.replace(/\?.*$/, "");
    try {
      const response = await next(request);
      core.debug(`arm: ${request.method} ${url} -> ${response.status} (${Math.round(performance.now() - started)} ms)`);
      return response;
    } catch (error) {
      core.debug(`arm: ${request.method} ${url} -> failed (${Math.round(performance.now() - started)} ms)`);
      throw error;
    }
  },
};

async function runMode(run: Run, assertion: GitHubAssertion): Promise<void> {
  const { settings } = run;
  try {
    switch (settings.mode) {
      case "apply":
        await apply(run);
        break;
      case "rotate":
        await rotate(run);
        break;
      case "destroy":
        await destroy(run);
        break;
      case "plan":
        await plan(run);
        break;
    }
  } catch (error) {
    throw explainFailure(error, settings, assertion);
  }
}

export async function run(): Promise<void> {
  let report: Report | undefined;
  try {
    const settings = getSettings();
    core.setSecret(settings.git.githubToken);
    for (const warning of settings.warnings) core.warning(warning);
    const assertion = githubAssertion(settings.azure.audience);
    const credential = createCredential(settings.azure, assertion);
    const arm = createArm(credential, settings.cluster, settings.azure.armEndpoint, [armDebugPolicy]);
    const octokit = createOctokit(settings.git);
    report = newReport(settings.mode, settings.cluster, arm.clusterId, `${settings.git.owner}/${settings.git.repo}`, PORTAL[settings.azure.cloud]);
    const started = performance.now();
    const deadline = started + settings.waitTimeoutMs;
    // The preflight reads run alongside each mode's own reads; every mode awaits it before its first write.
    const checks = preflight(arm, settings, deadline, settings.mode === "apply").then((checked) => {
      for (const warning of checked.warnings) core.warning(warning);
      for (const namespace of checked.registered) report?.notes.push(`Resource provider registered: ${namespace}.`);
    });
    checks.catch(() => undefined);
    const run: Run = { settings, octokit, arm, report, intervalMs: settings.progressIntervalMs, deadline, checks };
    await runMode(run, assertion);
    if (report.outcome === "failed") report.outcome = settings.mode === "plan" ? "planned" : "succeeded";
    if (!report.headline) report.headline = settings.mode === "plan" ? "preview, nothing was changed" : "done";
  } catch (error) {
    const failure = error instanceof ActionError ? error : undefined;
    const message = error instanceof Error ? error.message : String(error);
    if (report) {
      report.outcome = "failed";
      report.headline = failure?.title ?? "failed";
      report.error = { code: failure?.code ?? "unexpected", title: failure?.title ?? "Failed", message, helpUrl: failure?.helpUrl };
    }
    core.error(failure ? `${message}\nSee ${failure.helpUrl}` : message, { title: failure?.title ?? "aks-flux-bootstrap failed" });
    process.exitCode = core.ExitCode.Failure;
  } finally {
    if (report) {
      setOutputs(report);
      await writeSummary(report).catch((error: unknown) => core.warning(`Could not write the job summary: ${String(error)}`));
    }
  }
}
