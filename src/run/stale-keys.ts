// Deploy keys of ours that no configuration holds, sorted by what may be done with them. A run can leave such a key
// when it is killed between registering it and Azure accepting the configuration write that carries it, or when a
// write's answer was lost. The next run tells a leftover from the fresh key of a run still going:
// - superseded: made before the key the configuration holds. Once that key is proven in use (Flux Compliant at the
//   expected commit with it), nothing needs the older one: a rotation's or a re-keying's leftover.
// - orphaned: made after the held key (or with no configuration at all) and never held. A leftover when it was made
//   by an earlier attempt of this same workflow run (attempts of one run never overlap), or when it is older than
//   wait-timeout: a run holds a key unheld only from registering it until its configuration write is accepted, which
//   happens before that run's wait ends. Younger ones from other runs may be a concurrent run's: they are kept and
//   named (runs of one cluster should share a concurrency group: README, "Concurrency").
import type { DeployKey } from "../github/deploy-keys.ts";
import { runOfTitle, sameKey, type RunMarker } from "../github/key-titles.ts";

export interface KeyStates {
  readonly held: DeployKey | undefined;
  readonly superseded: readonly DeployKey[];
  /** Orphaned keys that are certainly leftovers. */
  readonly leftovers: readonly DeployKey[];
  /** Orphaned keys that a run still going may be about to use. */
  readonly young: readonly DeployKey[];
}

export interface KeyContext {
  /** The configuration's public key (repositoryPublicKey); null: there is no configuration; undefined: it exists but
   *  does not say (yet) which key it holds, so no key may be called unused. */
  readonly heldKey: string | null | undefined;
  readonly marker: RunMarker | undefined;
  readonly waitTimeoutMs: number;
  readonly now: number;
}

function earlierAttempt(key: DeployKey, marker: RunMarker | undefined): boolean {
  const made = runOfTitle(key.title);
  return marker !== undefined && made !== undefined && made.id === marker.id && made.attempt < marker.attempt;
}

export function classifyKeys(owned: readonly DeployKey[], context: KeyContext): KeyStates {
  if (context.heldKey === undefined) return { held: undefined, superseded: [], leftovers: [], young: [] };
  const held = context.heldKey ? owned.find((k) => sameKey(k.key, context.heldKey ?? "")) : undefined;
  const others = owned.filter((k) => k !== held);
  const superseded = held ? others.filter((k) => k.createdAt <= held.createdAt) : [];
  const orphaned = others.filter((k) => !superseded.includes(k));
  const leftover = (k: DeployKey): boolean =>
    earlierAttempt(k, context.marker) || context.now - new Date(k.createdAt).getTime() > context.waitTimeoutMs;
  return { held, superseded, leftovers: orphaned.filter(leftover), young: orphaned.filter((k) => !leftover(k)) };
}
