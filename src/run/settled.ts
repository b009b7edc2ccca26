// Waiting out an operation already under way on the flux configuration (a killed run's, a parallel run's, the
// portal's) before deciding anything: what a run decides from must be what Azure will keep, not a state in motion.
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import type { Run } from "./run.ts";
import { getConfiguration } from "../azure/flux-configuration.ts";
import { settle, type SettleOptions } from "../azure/operation.ts";
import { startProgress, type Progress } from "../report/progress.ts";
import { ActionError } from "../errors.ts";

/** How to read, wait for and give up on the busy configuration; `stop()` ends the progress line it may have started. */
export function configurationSettling(run: Run): SettleOptions<FluxConfiguration> & { readonly stop: () => void } {
  const { settings } = run;
  let waiting: Progress | undefined;
  return {
    read: () => getConfiguration(run.arm, settings.flux.name),
    deadline: run.deadline,
    busyTooLong: (busy) =>
      new ActionError("wait-timeout", {
        title: "Flux configuration busy",
        message: `Another operation kept the flux configuration '${settings.flux.name}' ${busy.provisioningState ?? "busy"} until wait-timeout. Re-run once it has finished.`,
      }),
    onWait: (state) =>
      (waiting ??= startProgress("flux configuration", "waiting for an operation already under way to finish", run.intervalMs)).update(
        state,
      ),
    stop: () => {
      waiting?.stop();
      waiting = undefined;
    },
  };
}

/** The configuration once no operation holds it (as read when it already was settled). */
export async function settledConfiguration(run: Run, current: FluxConfiguration | undefined): Promise<FluxConfiguration | undefined> {
  const options = configurationSettling(run);
  try {
    return await settle(current, options);
  } finally {
    options.stop();
  }
}
