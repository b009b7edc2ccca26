// One way to wait: a step runs until it says done, at one cadence (half the time waited so far, from 250 ms up to
// 1 s, or up to 500 ms once Azure has said the end is near), or, where the last answer sent a Retry-After, exactly
// that (the server's own rate, never sooner), against a deadline on the monotonic clock (performance.now()), so a
// wall-clock jump never ends or stretches a wait. A wait may also be paced: stretched while the server says its
// read budget runs low (src/azure/read-budget.ts), never shortened.
//
// The bounds are a read budget: a minute-long wait costs about one ARM read a second and sees the end within a
// second (half a second on average, a quarter once it is near); a fleet of runs sharing one identity slows itself
// down through the pacing before ARM refuses reads (docs/performance.md, "Reads and ARM's limits").

const MIN_POLL_MS = 250;
const STEADY_POLL_MS = 1_000;
const NEAR_POLL_MS = 500;

/**
 * How long to wait before the next poll: what the server asked for (Retry-After; at least 250 ms), else half the time
 * waited so far, from 250 ms to 1 s (500 ms when `near`: Azure has said the end is close).
 */
export function nextPollDelay(elapsedMs: number, serverAsksMs: number | undefined, near = false): number {
  if (serverAsksMs !== undefined) return Math.max(MIN_POLL_MS, serverAsksMs);
  return Math.min(Math.max(MIN_POLL_MS, elapsedMs / 2), near ? NEAR_POLL_MS : STEADY_POLL_MS);
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

/**
 * What one poll found: done with a value, or not yet (with the server's Retry-After, if it sent one, and whether what
 * it read says the end is near: e.g. the Flux agent has reported on a configuration whose operation still runs).
 */
export type PollStep<T> =
  | { readonly done: true; readonly value: T }
  | { readonly done: false; readonly retryAfterMs?: number | undefined; readonly near?: boolean };

export interface PollOptions {
  /** performance.now() after which the wait gives up. */
  readonly deadline: number;
  /** The error to throw when the deadline passes before the step is done. */
  readonly timedOut: () => Error;
  /** Wait this long before the first step (the Retry-After of the write that started an operation). */
  readonly firstDelayMs?: number | undefined;
  /**
   * How much to stretch each pause (1: not at all), asked before each one: e.g. while ARM says few reads are left in
   * the identity's budget. Values below 1 are taken as 1: pacing never polls sooner than the cadence or a Retry-After.
   */
  readonly pace?: (() => number) | undefined;
}

export const notYet = (retryAfter?: number, near = false): PollStep<never> => ({ done: false, retryAfterMs: retryAfter, near });
export const doneWith = <T>(value: T): PollStep<T> => ({ done: true, value });

/** Runs `step` until it is done; between steps waits by the one cadence rule, ending at the deadline. */
export async function pollUntil<T>(step: () => Promise<PollStep<T>>, options: PollOptions): Promise<T> {
  const started = performance.now();
  const paced = (ms: number): number => ms * Math.max(1, options.pace?.() ?? 1);
  let asked = options.firstDelayMs;
  if (asked !== undefined) await pause(paced(asked), asked, options);
  for (;;) {
    const result = await step();
    if (result.done) return result.value;
    asked = result.retryAfterMs;
    if (performance.now() >= options.deadline) throw options.timedOut();
    await pause(paced(nextPollDelay(performance.now() - started, asked, result.near)), asked, options);
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

/** A wait's progress line: its states as they change (and a heartbeat), its end once. report/progress.ts draws it. */
export interface ProgressLine {
  update(state: string): void;
  finish(state: string): void;
  stop(): void;
}

/** Opens a progress line "label: state (elapsed) — waitingFor"; the run makes it (Run.show) and hands it down. */
export type Show = (label: string, waitingFor: string) => ProgressLine;

/**
 * Runs `work` under a progress line of its own: every state it reports is shown, the end `ended` names is said once
 * ("flux extension: Succeeded after 1m05s"), and the line is stopped however the work ends.
 */
export async function watched<T>(
  show: Show,
  line: { readonly label: string; readonly waitingFor: string; readonly first?: string },
  work: (update: (state: string) => void, progress: ProgressLine) => Promise<T>,
  ended?: (result: T) => string | undefined,
): Promise<T> {
  const progress = show(line.label, line.waitingFor);
  try {
    if (line.first) progress.update(line.first);
    const result = await work((state) => progress.update(state), progress);
    const last = ended?.(result);
    if (last !== undefined) progress.finish(last);
    return result;
  } finally {
    progress.stop();
  }
}

/** "45s", "1m05s". */
export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${String(seconds % 60).padStart(2, "0")}s` : `${seconds}s`;
}
