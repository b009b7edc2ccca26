// What this run has asked GitHub to create, and whether Azure may hold it: what a cancelled run must remove (a key
// nothing uses yet) and what it must leave for the next run (a key a configuration write carried: Azure may hold it).
import type { DeployKey } from "../github/deploy-keys.ts";

export interface CreatedKey {
  readonly publicBlob: string;
  readonly title: string;
  /** GitHub's id, once its answer arrived (or a read-back found the key). */
  key: DeployKey | undefined;
  /** A configuration write carrying this key may have been sent (or the cluster made it): Azure may hold it. */
  sentToAzure: boolean;
  /** The gate's count of Azure writes when the write carrying this key was about to be sent. */
  armWritesBefore: number | undefined;
  /** Removed again by this run. */
  removed: boolean;
  /** The registration while it runs (its POST, and the read-back after a lost answer). */
  pending: Promise<unknown> | undefined;
}

export class Ledger {
  readonly keys: CreatedKey[] = [];
  /** This run is creating (or created) the flux configuration. */
  configuration = false;

  createdConfiguration(): void {
    this.configuration = true;
  }

  /** Records a key before its POST is sent, so that a lost answer or a cancel mid-request still knows of it. */
  register(publicBlob: string, title: string, sentToAzure: boolean): CreatedKey {
    const entry: CreatedKey = {
      publicBlob,
      title,
      key: undefined,
      sentToAzure,
      armWritesBefore: undefined,
      removed: false,
      pending: undefined,
    };
    this.keys.push(entry);
    return entry;
  }

  private find(id: number): CreatedKey | undefined {
    return this.keys.find((k) => k.key?.id === id);
  }

  /** A configuration write carrying this key is about to be sent (`armWrites`: the gate's count now). */
  sending(key: DeployKey | undefined, armWrites: number): void {
    const entry = key && this.find(key.id);
    if (!entry) return;
    entry.sentToAzure = true;
    entry.armWritesBefore ??= armWrites;
  }

  /** After the gate closed: a key marked as sent whose write the gate refused was never sent. */
  settleRefused(armWrites: number): void {
    for (const entry of this.keys) if (entry.armWritesBefore === armWrites) entry.sentToAzure = false;
  }

  removed(id: number): void {
    const entry = this.find(id);
    if (entry) entry.removed = true;
  }

  /** Registrations still under way (a cancel waits for them, briefly, so that their key is known). */
  pending(): Promise<unknown>[] {
    return this.keys.flatMap((k) => (k.pending ? [k.pending] : []));
  }

  /** Keys this run created that no configuration write carried and that are still there: nothing uses them. */
  unused(): CreatedKey[] {
    return this.keys.filter((k) => !k.sentToAzure && !k.removed);
  }

  /** Keys this run created that Azure may hold: left for the next run to prove or remove. */
  maybeHeld(): CreatedKey[] {
    return this.keys.filter((k) => k.sentToAzure && !k.removed);
  }
}
