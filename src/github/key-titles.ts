// Deploy key titles: stable per cluster and configuration (so a re-run finds its own keys and two clusters
// never collide), with the creation time and fingerprint so old and new keys are told apart during rotation.
import type { Cluster } from "../inputs/settings.ts";

const TOOL = "aks-flux-bootstrap";

/** Everything that identifies the owner of a key; keys of other clusters or tools never match it. */
export function titlePrefix(cluster: Cluster, configurationName: string): string {
  const id = [cluster.type, cluster.subscriptionId, cluster.resourceGroup, cluster.name, configurationName]
    .map((part) => part.toLowerCase())
    .join("/");
  return `${TOOL} ${id}`;
}

/** Marks a key whose pair the cluster's Flux agent made (key-source: cluster): rotate treats it differently. */
const CLUSTER_MADE = "cluster-made";

/** The workflow run that made a key: GITHUB_RUN_ID and GITHUB_RUN_ATTEMPT (the attempts of one run never overlap). */
export interface RunMarker {
  readonly id: string;
  readonly attempt: number;
}

export interface KeyTitleOptions {
  readonly clusterMade?: boolean;
  readonly run?: RunMarker | undefined;
}

export function deployKeyTitle(
  cluster: Cluster,
  configurationName: string,
  fingerprint: string,
  created: Date,
  options: KeyTitleOptions = {},
): string {
  const stamp = created.toISOString().replace(/\.\d{3}Z$/, "Z");
  const made = options.run ? ` run ${options.run.id}-${options.run.attempt}` : "";
  const title = `${titlePrefix(cluster, configurationName)} ${stamp} ${fingerprint.replace(/^SHA256:/, "").slice(0, 12)}${made}`;
  return options.clusterMade ? `${title} ${CLUSTER_MADE}` : title;
}

/** The run a title names (keys made before run markers, or outside Actions, name none). */
export function runOfTitle(title: string): RunMarker | undefined {
  const match = / run (\d+)-(\d+)(?: |$)/.exec(title);
  return match?.[1] && match[2] ? { id: match[1], attempt: Number(match[2]) } : undefined;
}

/** True for a key registered from the cluster's own key pair. */
export function clusterMadeTitle(title: string): boolean {
  return title.endsWith(` ${CLUSTER_MADE}`);
}

/** True when this action made the key for this cluster and configuration. */
export function ownsTitle(title: string, cluster: Cluster, configurationName: string): boolean {
  return title.startsWith(`${titlePrefix(cluster, configurationName)} `);
}

/** Compares public keys by type and base64 body only (GitHub drops the comment). */
export function sameKey(a: string, b: string): boolean {
  const body = (line: string): string => line.trim().split(/\s+/).slice(0, 2).join(" ");
  return body(a) === body(b);
}
