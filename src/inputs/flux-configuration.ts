// The Flux configuration: its name, namespace, scope, kustomizations, intervals and deletion.
import { FETCH_TIMEOUT, SYNC_INTERVAL } from "./duration-rules.ts";
import { readKustomizations } from "./kustomizations.ts";
import { CONFIGURATION_NAME, DNS_LABEL } from "./name-rules.ts";
import { readPattern, readSeconds } from "./values.ts";
import type { Input, OneOf, Problems } from "./values.ts";
import type { Settings } from "./settings.ts";

const SCOPES: readonly ("cluster" | "namespace")[] = ["cluster", "namespace"];

/** `needsSource`: only apply (and a plan of apply) needs `path` or `kustomizations`; rotate and destroy do not. */
export function readFlux(
  problems: Problems,
  input: Input,
  bool: (name: string) => boolean,
  oneOf: OneOf,
  needsSource: boolean,
): Settings["flux"] {
  const given = input("path") !== "" || input("kustomizations") !== "";
  const name = readPattern(
    problems,
    "configuration-name",
    input("configuration-name"),
    CONFIGURATION_NAME,
    63,
    "Use lowercase letters, digits, '-' and '.', up to 63 characters, starting and ending with a letter or digit",
  );
  return {
    name,
    namespace: readPattern(
      problems,
      "namespace",
      input("namespace"),
      DNS_LABEL,
      63,
      "Namespaces are DNS-1123 labels: lowercase letters, digits and '-', up to 63 characters, starting and ending with a letter or digit",
    ),
    scope: oneOf("scope", SCOPES),
    kustomizations: needsSource || given ? readKustomizations(problems, input("path"), input("kustomizations"), name) : [],
    syncIntervalSeconds: readSeconds(problems, "sync-interval", input("sync-interval"), SYNC_INTERVAL),
    timeoutSeconds: readSeconds(problems, "fetch-timeout", input("fetch-timeout"), FETCH_TIMEOUT),
    suspend: bool("suspend"),
    forceDelete: bool("force-delete"),
  };
}
