// Which apiVersions of Flux's own kinds each Flux minor serves, deprecates or no longer serves (pure). From the CRDs
// each Flux release installs: fluxcd/flux2 at tags v0.33.0 … v2.8.8, manifests/bases/<controller>/kustomization.yaml
// names each controller's release, whose config/crd/bases/*.yaml list `versions[]` with `served` and `deprecated`
// (fluxcd/source-controller, kustomize-controller, helm-controller, notification-controller,
// image-reflector-controller, image-automation-controller). Upstream's account of the removals: Flux 2.7 removed the
// v1beta1 / v2beta1 APIs (fluxcd/flux2#5474, discussion #5572), Flux 2.8 the source/kustomize v1beta2 and helm v2beta2
// ones (fluxcd/flux2#5711); `flux migrate` rewrites manifests (fluxcd/flux2 cmd/flux/migrate.go, Flux CLI 2.7.1+).

/** Flux minors the table covers; outside them, what Flux serves is unknown. */
export const KNOWN_FLUX = { from: "0.33", to: "2.8" } as const;

interface ApiLife {
  readonly apiVersion: string;
  /** Kind → the Flux minor that deprecated it in this apiVersion (undefined: never, within the table). */
  readonly kinds: Readonly<Record<string, string | undefined>>;
  /** First Flux minor that served it (undefined: before the table). */
  readonly since?: string;
  /** First Flux minor that no longer serves it. */
  readonly removed?: string;
  /** Kinds that came later than `since`: kind → first minor. */
  readonly kindSince?: Readonly<Record<string, string>>;
}

const SOURCE = "source.toolkit.fluxcd.io";
const IMAGE = "image.toolkit.fluxcd.io";
const NOTIFICATION = "notification.toolkit.fluxcd.io";

/** Oldest first within each group: the last served, undeprecated entry of a kind is its replacement. */
const LIVES: readonly ApiLife[] = [
  {
    apiVersion: `${SOURCE}/v1beta1`,
    removed: "2.7",
    kinds: { GitRepository: "2.0", Bucket: "2.3", HelmChart: "2.3", HelmRepository: "2.3" },
  },
  {
    apiVersion: `${SOURCE}/v1beta2`,
    removed: "2.8",
    kinds: { GitRepository: "2.0", Bucket: "2.4", HelmChart: "2.3", HelmRepository: "2.3", OCIRepository: "2.6" },
  },
  {
    apiVersion: `${SOURCE}/v1`,
    since: "2.0",
    kinds: { GitRepository: undefined, HelmChart: undefined, HelmRepository: undefined, Bucket: undefined, OCIRepository: undefined },
    kindSince: { HelmChart: "2.3", HelmRepository: "2.3", Bucket: "2.4", OCIRepository: "2.6", ExternalArtifact: "2.7" },
  },
  { apiVersion: "kustomize.toolkit.fluxcd.io/v1beta1", removed: "2.7", kinds: { Kustomization: "2.0" } },
  { apiVersion: "kustomize.toolkit.fluxcd.io/v1beta2", removed: "2.8", kinds: { Kustomization: "2.0" } },
  { apiVersion: "kustomize.toolkit.fluxcd.io/v1", since: "2.0", kinds: { Kustomization: undefined } },
  { apiVersion: "helm.toolkit.fluxcd.io/v2beta1", removed: "2.7", kinds: { HelmRelease: "2.2" } },
  { apiVersion: "helm.toolkit.fluxcd.io/v2beta2", since: "2.2", removed: "2.8", kinds: { HelmRelease: "2.3" } },
  { apiVersion: "helm.toolkit.fluxcd.io/v2", since: "2.3", kinds: { HelmRelease: undefined } },
  { apiVersion: `${NOTIFICATION}/v1beta1`, removed: "2.7", kinds: { Alert: "2.2", Provider: "2.2", Receiver: "2.0" } },
  { apiVersion: `${NOTIFICATION}/v1beta2`, since: "0.38", kinds: { Alert: "2.2", Provider: "2.2", Receiver: "2.0" } },
  { apiVersion: `${NOTIFICATION}/v1beta3`, since: "2.2", kinds: { Alert: undefined, Provider: undefined } },
  { apiVersion: `${NOTIFICATION}/v1`, since: "2.0", kinds: { Receiver: undefined } },
  {
    apiVersion: `${IMAGE}/v1alpha1`,
    removed: "0.37",
    kinds: { ImagePolicy: undefined, ImageRepository: undefined, ImageUpdateAutomation: undefined },
  },
  {
    apiVersion: `${IMAGE}/v1alpha2`,
    removed: "0.37",
    kinds: { ImagePolicy: undefined, ImageRepository: undefined, ImageUpdateAutomation: undefined },
  },
  {
    apiVersion: `${IMAGE}/v1beta1`,
    removed: "2.7",
    kinds: { ImagePolicy: undefined, ImageRepository: undefined, ImageUpdateAutomation: "2.3" },
  },
  {
    apiVersion: `${IMAGE}/v1beta2`,
    since: "0.40",
    kinds: { ImagePolicy: "2.7", ImageRepository: "2.7", ImageUpdateAutomation: "2.7" },
    kindSince: { ImageUpdateAutomation: "2.3" },
  },
  {
    apiVersion: `${IMAGE}/v1`,
    since: "2.7",
    kinds: { ImagePolicy: undefined, ImageRepository: undefined, ImageUpdateAutomation: undefined },
  },
];

/** The Flux a cluster runs or will run: its release, and apiVersions the distribution removes beyond upstream's CRDs. */
export interface FluxTarget {
  readonly flux: string;
  readonly removed: readonly string[];
}

export type ApiState =
  | { readonly state: "served" }
  | { readonly state: "deprecated"; readonly replacement: string | undefined; readonly since: string }
  | { readonly state: "refused"; readonly replacement: string | undefined }
  | { readonly state: "unknown" };

function parts(version: string): number[] {
  const core = version.replace(/^v/, "").split(/[-+]/)[0] ?? "";
  return core.split(".").map((p) => Number(p) || 0);
}

/** Semver order of x.y.z (or x.y) versions, pre-release and build suffixes ignored. */
export function compareVersions(a: string, b: string): number {
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < 3; i += 1) {
    const d = (x[i] ?? 0) - (y[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** "2.7.5" → "2.7". */
export const minorOf = (version: string): string => parts(version).slice(0, 2).join(".");

const atLeast = (flux: string, minor: string | undefined): boolean => minor === undefined || compareVersions(minorOf(flux), minor) >= 0;

function servedBy(life: ApiLife, kind: string, target: FluxTarget): boolean {
  if (target.removed.includes(life.apiVersion) || !(kind in life.kinds || kind in (life.kindSince ?? {}))) return false;
  const since = life.kindSince?.[kind] ?? life.since;
  return atLeast(target.flux, since) && (life.removed === undefined || !atLeast(target.flux, life.removed));
}

/** The apiVersion a kind should use on `target`: the newest served there that is not deprecated. */
export function replacementFor(kind: string, target: FluxTarget): string | undefined {
  const candidates = LIVES.filter((l) => servedBy(l, kind, target) && !atLeast(target.flux, l.kinds[kind] ?? "99"));
  return candidates.at(-1)?.apiVersion;
}

export const isFluxApi = (apiVersion: string): boolean => /^[a-z]+\.toolkit\.fluxcd\.io\//.test(apiVersion);

/** What `target` does with `kind` in `apiVersion` (refused: not served, removed or not there yet); unknown outside the table (a Flux, a group or a version it does not know). */
export function apiState(apiVersion: string, kind: string, target: FluxTarget): ApiState {
  const minor = minorOf(target.flux);
  if (compareVersions(minor, KNOWN_FLUX.from) < 0 || compareVersions(minor, KNOWN_FLUX.to) > 0) return { state: "unknown" };
  const life = LIVES.find((l) => l.apiVersion === apiVersion);
  if (!life || !(kind in life.kinds || kind in (life.kindSince ?? {}))) {
    // A version the table lists for other kinds only, or one it does not know: refused only when the distribution says so.
    return target.removed.includes(apiVersion) ? { state: "refused", replacement: replacementFor(kind, target) } : { state: "unknown" };
  }
  if (!servedBy(life, kind, target)) return { state: "refused", replacement: replacementFor(kind, target) };
  const deprecated = life.kinds[kind];
  if (deprecated !== undefined && atLeast(target.flux, deprecated))
    return { state: "deprecated", replacement: replacementFor(kind, target), since: deprecated };
  return { state: "served" };
}
