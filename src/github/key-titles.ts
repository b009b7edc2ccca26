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

export function deployKeyTitle(
  cluster: Cluster,
  configurationName: string,
  fingerprint: string,
  created: Date,
  clusterMade = false,
): string {
  const stamp = created.toISOString().replace(/\.\d{3}Z$/, "Z");
  const title = `${titlePrefix(cluster, configurationName)} ${stamp} ${fingerprint.replace(/^SHA256:/, "").slice(0, 12)}`;
  return clusterMade ? `${title} ${CLUSTER_MADE}` : title;
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
