// The range each duration input accepts (parsed by durations.ts).
import type { DurationRule } from "./durations.ts";

export const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
export const SYNC_INTERVAL: DurationRule = { minMs: 30 * SECOND, maxMs: DAY, wholeSeconds: true };
export const FETCH_TIMEOUT: DurationRule = { minMs: 10 * SECOND, maxMs: DAY, wholeSeconds: true };
export const KUSTOMIZATION_DURATION: DurationRule = { minMs: 10 * SECOND, maxMs: DAY, wholeSeconds: true };
export const WAIT_TIMEOUT: DurationRule = { minMs: 30 * SECOND, maxMs: 6 * HOUR };
export const MAX_KEY_AGE: DurationRule = { minMs: DAY, maxMs: 365 * DAY, days: true };
