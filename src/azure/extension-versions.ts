// The versions of the microsoft.flux extension Azure offers this cluster on a release train: what an install or an
// auto-upgrade moves to (the newest). ARM's extension types API, ExtensionTypes_ClusterListVersions (Azure/azure-rest-
// api-specs, specification/kubernetesconfiguration/…/extensionTypes/stable/2026-04-01, example ListExtensionTypeVersions
// .json): GET {cluster}/providers/Microsoft.KubernetesConfiguration/extensionTypes/{type}/versions?releaseTrain=…,
// answering `value[].properties.version` with a `nextLink`. A refusal (a role without extensionTypes/read) or any other
// failure is not the run's failure: the versions are then unknown, and said so.
import * as core from "@actions/core";
import { armRequest, type Arm } from "./arm.ts";
import { FLUX_TYPE } from "./extension-body.ts";
import { messageOf } from "../errors.ts";

const API_VERSION = "2026-04-01";
const MAX_PAGES = 5;

export type TrainVersions =
  | { readonly known: true; readonly releaseTrain: string; readonly versions: readonly string[] }
  | { readonly known: false; readonly releaseTrain: string; readonly why: string };

interface VersionList {
  readonly value?: readonly { readonly properties?: { readonly version?: string } }[];
  readonly nextLink?: string | null;
}

export async function listTrainVersions(arm: Arm, releaseTrain: string): Promise<TrainVersions> {
  const versions: string[] = [];
  try {
    let target: string | undefined = `${arm.clusterId}/providers/Microsoft.KubernetesConfiguration/extensionTypes/${FLUX_TYPE}/versions`;
    let query: string | undefined = `releaseTrain=${encodeURIComponent(releaseTrain)}`;
    for (let page = 0; target && page < MAX_PAGES; page += 1) {
      const answer: { body: VersionList | undefined } = await armRequest<VersionList>(arm, "GET", target, {
        apiVersion: API_VERSION,
        ...(query ? { query } : {}),
      });
      for (const item of answer.body?.value ?? []) if (item.properties?.version) versions.push(item.properties.version);
      target = answer.body?.nextLink ?? undefined;
      query = undefined;
    }
  } catch (error) {
    core.debug(`extension versions of ${releaseTrain}: ${messageOf(error)}`);
    return { known: false, releaseTrain, why: `listing the ${releaseTrain} versions failed: ${messageOf(error)}` };
  }
  return { known: true, releaseTrain, versions };
}
