// Which Flux the cluster runs, will run after this run, and will move to on its own (auto-upgrade), with the
// repository's apiVersions that those Flux versions refuse or deprecate: the value, and its lines for the log, plan
// and job summary (pure).
import type { ApiFinding } from "../manifests/api-findings.ts";
import type { CheckLevel } from "../inputs/settings.ts";
import { fluxOfExtension } from "../manifests/flux-releases.ts";

export interface ExtensionAt {
  readonly version: string | undefined;
  /** The Flux release that version ships (Azure's release notes); undefined when they do not say. */
  readonly flux: string | undefined;
}

export interface FluxVersions {
  readonly installed: (ExtensionAt & { readonly autoUpgrade: boolean; readonly releaseTrain: string | undefined }) | undefined;
  /** What the cluster runs once this run's writes are done; `byThisRun`: this run installs or changes the version. */
  readonly after: ExtensionAt & { readonly autoUpgrade: boolean; readonly releaseTrain: string | undefined; readonly byThisRun: boolean };
  /** The newest version of the train, where auto-upgrade will move the cluster without a workflow run; with
   *  `nextAssumed`, the newest version Azure's notes name, the one judged against where the versions are unknown. */
  readonly next: ExtensionAt | undefined;
  readonly nextAssumed: boolean;
  /** Why the train's versions are unknown, when they are. */
  readonly trainUnknown: string | undefined;
  /** Refused by the Flux of `after` (what `flux-api-check` decides on). */
  readonly refused: readonly ApiFinding[];
  /** Refused only by the Flux of `next`: the next upgrade breaks them. */
  readonly refusedNext: readonly ApiFinding[];
  readonly deprecated: readonly ApiFinding[];
  readonly level: CheckLevel;
}

const at = (e: ExtensionAt | undefined): string =>
  e?.version ? `${e.version} (Flux ${e.flux ?? "version unknown: not in Azure's release notes as this action knows them"})` : "unknown";

/** One line each: installed, after this run, auto-upgrade. */
export function fluxVersionLines(v: FluxVersions): string[] {
  const lines: string[] = [];
  const i = v.installed;
  lines.push(
    i
      ? `installed: microsoft.flux ${at(i)}, auto-upgrade ${i.autoUpgrade ? `on (${i.releaseTrain ?? "Stable"})` : "off"}`
      : "installed: none",
  );
  const verb = !i ? "installs" : v.after.byThisRun ? "moves it to" : "keeps";
  const train = v.after.autoUpgrade ? `auto-upgrade on (${v.after.releaseTrain ?? "Stable"})` : "auto-upgrade off (pinned)";
  lines.push(`this run ${verb} ${at(v.after)}, ${train}`);
  if (v.after.autoUpgrade) {
    if (v.trainUnknown) lines.push(`newest version on the train: unknown (${v.trainUnknown})`);
    else if (v.next) lines.push(`auto-upgrade will move the cluster to ${at(v.next)}, the newest on its train, without a workflow run`);
    else lines.push("auto-upgrade: already the newest version on its train; Azure moves it to newer ones without a workflow run");
  }
  if (v.next && v.nextAssumed)
    lines.push(`judged (as warnings) against ${at(v.next)}, the newest version Azure's release notes name, as the version is unknown`);
  return lines;
}

/** The findings, each with what happens about it. */
export function fluxApiLines(v: FluxVersions): string[] {
  const failing = v.level === "fail";
  return [
    ...v.refused.map((f) => `${failing ? "refused (fails before any write)" : "refused"}: ${f.message}`),
    ...v.refusedNext.map((f) => `${v.nextAssumed ? `${at(v.next)} refuses` : `the next upgrade, to ${at(v.next)}, refuses`}: ${f.message}`),
    ...v.deprecated.map((f) => `deprecated: ${f.message}`),
  ];
}

/** The job summary's block. */
export function fluxVersionSummary(v: FluxVersions | undefined, extensionVersion: string | undefined): string[] {
  if (!v && !extensionVersion) return [];
  const lines = ["**Flux versions**", ""];
  if (extensionVersion)
    lines.push(`- running: microsoft.flux ${at({ version: extensionVersion, flux: fluxOfExtension(extensionVersion) })}`);
  if (v) for (const line of fluxVersionLines(v).slice(extensionVersion ? 1 : 0)) lines.push(`- ${line}`);
  if (v) for (const line of fluxApiLines(v)) lines.push(`- ${line}`);
  return [...lines, ""];
}
