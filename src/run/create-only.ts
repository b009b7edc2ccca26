// Fields Azure sets only when a flux configuration is created (scope, namespace): a difference can only be fixed by
// destroying and applying again, so apply and plan stop before any write.
import type { FluxConfiguration } from "@azure/arm-kubernetesconfiguration";
import type { Run } from "./run.ts";
import { diffConfiguration } from "../azure/flux-configuration-body.ts";
import { ActionError } from "../errors.ts";

export function immutableCheck(run: Run, current: FluxConfiguration | undefined, body: FluxConfiguration): void {
  if (!current) return;
  const { immutable } = diffConfiguration(current, body);
  if (immutable.length > 0) {
    const fields = immutable.map((c) => `${c.field} ${String(c.from)} → ${String(c.to)}`).join(", ");
    throw new ActionError("invalid-input", {
      title: "Create-only field differs",
      message:
        `The flux configuration '${run.settings.flux.name}' exists with different create-only fields (${fields}). ` +
        "Azure cannot change these in place: run once with `mode: destroy`, then apply again, or use the existing values.",
    });
  }
}
