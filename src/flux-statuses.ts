// A flux configuration's object statuses without Azure's nulls: what the wait judges and the report shows.
import type { FluxConfiguration, ObjectStatusDefinition } from "@azure/arm-kubernetesconfiguration";

/** Non-null Flux object statuses of a configuration. */
export function statusesOf(configuration: FluxConfiguration | undefined): ObjectStatusDefinition[] {
  return (configuration?.statuses ?? []).filter((s): s is ObjectStatusDefinition => s !== null);
}
