// The Flux version checks: what to do with Flux objects in the repository whose apiVersion the cluster's Flux
// refuses or deprecates (flux-api-check), and whether a pin below the installed extension version may downgrade it.
import type { Reader } from "./values.ts";
import type { CheckLevel, FluxVersionSettings } from "./settings.ts";

const CHECK_LEVELS: readonly CheckLevel[] = ["fail", "warn", "off"];

export function readFluxVersions(r: Reader): FluxVersionSettings {
  return { apiCheck: r.oneOf("flux-api-check", CHECK_LEVELS), allowDowngrade: r.bool("allow-extension-downgrade") };
}
