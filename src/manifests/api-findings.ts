// Flux objects in the files Flux would apply whose apiVersion a given Flux refuses or deprecates, and
// ImageUpdateAutomation commit templates that use the fields image-automation-controller v1.0 (Flux 2.7) removed (pure).
// The template fields: fluxcd/image-automation-controller internal/source/source.go (RemovedTemplateFieldError:
// ".Updated" → ".Changed", ".Changed.ImageResult" → ".Changed.FileChanges" or ".Changed.Objects"), its CHANGELOG 1.0.0.
import { apiState, compareVersions, isFluxApi, minorOf, type FluxTarget } from "./flux-apis.ts";
import type { Manifest } from "./manifests.ts";

export interface ApiFinding {
  /** refused: the target Flux does not serve it (or fails on it); deprecated: served, with a deprecation warning. */
  readonly severity: "refused" | "deprecated";
  readonly file: string;
  readonly line: number;
  readonly kind: string;
  readonly name: string;
  readonly apiVersion: string;
  /** The apiVersion (or template fields) to use instead. */
  readonly replacement: string | undefined;
  /** One line: where, what, and the replacement. */
  readonly message: string;
}

const REMOVED_TEMPLATE_FIELDS: readonly { readonly field: RegExp; readonly name: string; readonly use: string }[] = [
  { field: /\.Updated\b/, name: ".Updated", use: ".Changed" },
  { field: /\.Changed\.ImageResult\b/, name: ".Changed.ImageResult", use: ".Changed.FileChanges or .Changed.Objects" },
];
const TEMPLATE_FIELDS_REMOVED_IN = "2.7";

function templateFindings(m: Manifest, target: FluxTarget): ApiFinding[] {
  const template = m.messageTemplate;
  if (m.kind !== "ImageUpdateAutomation" || !template || compareVersions(minorOf(target.flux), TEMPLATE_FIELDS_REMOVED_IN) < 0) return [];
  return REMOVED_TEMPLATE_FIELDS.filter((f) => f.field.test(template.text)).map((f) => ({
    severity: "refused",
    file: m.file,
    line: template.line,
    kind: m.kind,
    name: m.name,
    apiVersion: m.apiVersion,
    replacement: f.use,
    message:
      `${m.file}:${template.line}: ImageUpdateAutomation ${m.name}: the commit messageTemplate uses ${f.name}, which Flux ` +
      `${TEMPLATE_FIELDS_REMOVED_IN} removed; use ${f.use}.`,
  }));
}

/** Findings for the Flux `target` (deduplicated by file, line and apiVersion); objects the table cannot judge are left out. */
export function apiFindings(manifests: readonly Manifest[], target: FluxTarget): ApiFinding[] {
  const found = new Map<string, ApiFinding>();
  for (const m of manifests) {
    for (const finding of templateFindings(m, target)) found.set(`${finding.file}:${finding.line}:template`, finding);
    if (!isFluxApi(m.apiVersion)) continue;
    const state = apiState(m.apiVersion, m.kind, target);
    if (state.state !== "refused" && state.state !== "deprecated") continue;
    const use = state.replacement ? `; use ${state.replacement}` : "";
    const what =
      state.state === "refused"
        ? `Flux ${target.flux} does not serve ${m.apiVersion}`
        : `${m.apiVersion} is deprecated since Flux ${state.since}`;
    found.set(`${m.file}:${m.apiVersionLine}:${m.apiVersion}`, {
      severity: state.state,
      file: m.file,
      line: m.apiVersionLine,
      kind: m.kind,
      name: m.name,
      apiVersion: m.apiVersion,
      replacement: state.replacement,
      message: `${m.file}:${m.apiVersionLine}: ${m.kind} ${m.name}: ${what}${use}.`,
    });
  }
  return [...found.values()];
}

/** The upstream tool that rewrites them: `flux migrate -f <path> --version <minor>` (Flux CLI 2.7.1 or later). */
export function migrateCommand(paths: readonly string[], target: FluxTarget): string {
  const dirs = [...new Set(paths.map((p) => (p === "" ? "." : p)))];
  return dirs.map((p) => `flux migrate -f ${p} --version ${minorOf(target.flux)}`).join(" && ");
}
