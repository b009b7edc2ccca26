// Which Flux the cluster runs now, runs after this run's writes, and moves to on its own (auto-upgrade), and what of
// the repository each of those refuses; checked before any write (apply) and shown (plan). Refuses, before any
// write, an upgrade Azure says needs an interim version first, and a downgrade nobody asked for.
import * as core from "@actions/core";
import type { Extension } from "@azure/arm-kubernetesconfiguration";
import {
  AZURE_REMOVALS_FROM,
  AZURE_REMOVED_API_VERSIONS,
  INTERIM,
  compareVersions,
  NEWEST_IN_NOTES,
  fluxOfExtension,
  interimVersions,
  needsInterimStep,
  newest,
} from "../manifests/flux-releases.ts";
import { apiFindings, migrateCommand, type ApiFinding } from "../manifests/api-findings.ts";
import type { FluxTarget } from "../manifests/flux-apis.ts";
import type { Manifest } from "../manifests/manifests.ts";
import { fluxApiLines, fluxVersionLines, type ExtensionAt, type FluxVersions } from "../report/flux-versions.ts";
import { ActionError } from "../errors.ts";
import type { Observed } from "./current-state.ts";
import type { Run } from "./run.ts";

const extensionAt = (version: string | undefined): ExtensionAt => ({ version, flux: fluxOfExtension(version) });

function targetOf(version: string | undefined): FluxTarget | undefined {
  const flux = fluxOfExtension(version);
  if (!version || !flux) return undefined;
  return { flux, removed: compareVersions(version, AZURE_REMOVALS_FROM) >= 0 ? AZURE_REMOVED_API_VERSIONS : [] };
}

const key = (f: ApiFinding): string => `${f.file}:${f.line}:${f.apiVersion}:${f.replacement ?? ""}`;

/** Works out now / after / next from what was read; pure but for its inputs. */
export function assessFluxVersions(run: Run, observed: Observed): FluxVersions {
  const { extension: wanted, fluxVersions: checks } = run.settings;
  const found: Extension | undefined = observed.extension;
  const installedVersion = found?.currentVersion ?? found?.version ?? undefined;
  const installed = found && {
    ...extensionAt(installedVersion),
    autoUpgrade: found.autoUpgradeMinorVersion ?? true,
    releaseTrain: found.releaseTrain ?? undefined,
  };
  const train = observed.trainVersions;
  const newestOnTrain = train?.known ? newest(train.versions) : undefined;
  const pinned = wanted.version;
  const sameTrain = (installed?.releaseTrain ?? "Stable").toLowerCase() === wanted.releaseTrain.toLowerCase();
  // Not pinned: an extension already auto-upgrading on this train is left where it is; else Azure installs (or moves
  // it to) the newest version of the train.
  const keeps = pinned === undefined && installed?.autoUpgrade === true && sameTrain;
  const afterVersion = pinned ?? (keeps ? installedVersion : newestOnTrain);
  const after = {
    ...extensionAt(afterVersion),
    autoUpgrade: pinned === undefined,
    releaseTrain: pinned === undefined ? wanted.releaseTrain : undefined,
    byThisRun: !installed || (afterVersion !== undefined && afterVersion !== installedVersion) || afterVersion === undefined,
  };
  const afterTarget = targetOf(afterVersion);
  // Where the versions are unknown (the train's list could not be read, or a version Azure's notes never listed), the
  // objects are judged against the newest version the notes name, as warnings: Flux does not bring removed APIs back.
  const fallback =
    !afterTarget ||
    (after.autoUpgrade && !train?.known && afterVersion !== undefined && compareVersions(NEWEST_IN_NOTES, afterVersion) > 0);
  const next =
    after.autoUpgrade && newestOnTrain && (!afterVersion || compareVersions(newestOnTrain, afterVersion) > 0)
      ? extensionAt(newestOnTrain)
      : fallback
        ? extensionAt(NEWEST_IN_NOTES)
        : undefined;
  const manifests: Manifest[] = [...(observed.repositoryCheck?.manifests?.values() ?? [])].flat();
  const off = checks.apiCheck === "off";
  const nextTarget = targetOf(next?.version);
  const now = off || !afterTarget ? [] : apiFindings(manifests, afterTarget);
  const refused = now.filter((f) => f.severity === "refused");
  const seen = new Set(refused.map(key));
  const later = off || !nextTarget ? [] : apiFindings(manifests, nextTarget).filter((f) => f.severity === "refused" && !seen.has(key(f)));
  return {
    installed,
    after,
    next,
    nextAssumed: next !== undefined && next.version !== newestOnTrain,
    trainUnknown: train && !train.known ? train.why : undefined,
    refused,
    refusedNext: later,
    // An object the next upgrade refuses is said once, as that.
    deprecated: now.filter((f) => f.severity === "deprecated" && !later.some((l) => l.file === f.file && l.line === f.line)),
    level: checks.apiCheck,
  };
}

/** The upgrade Azure says must stop at an interim version, and a downgrade not asked for: refused before any write. */
function upgradePath(run: Run, v: FluxVersions, offered: readonly string[]): void {
  const from = v.installed?.version;
  const to = v.after.version;
  if (!from || !to || !v.after.byThisRun) return;
  const name = run.settings.extension.name;
  if (compareVersions(to, from) < 0 && !run.settings.fluxVersions.allowDowngrade) {
    throw new ActionError("extension-downgrade", {
      title: "Flux extension downgrade refused",
      message:
        `extension-version ${to} is below the installed microsoft.flux ${from} on ${run.settings.cluster.name}: this run would downgrade Flux ` +
        `(${v.installed?.flux ?? "unknown"} → ${v.after.flux ?? "unknown"}). Nothing was changed. Pin ${from} or later, or set ` +
        "allow-extension-downgrade: true if a downgrade is what you want.",
    });
  }
  if (!needsInterimStep(from, to)) return;
  const interim = interimVersions(offered)[0] ?? INTERIM.to;
  throw new ActionError("extension-upgrade-path", {
    title: "Flux extension upgrade needs an interim version",
    message:
      `microsoft.flux ${from} cannot go straight to ${to}: Azure's release notes say clusters at 1.20.4 or lower must first run an ` +
      `interim version (${INTERIM.from} - ${INTERIM.to}), which migrates the Flux objects stored in etcd off the API versions ` +
      `${INTERIM.before} removes. Nothing was changed. Do it in two runs:\n` +
      `  1. extension-version: ${interim} (extension '${name}'), and let the run finish with Flux Compliant;\n` +
      `  2. then extension-version: ${to}${run.settings.extension.version ? "" : " (or remove extension-version to follow the release train)"}.`,
  });
}

function annotate(findings: readonly ApiFinding[], title: string, extra: string): void {
  for (const f of findings) core.warning(`${f.message}${extra}`, { title, file: f.file, startLine: f.line });
}

/** Logs the versions and findings, records them in the report, and enforces what apply must refuse before any write. */
export function checkFluxVersions(run: Run, observed: Observed, enforce: boolean): FluxVersions {
  const v = assessFluxVersions(run, observed);
  run.report.fluxVersions = v;
  for (const line of fluxVersionLines(v)) core.info(`Flux versions: ${line}`);
  if (!enforce) return v;
  const offered = observed.trainVersions?.known ? observed.trainVersions.versions : undefined;
  upgradePath(run, v, offered ?? []);
  const from = v.installed?.version;
  if (from && v.next && !v.nextAssumed && !v.after.byThisRun && needsInterimStep(from, v.next.version ?? from))
    core.warning(
      `Auto-upgrade would take microsoft.flux from ${from} to ${v.next.version}, past the interim version (${INTERIM.from} - ` +
        `${INTERIM.to}) Azure's release notes require first: pin extension-version: ${interimVersions(offered ?? [])[0] ?? INTERIM.to} now.`,
      { title: "Auto-upgrade skips the interim Flux extension version" },
    );
  const pinned = run.settings.extension.version;
  if (pinned && offered && offered.length > 0 && !offered.includes(pinned))
    core.warning(
      `extension-version ${pinned} is not among the ${run.settings.extension.releaseTrain} versions Azure offers this cluster ` +
        `(${[...offered].sort(compareVersions).slice(-4).join(", ")}, …): Azure may refuse it. Check the version, or its train.`,
      { title: "Flux extension version not offered" },
    );
  const paths = run.settings.flux.kustomizations.map((k) => k.path);
  const target = v.after.flux ? { flux: v.after.flux, removed: [] } : undefined;
  const fix = target ? ` Rewrite them with \`${migrateCommand(paths, target)}\` (Flux CLI 2.7.1 or later) and push.` : "";
  if (v.refusedNext.length > 0 && v.next) {
    const nextFix = v.next.flux ? ` Rewrite them with \`${migrateCommand(paths, { flux: v.next.flux, removed: [] })}\`.` : "";
    annotate(
      v.refusedNext,
      v.nextAssumed
        ? `microsoft.flux ${v.next.version} and later refuse this`
        : `The next Flux upgrade (${v.next.version}) will refuse this`,
      v.nextAssumed
        ? ` Which version the cluster will run is unknown (see the log); ${v.next.version} is the newest Azure's release notes name.${nextFix}`
        : ` Auto-upgrade moves the cluster there without a workflow run.${nextFix}`,
    );
  }
  annotate(v.deprecated, "Deprecated Flux apiVersion", "");
  if (v.refused.length === 0 || v.level === "off") return v;
  if (v.level === "warn") {
    annotate(v.refused, "Flux will refuse this apiVersion", fix);
    return v;
  }
  for (const f of v.refused) core.error(f.message, { title: "Flux will refuse this apiVersion", file: f.file, startLine: f.line });
  throw new ActionError("flux-api-refused", {
    title: "Flux would refuse manifests in the repository",
    message:
      `Found before any write, in ${run.settings.git.fullName}: microsoft.flux ${v.after.version} runs Flux ` +
      `${v.after.flux}, which refuses:\n${fluxApiLines(v)
        .filter((l) => l.startsWith("refused"))
        .map((l) => `  - ${l.replace(/^refused \(fails before any write\): /, "")}`)
        .join("\n")}\n` +
      `Nothing was changed.${fix} Or pin an extension-version below ${AZURE_REMOVALS_FROM} (with auto-upgrade off) until the ` +
      "manifests are migrated; to go on regardless, flux-api-check: warn.",
  });
}
