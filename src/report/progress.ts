// Progress lines during long waits: one on every change of state and a heartbeat at a steady cadence,
// so a five-minute extension install never looks hung, and a fast path prints almost nothing.
import * as core from "@actions/core";

export interface Progress {
  /** Reports the current state; prints when it differs from the last one printed. */
  readonly update: (state: string) => void;
  /** Prints the final state once ("flux extension: Succeeded after 1m05s") and stops. */
  readonly finish: (state: string) => void;
  readonly stop: () => void;
}

export function formatElapsed(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  const minutes = Math.floor(seconds / 60);
  return minutes > 0 ? `${minutes}m${String(seconds % 60).padStart(2, "0")}s` : `${seconds}s`;
}

export function startProgress(label: string, waitingFor: string, intervalMs: number, log: (line: string) => void = core.info): Progress {
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
