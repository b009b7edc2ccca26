// Switching a configuration to a new private key so that Flux fetches with it now. Flux's source-controller
// does not watch Secrets: it reconciles a GitRepository on a change of its spec, a reconcile request or its
// interval (fluxcd/source-controller internal/controller/gitrepository_controller.go,
// SetupWithManager: GenerationChangedPredicate, ReconcileRequestedPredicate), and Azure offers no "reconcile now". A PATCH of only the key may therefore not be
// used before the next sync interval (default 10 minutes). So, unless the PATCH already changes the
// GitRepository spec, it also moves gitRepository.timeoutInSeconds by one second (a spec change: Flux fetches at
// once), and a second PATCH puts the value back once the new key is proven. Cost: one more Azure operation.
import type { FluxConfiguration, FluxConfigurationPatch } from "@azure/arm-kubernetesconfiguration";

/** Azure's default fetch timeout of a GitRepository (seconds). */
export const DEFAULT_TIMEOUT_SECONDS = 600;
/** The GitRepository spec fields a PATCH can change; a change of any of them makes Flux fetch at once. */
const SPEC_FIELDS = ["url", "repositoryRef", "syncIntervalInSeconds", "timeoutInSeconds"] as const;

export interface KeySwitch {
  /** What to PATCH together with the new key. */
  readonly patch: FluxConfigurationPatch;
  /** What puts the nudged field back afterwards (undefined: nothing was nudged). */
  readonly restore: FluxConfigurationPatch | undefined;
  /** The user-visible line about the nudge. */
  readonly note: string | undefined;
}

/** The PATCH for a key change on top of `patch` (what else differs), nudging the spec when nothing else changes it. */
export function keySwitch(current: FluxConfiguration, desired: FluxConfiguration, patch: FluxConfigurationPatch | undefined): KeySwitch {
  const git = patch?.gitRepository ?? {};
  if (SPEC_FIELDS.some((field) => git[field] !== undefined)) return { patch: patch ?? {}, restore: undefined, note: undefined };
  const timeout = desired.gitRepository?.timeoutInSeconds ?? current.gitRepository?.timeoutInSeconds ?? DEFAULT_TIMEOUT_SECONDS;
  const down = timeout > 1 ? timeout - 1 : timeout + 1;
  // A killed rotation may have left the value nudged already: then the nudge goes the other way, or it changes nothing.
  const nudged = current.gitRepository?.timeoutInSeconds === down ? timeout + 1 : down;
  return {
    patch: { ...patch, gitRepository: { ...git, timeoutInSeconds: nudged } },
    restore: { gitRepository: { timeoutInSeconds: timeout } },
    note:
      `gitRepository.timeoutInSeconds went ${timeout} → ${nudged} → ${timeout} so that Flux fetched with the new key at once ` +
      "(it does not watch Secrets; otherwise the new key is used only at the next sync interval).",
  };
}
