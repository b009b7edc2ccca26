// Waiting out an operation already under way on the flux configuration (a killed run's, a parallel run's, the
// portal's) before deciding anything: what a run decides from must be what Azure will keep, not a state in motion.
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import type { Run } from "./run.ts";
import { getConfiguration } from "../azure/flux-configuration.ts";
import { settle, writeWhenSettledShown, type SettleOptions } from "../azure/settle.ts";
import { watched } from "../poll.ts";
import { ActionError } from "../errors.ts";

/** How to read and give up on the busy configuration (the caller shows the wait). */
function configurationSettling(run: Run): Omit<SettleOptions<FluxConfiguration>, "onWait"> {
  const { settings } = run;
  return {
    read: () => getConfiguration(run.arm, settings.flux.name),
    deadline: run.deadline,
    busyTooLong: (busy) =>
      new ActionError("wait-timeout", {
        title: "Flux configuration busy",
        message: `Another operation kept the flux configuration '${settings.flux.name}' ${busy.provisioningState ?? "busy"} until wait-timeout. Re-run once it has finished.`,
      }),
    pace: run.arm.budget.pace,
  };
}

/** The progress line of a wait for an operation under way on the configuration. */
const BUSY_LINE = { label: "flux configuration", waitingFor: "waiting for an operation already under way to finish" };

/** The configuration once no operation holds it (as read when it already was settled). */
export function settledConfiguration(run: Run, current: FluxConfiguration | undefined): Promise<FluxConfiguration | undefined> {
  return watched(run.show, BUSY_LINE, (onWait) => settle(current, { ...configurationSettling(run), onWait }));
}

/**
 * Decides and writes once no operation holds the configuration: `attempt` gets the settled configuration, and is
 * asked again on what is there after a 409 (another operation started meanwhile; see writeWhenSettled).
 */
export function whenSettled<T>(
  run: Run,
  current: FluxConfiguration | undefined,
  attempt: (current: FluxConfiguration | undefined) => Promise<T>,
): Promise<T> {
  return writeWhenSettledShown(run.show, BUSY_LINE, current, attempt, configurationSettling(run));
}
