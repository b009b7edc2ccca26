// A busy resource is judged by its state: waited for until its provisioningState settles (another run's operation, a
// killed run's, the portal's), then the write is decided on what is there; on a 409 (another operation started
// meanwhile) the resource is read again, settled, and the write decided again.
import { isSettled } from "./operation.ts";
import { armCodeOf, messageOf, statusOf } from "../errors.ts";
import { doneWith, nextPollDelay, notYet, pollUntil, watched, type Show } from "../poll.ts";

/** ARM's 409 for a resource another operation holds (AnotherOperationInProgress, or a plain Conflict): not a missing registration. */
function isConflict(error: unknown): boolean {
  return statusOf(error) === 409 && armCodeOf(error) !== "MissingSubscriptionRegistration";
}

export interface SettleOptions<R> {
  readonly read: () => Promise<R | undefined>;
  readonly deadline: number;
  /** The error when the resource is still busy at the deadline. */
  readonly busyTooLong: (resource: R) => Error;
  readonly onWait: (state: string) => void;
  /** Stretches the cadence (the run's ARM read budget, Arm.budget.pace). */
  readonly pace?: () => number;
}

type Stateful = { readonly provisioningState?: string | null };

/** Waits while another operation (a parallel run, the portal) holds the resource; returns it settled. */
export async function settle<R extends Stateful>(current: R | undefined, options: SettleOptions<R>): Promise<R | undefined> {
  if (!current || isSettled(current.provisioningState)) return current;
  let last: R = current;
  options.onWait(String(current.provisioningState));
  return pollUntil(
    async () => {
      const read = await options.read();
      if (!read || isSettled(read.provisioningState)) return doneWith(read);
      last = read;
      options.onWait(String(read.provisioningState));
      return notYet();
    },
    {
      deadline: options.deadline,
      timedOut: () => options.busyTooLong(last),
      firstDelayMs: nextPollDelay(0, undefined),
      pace: options.pace,
    },
  );
}

/**
 * Decides and writes on a settled resource. When ARM refuses the write with 409 (another operation started
 * meanwhile; codes and texts vary), the resource is read again and settled, and `attempt` decides again on what is
 * there now: it may already be what was wanted. A 409 on a resource that is settled when read is retried once.
 */
export async function writeWhenSettled<R extends Stateful, T>(
  current: R | undefined,
  attempt: (current: R | undefined) => Promise<T>,
  options: SettleOptions<R>,
): Promise<T> {
  let seen = current;
  let settledConflicts = 0;
  for (;;) {
    seen = await settle(seen, options);
    try {
      return await attempt(seen);
    } catch (error) {
      if (!isConflict(error)) throw error;
      seen = await options.read();
      if (!seen || isSettled(seen.provisioningState)) {
        settledConflicts += 1;
        if (settledConflicts > 1) throw error;
      }
      options.onWait(`refused while busy (${messageOf(error)})`);
    }
  }
}

/**
 * writeWhenSettled under a progress line of its own for the wait (`line`: what holds the resource), stopped as soon
 * as the write is attempted (the write shows its own).
 */
export function writeWhenSettledShown<R extends Stateful, T>(
  show: Show,
  line: { readonly label: string; readonly waitingFor: string },
  current: R | undefined,
  attempt: (current: R | undefined) => Promise<T>,
  options: Omit<SettleOptions<R>, "onWait">,
): Promise<T> {
  return watched(show, line, (onWait, waiting) =>
    writeWhenSettled(
      current,
      (settled) => {
        waiting.stop();
        return attempt(settled);
      },
      { ...options, onWait },
    ),
  );
}
