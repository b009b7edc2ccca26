// mode: plan — reads everything, writes nothing (no deploy key, no ARM write, no secret made): says what
// `plan-for` (apply, rotate or destroy) would create, update or delete, field by field.
import { configurationReport } from "../report/report.ts";
import * as core from "@actions/core";
import type { Run } from "../run/run.ts";
import { observe } from "../run/current-state.ts";
import { desiredExtension, diffExtension } from "../azure/extension-body.ts";
import { desiredConfiguration, diffConfiguration, keyChange } from "../azure/flux-configuration-body.ts";
import { currentKey, keyReport, rotationDue } from "../run/deploy-keys.ts";
import type { Report } from "../report/report.ts";
import { clusterRotationBlock } from "../run/cluster-key.ts";
import { findingLevel } from "../run/repository-check.ts";

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

export async function plan(run: Run): Promise<void> {
  const { settings, report } = run;
  const target = settings.planFor;
  const observed = await core.group("Preflight and current state", () => observe(run, target === "apply"));
  if (target === "destroy") {
    report.configuration = configurationReport(observed.configuration ? "would delete" : "absent", observed.configuration);
    if (settings.extension.remove)
      report.extension = {
        change: observed.extension ? "would delete" : "absent",
        name: observed.extension?.name ?? settings.extension.name,
        version: observed.extension?.currentVersion,
        changes: [],
      };
    for (const key of observed.ownedKeys) report.removedKeys.push(keyReport("would delete", key, undefined));
  } else if (target === "rotate") {
    const current = currentKey(observed.ownedKeys, observed.keyInUse);
    const blocked = clusterRotationBlock(run, current);
    if (blocked) {
      if (current) report.deployKey = keyReport("unchanged", current, undefined);
      report.notes.push(`rotate would do nothing: ${blocked}`);
    } else if (!observed.configuration || !rotationDue(current, settings.key.maxAgeMs, Date.now())) {
      if (current) report.deployKey = keyReport("unchanged", current, undefined);
      report.notes.push(
        observed.configuration
          ? "The current key is younger than max-key-age: rotate would do nothing."
          : "No flux configuration: rotate would fail; run apply first.",
      );
    } else {
      report.deployKey = newKey(run);
      report.configuration = configurationReport("would update", observed.configuration, [keyChange("(changes)")]);
      for (const key of observed.ownedKeys) report.removedKeys.push(keyReport("would delete", key, undefined));
    }
  } else {
    const wantedExtension = desiredExtension(settings.extension, run.arm);
    if (!observed.extension) {
      report.extension = { change: "would create", name: settings.extension.name, version: settings.extension.version, changes: [] };
    } else {
      const { changes } = diffExtension(observed.extension, wantedExtension);
      report.extension = {
        change: changes.length > 0 ? "would update" : "unchanged",
        name: observed.extension.name ?? settings.extension.name,
        version: observed.extension.currentVersion,
        changes,
      };
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
      if (diff.immutable.length > 0)
        report.notes.push("Create-only fields differ (scope/namespace): apply would refuse; destroy and apply again.");
    }
  }
  for (const line of [...describe(report), ...findingLines(run)]) core.info(line);
  report.outcome = "planned";
  report.headline = `preview of ${target}, nothing was changed`;
}

function describe(report: Report): string[] {
  const lines: string[] = [];
  if (report.extension) lines.push(`flux extension ${report.extension.name}: ${report.extension.change}`);
  for (const change of report.extension?.changes ?? [])
    lines.push(`  ${change.field}: ${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`);
  if (report.deployKey) lines.push(`deploy key: ${report.deployKey.change} ${report.deployKey.title}`);
  for (const key of report.removedKeys) lines.push(`deploy key: ${key.change} ${key.title}`);
  if (report.configuration) lines.push(`flux configuration: ${report.configuration.change}`);
  for (const change of report.configuration?.changes ?? []) {
    const secret = change.field.startsWith("configurationProtectedSettings");
    lines.push(`  ${change.field}: ${secret ? "(changes)" : `${JSON.stringify(change.from)} → ${JSON.stringify(change.to)}`}`);
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
