// The one way to write to ARM: send the write, await its operation (writeAndAwait), and explain a refusal. A busy
// 409 is passed on as it is (the caller reads the resource, waits for it to settle and decides again:
// writeWhenSettled), a DELETE that finds nothing is done, ARM's common refusals name their fix (explainArmError), and
// anything else becomes the resource's own failure (`failed`).
import type { Arm } from "./arm.ts";
import { explainArmError } from "./arm.ts";
import { writeAndAwait, type ArmWrite, type OperationOptions, type Written } from "./operation.ts";
import { ActionError, statusOf } from "../errors.ts";

export interface ArmWriteSpec extends OperationOptions {
  readonly request: ArmWrite;
  /** What the write does, for messages: "create the flux configuration". */
  readonly action: string;
  /** The error for a write Azure refused or whose operation failed (`explained`: as explainArmError named it). */
  readonly failed: (error: unknown, explained: unknown) => unknown;
}

export async function armWrite(arm: Arm, spec: ArmWriteSpec): Promise<Written> {
  try {
    return await writeAndAwait(arm, spec.request, spec);
  } catch (error) {
    if (error instanceof ActionError) throw error;
    // A retried DELETE whose first answer was lost, or a resource already gone: done.
    if (spec.request.method === "DELETE" && statusOf(error) === 404) return { status: 404, answer: undefined, operation: false };
    const explained = explainArmError(error, arm, spec.action);
    if (explained instanceof ActionError) throw explained;
    if (statusOf(error) === 409) throw error;
    throw await spec.failed(error, explained);
  }
}
