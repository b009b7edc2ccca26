// The deploy key: its type, access and maximum age, and the secret the private key may be sealed into.
import { MAX_KEY_AGE } from "./duration-rules.ts";
import { readDuration } from "./values.ts";
import type { Problems, Reader } from "./values.ts";
import type { KeySource, KeyType, Settings } from "./settings.ts";

const KEY_SOURCES: readonly KeySource[] = ["action", "cluster"];
const KEY_TYPES: readonly KeyType[] = ["ed25519", "ecdsa-p256", "ecdsa-p384", "ecdsa-p521", "rsa-4096"];
const SECRET_NAME = /^[A-Z_][A-Z0-9_]*$/;

/** key-source, key-type, read-write and max-key-age. */
export function readKey(r: Reader): Settings["key"] {
  const explicit = r.text("key-source") !== "";
  return {
    source: explicit ? r.oneOf("key-source", KEY_SOURCES) : "action",
    sourceExplicit: explicit,
    type: r.oneOf("key-type", KEY_TYPES),
    readWrite: r.bool("read-write"),
    maxAgeMs: readDuration(r, "max-key-age", r.text("max-key-age"), MAX_KEY_AGE),
  };
}

export function readSealedSecret(problems: Problems, name: string, environment: string, source: KeySource): Settings["privateKeySecret"] {
  if (name !== "" && source === "cluster") {
    problems.problem(
      "private-key-secret",
      "cannot be used with key-source: cluster: the cluster makes the key and its private half never leaves it, so there is nothing to copy. Remove private-key-secret, or use key-source: action.",
    );
  }
  if (name === "") {
    if (environment !== "")
      problems.problem(
        "secret-environment",
        "is set but private-key-secret is empty. Set private-key-secret to the secret's name, or remove secret-environment.",
      );
    return undefined;
  }
  if (!SECRET_NAME.test(name) || name.startsWith("GITHUB_")) {
    problems.problem(
      "private-key-secret",
      `'${name}' is not a usable secret name. Use uppercase letters, digits and '_', not starting with a digit or GITHUB_, e.g. FLUX_DEPLOY_KEY.`,
    );
  }
  if (environment.length > 255 || /[\x00-\x1f\x7f]/.test(environment)) {
    problems.problem(
      "secret-environment",
      "is not a valid environment name. Use the name of an environment of the configuration repository (up to 255 characters).",
    );
  }
  return { name, environment: environment === "" ? undefined : environment };
}
