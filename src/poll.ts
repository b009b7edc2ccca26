// One way to wait: a step runs until it says done, at one cadence (about a tenth of the time waited so far,
// 250 ms to 10 s), never sooner than the Retry-After the last answer asked for, against a deadline on the
// monotonic clock (performance.now()), so a wall-clock jump never ends or stretches a wait.

const MIN_POLL_MS = 250;
const MAX_POLL_MS = 10_000;

/** How long to wait before the next poll: about a tenth of the time waited so far, never sooner than the server asks. */
export function nextPollDelay(elapsedMs: number, serverAsksMs: number | undefined): number {
  const cadence = Math.min(Math.max(MIN_POLL_MS, elapsedMs / 10), MAX_POLL_MS);
  return Math.max(cadence, serverAsksMs ?? 0);
}

/** Parses Retry-After: seconds or an HTTP date. */
export function retryAfterMs(value: string | null | undefined, now: number = Date.now()): number | undefined {
  if (!value) return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** What one poll found: done with a value, or not yet (with the server's Retry-After, if it sent one). */
export type PollStep<T> = { readonly done: true; readonly value: T } | { readonly done: false; readonly retryAfterMs?: number | undefined };

export interface PollOptions {
  /** performance.now() after which the wait gives up. */
  readonly deadline: number;
  /** The error to throw when the deadline passes before the step is done. */
  readonly timedOut: () => Error;
  /** Wait this long before the first step (the Retry-After of the write that started an operation). */
  readonly firstDelayMs?: number | undefined;
}

export const notYet = (retryAfter?: number): PollStep<never> => ({ done: false, retryAfterMs: retryAfter });
export const doneWith = <T>(value: T): PollStep<T> => ({ done: true, value });

/** Runs `step` until it is done; between steps waits by the one cadence rule, ending at the deadline. */
export async function pollUntil<T>(step: () => Promise<PollStep<T>>, options: PollOptions): Promise<T> {
  const started = performance.now();
  let asked = options.firstDelayMs;
  if (asked !== undefined) await pause(asked, asked, options);
  for (;;) {
    const result = await step();
    if (result.done) return result.value;
    asked = result.retryAfterMs;
    if (performance.now() >= options.deadline) throw options.timedOut();
    await pause(nextPollDelay(performance.now() - started, asked), asked, options);
  }
}

/**
 * Sleeps `ms`, but not past the deadline: the cadence shortens to take one last look at the deadline, while a
 * server that asked for more time than is left is not polled early: the wait ends at the deadline instead.
 */
async function pause(ms: number, asked: number | undefined, options: PollOptions): Promise<void> {
  const left = options.deadline - performance.now();
  if (ms <= left) return sleep(ms);
  await sleep(Math.max(0, left));
  if ((asked ?? 0) > left) throw options.timedOut();
}
