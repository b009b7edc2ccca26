// The Flux extension: its name, release train, version, configuration settings and removal.
import { DNS_LABEL } from "./name-rules.ts";
import { readPattern } from "./values.ts";
import type { Problems, Reader } from "./values.ts";
import type { PodIdentityCheck, Settings } from "./settings.ts";

const POD_IDENTITY_CHECKS: readonly PodIdentityCheck[] = ["fail", "warn", "off"];
const VERSION = /^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;

export function readExtension(r: Reader): Settings["extension"] {
  return {
    name: readPattern(r, "extension-name", r.text("extension-name"), {
      pattern: DNS_LABEL,
      maxLength: 63,
      rule: "Extension names use lowercase letters, digits and '-', up to 63 characters, starting and ending with a letter or digit",
    }),
    releaseTrain: readPattern(r, "release-train", r.text("release-train"), {
      pattern: /^[A-Za-z][A-Za-z0-9-]*$/,
      maxLength: 64,
      rule: "Use a release train such as Stable or Preview",
    }),
    version: readVersion(r, r.text("extension-version")),
    settings: readExtensionSettings(r, r.text("extension-settings")),
    remove: r.bool("remove-extension"),
    podIdentityCheck: r.oneOf("pod-identity-check", POD_IDENTITY_CHECKS),
  };
}

function readVersion(problems: Problems, value: string): string | undefined {
  if (value === "") return undefined;
  if (!VERSION.test(value))
    problems.problem(
      "extension-version",
      `'${value}' is not a version. Use a released version such as 1.14.2 (az k8s-extension extension-types list-versions-by-cluster).`,
    );
  return value;
}

function readExtensionSettings(problems: Problems, text: string): Record<string, string> {
  const settings: Record<string, string> = {};
  for (const line of text
    .split("\n")
    .map((l) => l.trim())
    .filter((l) => l !== "")) {
    const eq = line.indexOf("=");
    const key = eq < 0 ? line : line.slice(0, eq).trim();
    if (eq < 0 || !/^[A-Za-z0-9._-]+$/.test(key)) {
      problems.problem(
        "extension-settings",
        `'${line}' is not key=value with a key of letters, digits, '.', '_' and '-'. Write one setting per line, e.g. image-automation-controller.enabled=true.`,
      );
    } else if (Object.hasOwn(settings, key)) {
      problems.problem("extension-settings", `'${key}' is set twice. Keep one line per key.`);
    } else {
      settings[key] = line.slice(eq + 1).trim();
      if (/password|secret|token|private/i.test(key)) {
        problems.warn(
          `extension-settings: '${key}' looks like a secret, but configuration settings are readable by anyone who can read the extension. Keep secrets out of extension-settings.`,
        );
      }
    }
  }
  return settings;
}
