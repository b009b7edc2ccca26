// The Flux configuration: its name, namespace, scope, kustomizations, intervals and deletion.
import { FETCH_TIMEOUT, SYNC_INTERVAL } from "./duration-rules.ts";
import { readKustomizations } from "./kustomizations.ts";
import { CONFIGURATION_NAME, DNS_LABEL } from "./name-rules.ts";
import { readPattern, readSeconds } from "./values.ts";
import type { Reader } from "./values.ts";
import type { Settings } from "./settings.ts";

const SCOPES: readonly ("cluster" | "namespace")[] = ["cluster", "namespace"];

/** `needsSource`: only apply (and a plan of apply) needs `path` or `kustomizations`; rotate and destroy do not. */
export function readFlux(r: Reader, { needsSource }: { readonly needsSource: boolean }): Settings["flux"] {
  const given = r.text("path") !== "" || r.text("kustomizations") !== "";
  const name = readPattern(r, "configuration-name", r.text("configuration-name"), {
    pattern: CONFIGURATION_NAME,
    maxLength: 63,
    rule: "Use lowercase letters, digits, '-' and '.', up to 63 characters, starting and ending with a letter or digit",
  });
  return {
    name,
    namespace: readPattern(r, "namespace", r.text("namespace"), {
      pattern: DNS_LABEL,
      maxLength: 63,
      rule: "Namespaces are DNS-1123 labels: lowercase letters, digits and '-', up to 63 characters, starting and ending with a letter or digit",
    }),
    scope: r.oneOf("scope", SCOPES),
    kustomizations: needsSource || given ? readKustomizations(r, r.text("path"), r.text("kustomizations"), name) : [],
    syncIntervalSeconds: readSeconds(r, "sync-interval", r.text("sync-interval"), SYNC_INTERVAL),
    timeoutSeconds: readSeconds(r, "fetch-timeout", r.text("fetch-timeout"), FETCH_TIMEOUT),
    suspend: r.bool("suspend"),
    forceDelete: r.bool("force-delete"),
  };
}
