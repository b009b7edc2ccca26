// mode: plan — reads everything, writes nothing (no deploy key, no ARM write, no secret made): says what
// `plan-for` (apply, rotate or destroy) would create, update or delete, field by field, and fails as that mode would
// when it would stop before any write (a missing path, a failing repository finding, a create-only field, nothing to
// rotate), so that a plan can gate a pull request.
import { configurationReport, extensionReport, type Ended } from "../report/report.ts";
import * as core from "@actions/core";
import type { Run } from "../run/run.ts";
import { observe } from "../run/current-state.ts";
import { desiredExtension, diffExtension } from "../azure/extension-body.ts";
import { desiredConfiguration, diffConfiguration, keyChange } from "../azure/flux-configuration-body.ts";
import { currentKey, keyReport, rotationDue } from "../run/deploy-keys.ts";
import type { Report } from "../report/report.ts";
import { clusterRotationBlock } from "../run/cluster-key.ts";
import { findingLevel, findingsFailure, warnFindings } from "../run/repository-check.ts";
import { immutableCheck } from "../run/create-only.ts";
import { ActionError } from "../errors.ts";
import { checkFluxVersions } from "../run/flux-versions.ts";

function newKey(run: Run, clusterMade = false): NonNullable<Report["deployKey"]> {
  const what = clusterMade ? "the key the cluster makes, registered once the configuration publishes it" : "new key";
  return {
    change: "would create",
    id: undefined,
    title: `(${what} for ${run.settings.cluster.name}/${run.settings.flux.name})`,
    fingerprint: undefined,
    publicKey: undefined,
    readOnly: !run.settings.key.readWrite,
  };
}

/** The error `fn` throws, if it throws an ActionError: what the planned mode would stop with. */
function stopsWith(fn: () => void): ActionError | undefined {
  try {
    fn();
    return undefined;
  } catch (error) {
    if (error instanceof ActionError) return error;
    throw error;
  }
}

export async function plan(run: Run): Promise<Ended> {
  const { settings, report } = run;
  const target = settings.planFor;
  /** What the planned mode would stop with before any write, first found first. */
  let stop: ActionError | undefined;
  const observed = await core.group("Preflight and current state", () => observe(run, { withRepository: target === "apply" }));
  if (target === "destroy") {
    report.configuration = configurationReport(observed.configuration ? "would delete" : "absent", observed.configuration);
    if (settings.extension.remove)
      report.extension = extensionReport(observed.extension ? "would delete" : "absent", observed.extension, settings.extension.name);
    for (const key of observed.ownedKeys) report.removedKeys.push(keyReport("would delete", key, undefined));
  } else if (target === "rotate") {
    const current = currentKey(observed.ownedKeys, observed.keyInUse);
    const blocked = clusterRotationBlock(run, current);
    if (blocked) {
      if (current) report.deployKey = keyReport("unchanged", current, undefined);
      report.notes.push(`rotate would do nothing: ${blocked}`);
    } else if (!observed.configuration) {
      stop = new ActionError("invalid-input", {
        title: "Nothing to rotate",
        message: `There is no flux configuration '${settings.flux.name}' on ${settings.cluster.name}. Run with \`mode: apply\` first.`,
      });
    } else if (!rotationDue(current, settings.key.maxAgeMs, Date.now())) {
      if (current) report.deployKey = keyReport("unchanged", current, undefined);
      report.notes.push("The current key is younger than max-key-age: rotate would do nothing.");
    } else {
      report.deployKey = newKey(run);
      report.configuration = configurationReport("would update", observed.configuration, [keyChange("(changes)")]);
      for (const key of observed.ownedKeys) report.removedKeys.push(keyReport("would delete", key, undefined));
    }
  } else {
    stop = findingsFailure(run, observed.repositoryCheck);
    const wantedExtension = desiredExtension(settings.extension, run.arm);
    if (!observed.extension) {
      report.extension = extensionReport("would create", { version: settings.extension.version }, settings.extension.name);
    } else {
      const { changes } = diffExtension(observed.extension, wantedExtension);
      report.extension = extensionReport(
        changes.length > 0 ? "would update" : "unchanged",
        observed.extension,
        settings.extension.name,
        changes,
      );
    }
    const body = desiredConfiguration(settings.flux, settings.git, observed.defaultBranch, observed.knownHosts.text);
    const cluster = settings.key.source === "cluster";
    const needsKey = !observed.keyInUse;
    report.deployKey = needsKey ? newKey(run, cluster) : keyReport("unchanged", observed.keyInUse, undefined);
    report.notes.push(
      cluster
        ? "Key source: cluster. The configuration is created without a private key; the cluster's Flux agent makes the pair and apply registers its public half."
        : "Key source: action. Apply makes the key pair in the runner's memory and sends the private half to Azure as a protected setting.",
    );
    if (!observed.configuration) {
      report.configuration = configurationReport("would create", undefined);
    } else {
      const diff = diffConfiguration(observed.configuration, body);
      const changes = [...diff.immutable, ...diff.changes, ...(needsKey && !cluster ? [keyChange("(changes)")] : [])];
      report.configuration = configurationReport(changes.length > 0 ? "would update" : "unchanged", observed.configuration, changes);
      const configuration = observed.configuration;
      stop ??= stopsWith(() => immutableCheck(run, configuration, body));
    }
    const fluxStop = stopsWith(() => void checkFluxVersions(run, observed, true));
    stop ??= fluxStop;
  }
  for (const line of [...describe(report, settings.flux.name), ...findingLines(run)]) core.info(line);
  if (target === "apply") warnFindings(run, observed.repositoryCheck);
  if (stop) throw wouldStop(target, stop);
  return { outcome: "planned", headline: `preview of ${target}, nothing was changed` };
}

/** The planned mode's own error, said as what it would do: the run fails with the title that mode would show. */
function wouldStop(target: string, error: ActionError): ActionError {
  return new ActionError(error.code, {
    title: error.title,
    message: `${target} would stop here, before any write (this plan changed nothing):\n${error.message}`,
    cause: error,
  });
}

/** A value as a person reads it: text as it is, objects as JSON without the nulls Azure fills in. */
function shown(value: unknown): string {
  if (value === undefined || value === null) return "(none)";
  if (typeof value === "string") return value;
  return JSON.stringify(value, (_key, v: unknown) => (v === null ? undefined : v));
}

function describe(report: Report, configurationName: string): string[] {
  const lines: string[] = [];
  if (report.extension) lines.push(`flux extension ${report.extension.name}: ${report.extension.change}`);
  for (const change of report.extension?.changes ?? []) lines.push(`  ${change.field}: ${shown(change.from)} → ${shown(change.to)}`);
  if (report.deployKey) lines.push(`deploy key: ${report.deployKey.change} ${report.deployKey.title}`);
  for (const key of report.removedKeys) lines.push(`deploy key: ${key.change} ${key.title}`);
  if (report.configuration) lines.push(`flux configuration ${configurationName}: ${report.configuration.change}`);
  for (const change of report.configuration?.changes ?? []) {
    const secret = change.field.startsWith("configurationProtectedSettings");
    lines.push(`  ${change.field}: ${secret ? "(changes)" : `${shown(change.from)} → ${shown(change.to)}`}`);
  }
  return lines;
}

/** The repository check's findings, each with what apply would do about it. */
function findingLines(run: Run): string[] {
  const check = run.report.repositoryCheck;
  if (!check) return [];
  const lines = check.findings.map(
    (f) => `repository: apply would ${findingLevel(run, f.kind) === "fail" ? "fail before any write" : "warn"}: ${f.message}`,
  );
  if (check.findings.length === 0) lines.push(`repository: no findings at ${check.at.slice(0, 12)}`);
  return [...lines, ...check.skipped.map((s) => `repository: not checked: ${s}`)];
}
