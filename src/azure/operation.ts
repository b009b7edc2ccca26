// Writes to ARM and their long-running operations, driven by the action rather than the SDK's poller (which
// polls once inside begin…(), about 45 ms after the write, whatever Retry-After said). Every poll, the first
// included, comes no sooner than the last answer's Retry-After. A write may instead watch its resource while the
// operation runs (a flux configuration shows the agent's report there before its operation ends), and reads the
// operation once the resource has settled, for the operation's own verdict. A busy resource: settle.ts.
import type { Arm } from "./arm.ts";
import { armRequest } from "./arm.ts";
import { doneWith, nextPollDelay, notYet, pollUntil, retryAfterMs } from "../poll.ts";

/** Azure's terminal provisioning and operation states; anything else (Creating, Updating, Running, Accepted …) is "still running". */
const TERMINAL = new Set(["succeeded", "failed", "canceled", "cancelled"]);

export function isSettled(state: string | null | undefined): boolean {
  return !state || TERMINAL.has(state.toLowerCase());
}

export interface ArmWrite {
  readonly method: "PUT" | "PATCH" | "DELETE";
  /** Resource id (path below the ARM endpoint). */
  readonly path: string;
  readonly body?: unknown;
  readonly query?: string;
}

/** A resource as the REST API shapes it (`properties` nested). */
export interface RestResource {
  readonly id?: string;
  readonly properties?: Readonly<Record<string, unknown>>;
}

export interface Written {
  readonly status: number;
  /** The resource as the write answered, before its operation ran (undefined for a DELETE). */
  readonly answer: RestResource | undefined;
  /** False when Azure answered at once (a PATCH that changes nothing: 200 without an operation). */
  readonly operation: boolean;
}

export interface OperationOptions {
  readonly deadline: number;
  readonly timedOut: () => Error;
  /** Called with each status the operation reports while running. */
  readonly onStatus?: (status: string) => void;
  /** Called once Azure has accepted the write: from then on a failure or timeout does not mean "not applied". */
  readonly onAccepted?: () => void;
  /** Read the resource while the operation runs, instead of polling the operation (see ResourceWatch). */
  readonly watch?: ResourceWatch;
}

/**
 * Reads the written resource (given the write's answer): its provisioningState, and whether what it shows says the
 * operation's end is near (the cadence then shortens). ARM's RPC has the provisioningState turn terminal when the
 * provisioning completes, and its own template engine polls "at the resourceUri until the provisioningState enters a
 * terminal state" (Azure/azure-resource-manager-rpc, v1.0/async-api-reference.md, "ProvisioningState property"); the
 * operation is still read once at the end, for its own verdict, as Retry-After allows.
 */
export type ResourceWatch = (
  answer: RestResource | undefined,
) => Promise<{ readonly state: string | null | undefined; readonly near: boolean }>;

interface OperationStatus {
  readonly status?: string;
  readonly error?: { readonly code?: string; readonly message?: string } | null;
}

/** The operation's own failure, with ARM's code kept for callers. */
function operationFailed(status: string, error: OperationStatus["error"]): Error {
  const detail = error?.message ? `: ${error.message}` : "";
  return Object.assign(new Error(`the operation ended ${status}${detail}`), { code: error?.code, operationStatus: status });
}

/** Sends the write and, when Azure started an operation, polls it until Succeeded (or throws its failure). */
export async function writeAndAwait(arm: Arm, write: ArmWrite, options: OperationOptions): Promise<Written> {
  const response = await armRequest<RestResource>(arm, write.method, write.path, { body: write.body, query: write.query });
  const asyncUrl = response.headers.get("azure-asyncoperation");
  const location = response.headers.get("location");
  const answer = write.method === "DELETE" ? undefined : response.body;
  const answeredAt = performance.now();
  options.onAccepted?.();
  if (!asyncUrl && !(location && response.status === 202)) return { status: response.status, answer, operation: false };
  const askedFirst = retryAfterMs(response.headers.get("retry-after"));
  const watch = options.watch;
  if (watch) {
    await pollUntil(
      async () => {
        const read = await watch(answer);
        if (isSettled(read.state)) return doneWith(undefined);
        options.onStatus?.(String(read.state));
        return notYet(undefined, read.near);
      },
      { deadline: options.deadline, timedOut: options.timedOut, firstDelayMs: nextPollDelay(0, undefined), pace: arm.budget.pace },
    );
  }
  await pollUntil(
    async () => {
      const poll = await armRequest<OperationStatus>(arm, "GET", asyncUrl ?? location ?? "");
      const asked = retryAfterMs(poll.headers.get("retry-after"));
      // A Location answers 202 while the operation runs and 200/204 when it is done; Azure-AsyncOperation has a status.
      const status = asyncUrl ? (poll.body?.status ?? "Running") : poll.status === 202 ? "Running" : "Succeeded";
      if (!isSettled(status)) {
        options.onStatus?.(status);
        return notYet(asked);
      }
      if (status.toLowerCase() !== "succeeded") throw operationFailed(status, poll.body?.error);
      return doneWith(undefined);
    },
    {
      deadline: options.deadline,
      timedOut: options.timedOut,
      pace: arm.budget.pace,
      // After a watch, the operation is read as soon as the write's Retry-After allows (usually at once).
      firstDelayMs: watch ? Math.max(0, (askedFirst ?? 0) - (performance.now() - answeredAt)) : (askedFirst ?? nextPollDelay(0, undefined)),
    },
  );
  return { status: response.status, answer, operation: true };
}
