// The run's result as one small JSON value (the output `result`): what the fleet roll-up of the reusable workflow
// reads from every cluster job (fleet/record, fleet/roll-up). Pure; the field names are a contract with those jq files.
import type { Report, DeployKeyReport } from "./report.ts";
import { changed } from "./report.ts";

export interface KeyRecord {
  readonly fingerprint: string | undefined;
  /** When the key was made (from its title), ISO 8601; undefined for a key without a stamp. */
  readonly created: string | undefined;
  readonly ageDays: number | undefined;
  readonly change: string;
}

export interface FleetRecord {
  readonly cluster: { subscription: string; resourceGroup: string; type: string; name: string };
  readonly mode: string;
  readonly outcome: Report["outcome"];
  readonly changed: boolean;
  readonly headline: string;
  /** What changed (or, planning, would change): one line per item, `item: change (fields)`. */
  readonly changes: readonly string[];
  readonly complianceState: string | undefined;
  readonly syncedCommit: string | undefined;
  readonly key: KeyRecord | undefined;
  /** Older keys this run removed (rotate: the key ages before). */
  readonly removedKeys: readonly KeyRecord[];
  readonly extensionVersion: string | undefined;
  readonly fluxVersion: string | undefined;
  readonly durationSeconds: number;
  readonly error: { code: string; title: string } | undefined;
}

const STAMP = / (\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z) /;
const DAY_MS = 86_400_000;

function keyRecord(key: DeployKeyReport, now: number): KeyRecord {
  const created = STAMP.exec(`${key.title} `)?.[1];
  const ageDays = created ? Math.max(0, Math.floor((now - Date.parse(created)) / DAY_MS)) : undefined;
  return { fingerprint: key.fingerprint, created, ageDays, change: key.change };
}

function changeLines(report: Report): string[] {
  const lines: string[] = [];
  const item = (name: string, change: string | undefined, fields: readonly { field: string }[]): void => {
    if (change === undefined || change === "unchanged" || change === "absent") return;
    lines.push(`${name}: ${change}${fields.length > 0 ? ` (${fields.map((f) => f.field).join(", ")})` : ""}`);
  };
  item("Flux extension", report.extension?.change, report.extension?.changes ?? []);
  item("Flux configuration", report.configuration?.change, report.configuration?.changes ?? []);
  item("Deploy key", report.deployKey?.change, []);
  for (const key of report.removedKeys) item("Older deploy key", key.change, []);
  return lines;
}

/** The record of `report`, `durationSeconds` after the run began, at `now` (ms since the epoch). */
export function fleetRecord(report: Report, durationSeconds: number, now: number = Date.now()): FleetRecord {
  const after = report.fluxVersions?.after;
  return {
    cluster: {
      subscription: report.cluster.subscriptionId,
      resourceGroup: report.cluster.resourceGroup,
      type: report.cluster.type,
      name: report.cluster.name,
    },
    mode: report.mode,
    outcome: report.outcome,
    changed: changed(report),
    headline: report.headline,
    changes: changeLines(report),
    complianceState: report.configuration?.complianceState,
    syncedCommit: report.configuration?.syncedCommit,
    key: report.deployKey ? keyRecord(report.deployKey, now) : undefined,
    removedKeys: report.removedKeys.map((key) => keyRecord(key, now)),
    extensionVersion: report.extension?.version ?? after?.version,
    fluxVersion: after?.flux ?? report.fluxVersions?.installed?.flux,
    durationSeconds: Math.round(durationSeconds),
    error: report.error ? { code: report.error.code, title: report.error.title } : undefined,
  };
}

/** The record of a run that stopped before it had a report (invalid inputs): no cluster read, nothing changed. */
export function earlyRecord(error: { code: string; title: string }, durationSeconds: number): Omit<FleetRecord, "cluster" | "mode"> {
  return {
    outcome: "failed",
    changed: false,
    headline: error.title,
    changes: [],
    complianceState: undefined,
    syncedCommit: undefined,
    key: undefined,
    removedKeys: [],
    extensionVersion: undefined,
    fluxVersion: undefined,
    durationSeconds: Math.round(durationSeconds),
    error: { code: error.code, title: error.title },
  };
}
