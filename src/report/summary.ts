// Turns the run's report into the step outputs and a job summary a platform engineer reads in five seconds.
import { fluxVersionSummary } from "./flux-versions.ts";
import { fluxOfExtension } from "../manifests/flux-releases.ts";
import * as core from "@actions/core";
import type { Report, Change } from "./report.ts";
import { changed } from "./report.ts";
import { earlyRecord, fleetRecord } from "./record.ts";

const ICON: Record<Report["outcome"], string> = { succeeded: "✅", failed: "❌", planned: "📝", skipped: "⏭️", cancelled: "🛑" };

function escape(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function shortSha(commit: string | undefined): string {
  return commit ? commit.replace(/([0-9a-f]{7})[0-9a-f]{33,57}$/, "$1") : "—";
}

function row(cells: readonly string[]): string {
  return `| ${cells.map(escape).join(" | ")} |`;
}

/** A value short enough for a table cell: text, numbers and booleans; anything else is left to the log. */
function plain(value: unknown): string | undefined {
  if (value === undefined || value === null) return "(none)";
  return ["string", "number", "boolean"].includes(typeof value) && String(value).length <= 80 ? String(value) : undefined;
}

/** `kustomizations.cluster.path: ./clusters/a → ./clusters/b`, or the field alone when a value is long or secret. */
function changesText(changes: readonly { field: string; from: unknown; to: unknown }[]): string {
  return changes
    .map((c) => {
      const [from, to] = [plain(c.from), plain(c.to)];
      return from === undefined || to === undefined || c.field.startsWith("configurationProtectedSettings")
        ? c.field
        : `${c.field}: ${from} → ${to}`;
    })
    .join(", ");
}

/** HelmReleases with what Azure counts for them: the revision applied and the failures. */
function helmReleaseLines(statuses: NonNullable<Report["configuration"]>["statuses"]): string[] {
  const releases = statuses.filter((s) => s.kind === "HelmRelease");
  if (releases.length === 0) return [];
  const lines = [row(["HelmRelease", "Chart", "Revision", "Failures (install / upgrade)", "State"]), "| --- | --- | --- | --- | --- |"];
  for (const s of releases) {
    const p = s.helmReleaseProperties;
    const chart = p?.helmChartRef?.name ? `${p.helmChartRef.namespace ?? ""}/${p.helmChartRef.name}` : "—";
    const failures = `${p?.failureCount ?? 0} (${p?.installFailureCount ?? 0} / ${p?.upgradeFailureCount ?? 0})`;
    lines.push(
      row([
        `${s.namespace ?? ""}/${s.name ?? "?"}`,
        chart,
        p?.lastRevisionApplied?.toString() ?? "—",
        failures,
        s.complianceState ?? "Unknown",
      ]),
    );
  }
  return [...lines, ""];
}

/** What the repository check found before any write (and what it could not read). */
function repositoryCheckLines(report: Report): string[] {
  const check = report.repositoryCheck;
  if (!check) return [];
  const head = `**Repository check** at \`${shortSha(check.at)}\`: ${check.findings.length === 0 ? "no findings" : `${check.findings.length} finding(s)`} (${check.requests} GitHub request(s))`;
  const lines = [head, ""];
  for (const f of check.findings) lines.push(`- ${escape(f.message)}`);
  for (const s of check.skipped) lines.push(`- not checked: ${escape(s)}`);
  return lines.length > 2 ? [...lines, ""] : lines;
}

export function renderSummary(report: Report): string {
  const lines: string[] = [];
  lines.push(`## ${ICON[report.outcome]} Flux ${report.mode}: ${report.cluster.name} — ${report.headline}`, "");
  const items: [string, string, Change | undefined, string][] = [];
  if (report.extension) {
    items.push([
      "Flux extension",
      `${report.extension.name}${report.extension.version ? ` ${report.extension.version}` : ""}`,
      report.extension.change,
      changesText(report.extension.changes),
    ]);
  }
  if (report.configuration) {
    items.push([
      "Flux configuration",
      `${report.cluster.name}/${report.configuration.id?.split("/").pop() ?? report.configurationName ?? ""}`,
      report.configuration.change,
      changesText(report.configuration.changes),
    ]);
  }
  if (report.deployKey) {
    items.push([
      "Deploy key",
      report.deployKey.title,
      report.deployKey.change,
      `${report.deployKey.fingerprint ?? ""} ${report.deployKey.readOnly ? "read-only" : "READ-WRITE"}`.trim(),
    ]);
  }
  for (const key of report.removedKeys) items.push(["Deploy key", key.title, key.change, "older key of this cluster"]);
  if (items.length > 0) {
    lines.push(row(["Item", "Name", "Change", "Detail"]), "| --- | --- | --- | --- |");
    for (const [item, name, change, detail] of items) lines.push(row([item, name, change ?? "—", detail]));
    lines.push("");
  }
  if (report.configuration) {
    const c = report.configuration;
    lines.push(`**Source:** \`${report.repository}\` at \`${shortSha(c.syncedCommit)}\` · **compliance:** ${c.complianceState ?? "—"}`, "");
    if (c.statuses.length > 0) {
      lines.push(row(["Flux object", "Kind", "State", "Message"]), "| --- | --- | --- | --- |");
      for (const s of c.statuses) {
        const ready = s.statusConditions?.find((x) => x.type === "Ready") ?? s.statusConditions?.[0];
        lines.push(row([s.name ?? "?", s.kind ?? "?", s.complianceState ?? "Unknown", ready?.message ?? ""]));
      }
      lines.push("");
    }
    lines.push(...helmReleaseLines(c.statuses));
  }
  lines.push(...fluxVersionSummary(report.fluxVersions, report.extension?.version));
  lines.push(...repositoryCheckLines(report));
  if (report.hostKeys && report.hostKeys.length > 0) {
    lines.push("<details><summary>Host keys (verified)</summary>", "", row(["Type", "Fingerprint", "Verified by"]), "| --- | --- | --- |");
    for (const key of report.hostKeys) {
      lines.push(
        row([key.type, key.fingerprint, key.verifiedBy === "meta" ? "GitHub /meta fingerprints" : "pinned ssh-host-fingerprints"]),
      );
    }
    lines.push("", "</details>", "");
  }
  for (const note of report.notes) lines.push(`> ${note}`, "");
  if (report.error) lines.push(...errorLines(report.error));
  const links = [`[cluster in the Azure portal](${report.portalUrl})`];
  if (report.repositoryHtmlUrl) links.push(`[repository deploy keys](${report.repositoryHtmlUrl}/settings/keys)`);
  lines.push(links.join(" · "), "");
  return lines.join("\n");
}

function errorLines(error: NonNullable<Report["error"]>): string[] {
  const lines = [`### What went wrong: ${error.title}`, "", "```text", error.message, "```", ""];
  return error.helpUrl ? [...lines, `Next step: see [troubleshooting](${error.helpUrl}).`, ""] : lines;
}

/** A run that stopped before it began (invalid inputs): `changed=false` and a ❌ summary that says why, as every failure has. */
export async function reportEarlyFailure(error: NonNullable<Report["error"]>): Promise<void> {
  core.setOutput("changed", "false");
  core.setOutput("result", JSON.stringify(earlyRecord(error, process.uptime())));
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  const text = [`## ❌ Flux: ${error.title} — nothing was changed`, "", ...errorLines(error)].join("\n");
  await core.summary.addRaw(text, true).write();
}

export function setOutputs(report: Report): void {
  const set = (name: string, value: string | number | undefined): void => {
    if (value !== undefined && value !== "") core.setOutput(name, String(value));
  };
  set("public-key", report.deployKey?.publicKey);
  set("fingerprint", report.deployKey?.fingerprint);
  set("deploy-key-id", report.deployKey?.change === "deleted" ? undefined : report.deployKey?.id);
  set("known-hosts", report.knownHostsText);
  set("flux-configuration-id", report.configuration?.change === "deleted" ? undefined : report.configuration?.id);
  set("extension-version", report.extension?.version);
  set("flux-version", fluxOfExtension(report.extension?.version));
  set("compliance-state", report.configuration?.complianceState);
  set("synced-commit", report.configuration?.syncedCommit);
  core.setOutput("changed", String(changed(report)));
  // The fleet roll-up's record of this cluster (process.uptime(): the run's duration, start-up included).
  core.setOutput("result", JSON.stringify(fleetRecord(report, process.uptime())));
}

export async function writeSummary(report: Report): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return;
  await core.summary.addRaw(renderSummary(report), true).write();
}
