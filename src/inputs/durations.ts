// Flux-style durations ("30s", "5m", "1h30m", "1.5h"; "d" only where a caller allows days),
// parsed to milliseconds and checked against a range, with messages that name the input and the fix.

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

export interface DurationRule {
  readonly minMs: number;
  readonly maxMs: number;
  /** Accept the `d` unit (days). Flux itself does not, so only our own inputs allow it. */
  readonly days?: boolean;
  /** The value ends up as whole seconds in the Azure API. */
  readonly wholeSeconds?: boolean;
}

export type DurationResult = { readonly ok: true; readonly ms: number } | { readonly ok: false; readonly problem: string };

const PART = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/g;

/** Parses `text` to milliseconds; `problem` explains what is wrong and shows a valid example. */
export function parseDuration(text: string, rule: DurationRule): DurationResult {
  const example = rule.days === true ? "e.g. 30d or 12h" : "e.g. 30s, 5m or 1h30m";
  const units = rule.days === true ? "ms, s, m, h, d" : "ms, s, m, h";
  if (/^\d+(\.\d+)?$/.test(text)) {
    return { ok: false, problem: `'${text}' has no unit. Add one (${units}), ${example}.` };
  }
  const whole = new RegExp(`^(?:${PART.source})+$`);
  if (!whole.test(text)) {
    return { ok: false, problem: `'${text}' is not a duration. Use numbers with units (${units}), ${example}.` };
  }
  let ms = 0;
  for (const match of text.matchAll(PART)) {
    const unit = match[2] as Unit;
    if (unit === "d" && rule.days !== true) {
      return { ok: false, problem: `'${text}' uses days, which Flux does not accept. Use hours instead, e.g. 24h.` };
    }
    ms += Number(match[1]) * UNIT_MS[unit];
  }
  ms = Math.round(ms);
  if (rule.wholeSeconds === true && ms % 1_000 !== 0) {
    return { ok: false, problem: `'${text}' is not a whole number of seconds. Round it, e.g. ${Math.round(ms / 1_000)}s.` };
  }
  if (ms < rule.minMs || ms > rule.maxMs) {
    return {
      ok: false,
      problem: `'${text}' is out of range. Use a value from ${formatDuration(rule.minMs, rule.days === true)} to ${formatDuration(rule.maxMs, rule.days === true)}.`,
    };
  }
  return { ok: true, ms };
}

/** The shortest Flux-style spelling of `ms`, e.g. 90_000 -> "1m30s", 86_400_000 -> "24h" (or "1d" with days). */
export function formatDuration(ms: number, days = false): string {
  const units: readonly Unit[] = days ? ["d", "h", "m", "s", "ms"] : ["h", "m", "s", "ms"];
  let rest = ms;
  let text = "";
  for (const unit of units) {
    const size = UNIT_MS[unit];
    const count = Math.floor(rest / size);
    if (count > 0) {
      text += `${count}${unit}`;
      rest -= count * size;
    }
  }
  return text === "" ? "0s" : text;
}
