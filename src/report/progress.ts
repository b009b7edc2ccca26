// Progress lines during long waits: one on every change of state and a heartbeat at a steady cadence,
// so a five-minute extension install never looks hung, and a fast path prints almost nothing.
import * as core from "@actions/core";
import { formatElapsed, type ProgressLine, type Show } from "../poll.ts";

/** The run's progress lines, at its heartbeat cadence: what every wait is shown with (poll.ts, watched). */
export function progressLines(intervalMs: number, log: (line: string) => void = core.info): Show {
  return (label, waitingFor) => startProgress(label, waitingFor, intervalMs, log);
}

/** update: prints the state when it differs from the last printed; finish: prints the end once and stops. */
function startProgress(label: string, waitingFor: string, intervalMs: number, log: (line: string) => void): ProgressLine {
  const started = performance.now();
  let state = "";
  let printed = "";
  const print = (): void => {
    log(`${label}: ${state} (${formatElapsed(performance.now() - started)}) — ${waitingFor}`);
    printed = state;
  };
  const timer = setInterval(() => {
    if (state) print();
  }, intervalMs);
  timer.unref();
  return {
    update: (next) => {
      state = next;
      if (next !== printed) print();
    },
    finish: (last) => {
      clearInterval(timer);
      log(`${label}: ${last} after ${formatElapsed(performance.now() - started)}`);
    },
    stop: () => clearInterval(timer),
  };
}
