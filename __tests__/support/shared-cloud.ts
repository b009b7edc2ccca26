// One local cloud for a test file: started before its tests, closed after them, and a fresh cluster and config
// repository for each scenario. `cloud` is a live binding: read it inside tests (node --test runs each file in a
// process of its own, so files never share it).
import { before, after } from "node:test";
import { startLocalCloud, seedScenario, type LocalCloud, type Scenario } from "../../emulator/index.ts";

export let cloud: LocalCloud;
let prefix = "";
let counter = 0;

/** Starts the file's local cloud; scenarios are named `aks-<name><n>` and `cfg-<name><n>`. */
export function useLocalCloud(name: string): void {
  prefix = name;
  before(async () => {
    cloud = await startLocalCloud();
  });
  after(() => cloud.close());
}

/** A fresh cluster and repository on the file's cloud (seedScenario's options override the names). */
export function freshScenario(options: Parameters<typeof seedScenario>[1] = {}): Promise<Scenario> {
  counter += 1;
  return seedScenario(cloud, { clusterName: `aks-${prefix}${counter}`, repo: `cfg-${prefix}${counter}`, ...options });
}
