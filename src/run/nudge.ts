// Undoing the spec nudge of a key switch (see azure/key-switch.ts) once the new key is proven: the user's
// value comes back, with a budget of its own (the proof may have used up wait-timeout). A failure only warns:
// the new key works, and the next apply sets the value again.
import * as core from "@actions/core";
import type { Run } from "./run.ts";
import type { KeySwitch } from "../azure/key-switch.ts";
import { patchConfiguration } from "../azure/flux-configuration.ts";
import { messageOf } from "../errors.ts";

const RESTORE_MS = 5 * 60_000;

export async function undoNudge(run: Run, change: KeySwitch | undefined): Promise<void> {
  if (!change?.restore) return;
  try {
    await patchConfiguration(run.arm, run.settings.flux.name, change.restore, undefined, {
      deadline: performance.now() + RESTORE_MS,
      show: run.show,
    });
    if (change.note) run.report.notes.push(change.note);
  } catch (error) {
    core.warning(
      `Could not restore gitRepository.timeoutInSeconds after the key switch: ${messageOf(error)}. The next apply sets it again.`,
    );
  }
}
