// The pure core of the Flux version check: the extension → Flux table, the served/deprecated/refused table per Flux
// minor, findings by file and line (ImageUpdateAutomation template fields too), and which of Flux's Ready reasons
// end the wait.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import type { ObjectStatusDefinition } from "@azure/arm-kubernetesconfiguration";
import { oldApiFiles } from "../emulator/index.ts";
import { AZURE_REMOVED_API_VERSIONS, fluxOfExtension, interimVersions, needsInterimStep } from "../src/manifests/flux-releases.ts";
import { terminalError } from "../src/azure/flux-status.ts";
import { apiState, type FluxTarget } from "../src/manifests/flux-apis.ts";
import { apiFindings, migrateCommand } from "../src/manifests/api-findings.ts";
import { parseManifests } from "../src/manifests/manifests.ts";

const upstream = (flux: string): FluxTarget => ({ flux, removed: [] });
const azure127: FluxTarget = { flux: "2.7.5", removed: AZURE_REMOVED_API_VERSIONS };

describe("extension versions", () => {
  test("Azure's release notes name the Flux of each version; a version they never listed is unknown", () => {
    assert.equal(fluxOfExtension("1.23.0"), "2.7.5");
    assert.equal(fluxOfExtension("1.22.2"), "2.6.4");
    assert.equal(fluxOfExtension("1.14.1"), "2.4.0", "the notes' correction, not the first listing (v2.3.0)");
    assert.equal(fluxOfExtension("1.23.2"), undefined);
    assert.equal(fluxOfExtension("1.5.0"), undefined);
    assert.equal(fluxOfExtension(undefined), undefined);
  });

  test("the interim step: 1.20.4 or lower to 1.23.0 or later, through the newest of 1.21.0 - 1.22.2 offered", () => {
    assert.equal(needsInterimStep("1.20.4", "1.23.0"), true);
    assert.equal(needsInterimStep("1.19.5", "1.24.1"), true);
    assert.equal(needsInterimStep("1.21.0", "1.23.0"), false);
    assert.equal(needsInterimStep("1.20.4", "1.22.2"), false);
    assert.deepEqual(interimVersions(["1.20.4", "1.21.0", "1.22.1", "1.22.2", "1.23.0"]), ["1.22.2", "1.22.1", "1.21.0"]);
  });
});

describe("served, deprecated and refused apiVersions", () => {
  test("upstream CRDs: deprecated where served, refused once removed, and not before a version exists", () => {
    assert.deepEqual(apiState("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", upstream("2.6.4")), {
      state: "deprecated",
      replacement: "helm.toolkit.fluxcd.io/v2",
      since: "2.2",
    });
    assert.deepEqual(apiState("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", upstream("2.7.5")), {
      state: "refused",
      replacement: "helm.toolkit.fluxcd.io/v2",
    });
    assert.equal(apiState("source.toolkit.fluxcd.io/v1beta2", "HelmRepository", upstream("2.7.5")).state, "deprecated");
    assert.equal(apiState("source.toolkit.fluxcd.io/v1beta2", "HelmRepository", upstream("2.8.0")).state, "refused");
    assert.equal(apiState("helm.toolkit.fluxcd.io/v2", "HelmRelease", upstream("2.1.2")).state, "refused");
    assert.equal(apiState("source.toolkit.fluxcd.io/v1", "OCIRepository", upstream("2.5.1")).state, "refused");
    assert.equal(apiState("kustomize.toolkit.fluxcd.io/v1", "Kustomization", upstream("2.7.5")).state, "served");
    assert.deepEqual(apiState("image.toolkit.fluxcd.io/v1beta2", "ImagePolicy", upstream("2.7.5")), {
      state: "deprecated",
      replacement: "image.toolkit.fluxcd.io/v1",
      since: "2.7",
    });
  });

  test("microsoft.flux 1.23.0 and later refuse what Azure's notice removes, beyond upstream 2.7", () => {
    assert.deepEqual(apiState("source.toolkit.fluxcd.io/v1beta2", "HelmRepository", azure127), {
      state: "refused",
      replacement: "source.toolkit.fluxcd.io/v1",
    });
    assert.equal(apiState("helm.toolkit.fluxcd.io/v2beta2", "HelmRelease", azure127).state, "refused");
    assert.deepEqual(apiState("notification.toolkit.fluxcd.io/v1beta2", "Alert", azure127), {
      state: "deprecated",
      replacement: "notification.toolkit.fluxcd.io/v1beta3",
      since: "2.2",
    });
  });

  test("a Flux outside the table, or a version it does not know, is unknown", () => {
    assert.equal(apiState("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", upstream("0.31.0")).state, "unknown");
    assert.equal(apiState("helm.toolkit.fluxcd.io/v2beta1", "HelmRelease", upstream("2.9.0")).state, "unknown");
    assert.equal(apiState("helm.toolkit.fluxcd.io/v3", "HelmRelease", upstream("2.7.5")).state, "unknown");
  });
});

describe("findings", () => {
  const fixture = oldApiFiles({ path: "clusters/old", imageAutomation: true });
  const manifests = Object.entries(fixture.files).flatMap(([file, text]) => parseManifests(file, text).manifests);

  test("each names the file and the line of its apiVersion, the kind, the name and the replacement", () => {
    const found = apiFindings(manifests, azure127).map((f) => `${f.severity} ${f.file}:${f.line} ${f.kind} ${f.name} → ${f.replacement}`);
    assert.deepEqual(
      found.sort(),
      [
        `deprecated ${fixture.lines.template?.[0]}:1 ImageUpdateAutomation podinfo → image.toolkit.fluxcd.io/v1`,
        `refused ${fixture.lines.helmRelease.join(":")} HelmRelease podinfo → helm.toolkit.fluxcd.io/v2`,
        `refused ${fixture.lines.helmRepository.join(":")} HelmRepository podinfo → source.toolkit.fluxcd.io/v1`,
        `refused ${fixture.lines.template?.join(":")} ImageUpdateAutomation podinfo → .Changed`,
      ].sort(),
    );
  });

  test("the commit template's .Updated is a finding from Flux 2.7 on, not before", () => {
    assert.equal(
      apiFindings(manifests, upstream("2.6.4")).some((f) => f.replacement === ".Changed"),
      false,
    );
  });

  test("the fix names flux migrate with the target Flux minor, per path", () => {
    assert.equal(
      migrateCommand(["clusters/a", "", "clusters/a"], azure127),
      "flux migrate -f clusters/a --version 2.7 && flux migrate -f . --version 2.7",
    );
  });
});

describe("which reasons end the wait", () => {
  const status = (reason: string, message: string, extra: Partial<ObjectStatusDefinition> = {}): ObjectStatusDefinition => ({
    name: "flux-system-apps",
    namespace: "flux-system",
    kind: "Kustomization",
    complianceState: "Non-Compliant",
    statusConditions: [{ type: "Ready", status: "False", reason, message }],
    ...extra,
  });
  const code = (s: ObjectStatusDefinition): string | undefined => terminalError(s, "contoso/fleet")?.code;

  test("Flux refusing one of its own apiVersions is terminal, with the migrate fix", () => {
    const error = terminalError(
      status(
        "ReconciliationFailed",
        'HelmRepository/flux-system/podinfo dry-run failed, error: no matches for kind "HelmRepository" in version "source.toolkit.fluxcd.io/v1beta2"',
      ),
      "contoso/fleet",
    );
    assert.equal(error?.code, "flux-api-refused");
    assert.match(error?.message ?? "", /flux migrate -f <path>/);
  });

  test("ReconciliationFailed is terminal unless Flux may get past it on a retry", () => {
    assert.equal(
      code(status("ReconciliationFailed", 'Deployment/default/x dry-run failed: spec.replicas: Invalid value: "a"')),
      "configuration-failed",
    );
    assert.equal(code(status("ReconciliationFailed", 'failed calling webhook "x": connection refused')), undefined);
    assert.equal(
      code(
        status(
          "ReconciliationFailed",
          'Certificate/a/b dry-run failed, error: no matches for kind "Certificate" in version "cert-manager.io/v1"',
        ),
      ),
      undefined,
    );
  });

  test("Stalled and the controllers' other terminal reasons end the wait; the retried ones do not", () => {
    assert.equal(code(status("AccessDenied", "cross-namespace references are not allowed")), "configuration-failed");
    assert.equal(code(status("InvalidCELExpression", "bad expression")), "configuration-failed");
    assert.equal(code(status("ValuesError", "could not find ConfigMap 'values'")), undefined);
    assert.equal(code(status("DirCreationFailed", "no space left")), undefined);
    const stalled = status("ProgressingWithRetry", "failed", {
      statusConditions: [
        { type: "Ready", status: "False", reason: "UpgradeFailed", message: "Helm upgrade failed" },
        { type: "Stalled", status: "True", reason: "MissingRollbackTarget", message: "Failed to perform remediation" },
      ],
      kind: "HelmRelease",
    });
    assert.equal(code(stalled), "helm-release-failed");
  });
});
