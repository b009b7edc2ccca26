// The end of a successful long-running operation: the operation's status and its resource's provisioningState.
import { later } from "./arm-state.ts";
import type { ArmState, Operation, StoredResource } from "./arm-state.ts";

/**
 * Ends an operation Succeeded, and its resource's provisioningState with it or, for a flux configuration (whose
 * resource the action watches), `stateLagMs` later (earlier when below 0). ARM's RPC has the provisioningState turn
 * terminal "after the provisioning completes" (Azure/azure-resource-manager-rpc, v1.0/async-api-reference.md), but not
 * at which instant against the operation's status; the recordings never read both at one instant, so whether
 * Microsoft.KubernetesConfiguration updates them together is not known: a switch (AgentBehaviour.stateLagMs).
 */
export function succeed(state: ArmState, resource: StoredResource, operation: Operation): void {
  const end = (): void => {
    if (operation.status === "Running") Object.assign(operation, { status: "Succeeded", endTime: new Date().toISOString() });
  };
  const settle = (): void => {
    if (resource.operationId === operation.name) resource.properties = { ...resource.properties, provisioningState: "Succeeded" };
  };
  const lag = resource.kind === "fluxConfiguration" ? state.agent.stateLagMs : 0;
  const [first, second] = lag < 0 ? [settle, end] : [end, settle];
  first();
  if (lag === 0) second();
  else later(state, Math.abs(lag), second);
}
