// The repository check's pure core: which files Flux applies for a path, what the manifests say, what is found.
import assert from "node:assert/strict";
import { test } from "node:test";
import { appliedFiles, type RepositoryFiles } from "../src/manifests/applied-files.ts";
import { parseManifests } from "../src/manifests/manifests.ts";
import { bootstrapLeftovers, nearestFolders, sourceRefMismatches } from "../src/manifests/findings.ts";

/** A repository from file paths and texts; folders are derived as git trees list them. */
function repository(files: Readonly<Record<string, string>>): RepositoryFiles {
  const folders = new Set<string>();
  for (const path of Object.keys(files)) {
    const parts = path.split("/");
    for (let i = 1; i < parts.length; i += 1) folders.add(parts.slice(0, i).join("/"));
  }
  const sourceIgnores = new Map(Object.entries(files).filter(([p]) => p.endsWith(".sourceignore")));
  return { files: new Set(Object.keys(files)), folders, sourceIgnores, texts: new Map(Object.entries(files)) };
}

const CM = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n";

// [what, files, path, the files Flux applies]
const APPLIED: readonly (readonly [string, Record<string, string>, string, readonly string[]])[] = [
  [
    "no kustomization.yaml: every YAML below the path, other files left out",
    { "clusters/a/one.yaml": CM, "clusters/a/sub/two.yml": CM, "clusters/a/README.md": "#", "clusters/b/three.yaml": CM },
    "clusters/a",
    ["clusters/a/one.yaml", "clusters/a/sub/two.yml"],
  ],
  [
    "a kustomization.yaml decides: only its resources, followed into folders and out of the path",
    {
      "clusters/a/kustomization.yaml": "resources:\n  - apps.yaml\n  - ../../infra\n  - https://example.com/remote.yaml\n",
      "clusters/a/apps.yaml": CM,
      "clusters/a/unlisted.yaml": CM,
      "infra/kustomization.yaml": "resources: [ns.yaml]\n",
      "infra/ns.yaml": CM,
    },
    "clusters/a",
    ["clusters/a/apps.yaml", "clusters/a/kustomization.yaml", "infra/kustomization.yaml", "infra/ns.yaml"],
  ],
  [
    "a sub-folder with its own kustomization.yaml is one resource: its list decides",
    {
      "clusters/a/one.yaml": CM,
      "clusters/a/flux-system/kustomization.yaml": "resources: [gotk-sync.yaml]\n",
      "clusters/a/flux-system/gotk-sync.yaml": CM,
      "clusters/a/flux-system/gotk-components.yaml": CM,
    },
    "clusters/a",
    ["clusters/a/flux-system/gotk-sync.yaml", "clusters/a/flux-system/kustomization.yaml", "clusters/a/one.yaml"],
  ],
  [
    ".sourceignore in a folder excludes for that folder and below; Flux's defaults exclude CI files",
    {
      "clusters/a/.sourceignore": "flux-system/\n",
      "clusters/a/flux-system/gotk-components.yaml": CM,
      "clusters/a/one.yaml": CM,
      "clusters/a/.github/workflow.yml": CM,
    },
    "clusters/a",
    ["clusters/a/one.yaml"],
  ],
  [
    "the root: everything but what .sourceignore at the root excludes",
    { ".sourceignore": "*.yaml\n!keep.yaml\n", "keep.yaml": CM, "drop.yaml": CM, "apps/x.yaml": CM },
    "",
    ["keep.yaml"],
  ],
];

for (const [what, files, path, expected] of APPLIED) {
  test(`applied files: ${what}`, () => {
    assert.deepEqual(appliedFiles(repository(files), path), [...expected].sort());
  });
}

const MANIFESTS = `# apps
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: apps
  namespace: flux-system
spec:
  sourceRef:
    kind: GitRepository
    name: flux-system
---
apiVersion: helm.toolkit.fluxcd.io/v2
kind: HelmRelease
metadata:
  name: podinfo
  namespace: podinfo
spec:
  chart:
    spec:
      chart: podinfo
      sourceRef:
        kind: HelmRepository
        name: podinfo
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: own-source
spec:
  sourceRef: { kind: GitRepository, name: podinfo-src }
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata:
  name: podinfo-src
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: infra
  namespace: flux-system
spec:
  sourceRef:
    kind: GitRepository
    name: platform
`;

test("parseManifests reads every document, with the line of each sourceRef name", () => {
  const { manifests, errors } = parseManifests("clusters/a/apps.yaml", MANIFESTS);
  assert.deepEqual(errors, []);
  assert.deepEqual(
    manifests.map((m) => [m.kind, m.name, m.line]),
    [
      ["Kustomization", "apps", 2],
      ["HelmRelease", "podinfo", 12],
      ["Kustomization", "own-source", 25],
      ["GitRepository", "podinfo-src", 32],
      ["Kustomization", "infra", 37],
    ],
  );
  assert.deepEqual(manifests[0]?.sourceRefs, [{ kind: "GitRepository", name: "flux-system", namespace: undefined, line: 10 }]);
  assert.deepEqual(
    manifests[1]?.sourceRefs.map((r) => [r.kind, r.name, r.line]),
    [["HelmRepository", "podinfo", 23]],
  );
});

test("parseManifests reports a document that is not YAML, with its line, and keeps the others", () => {
  const { manifests, errors } = parseManifests("bad.yaml", `${CM}---\nkind: [unclosed\n`);
  assert.equal(manifests.length, 1);
  assert.equal(errors.length, 1);
  assert.match(errors[0] ?? "", /^bad\.yaml:\d+: /);
});

test("sourceRef mismatches: only GitRepository refs that are neither the configuration nor defined in the files", () => {
  const { manifests } = parseManifests("clusters/a/apps.yaml", MANIFESTS);
  const findings = sourceRefMismatches("apps", manifests, "platform", "flux-system");
  assert.deepEqual(
    findings.map((f) => [f.file, f.line]),
    [["clusters/a/apps.yaml", 10]],
  );
  assert.match(findings[0]?.message ?? "", /clusters\/a\/apps\.yaml:10: Kustomization apps refers to GitRepository 'flux-system'/);
  assert.match(
    findings[0]?.message ?? "",
    /Name the configuration `flux-system` \(configuration-name\), or change sourceRef.name to `platform`/,
  );
  assert.deepEqual(
    sourceRefMismatches("apps", manifests, "flux-system", "flux-system").map((f) => f.line),
    [45],
  );
});

test("flux bootstrap leftovers: gotk files by name, Flux's CRDs and controllers by content, one finding per file", () => {
  const crd =
    "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\nmetadata:\n  name: gitrepositories.source.toolkit.fluxcd.io\nspec:\n  group: source.toolkit.fluxcd.io\n";
  const deployment = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: source-controller\n  namespace: flux-system\n";
  const manifests = [
    ...parseManifests("x/crds.yaml", `${crd}---\n${crd}`).manifests,
    ...parseManifests("x/deploy.yaml", deployment).manifests,
    ...parseManifests("x/ok.yaml", CM).manifests,
  ];
  const findings = bootstrapLeftovers(
    "apps",
    "x",
    ["x/flux-system/gotk-components.yaml", "x/crds.yaml", "x/deploy.yaml", "x/ok.yaml"],
    manifests,
  );
  assert.deepEqual(
    findings.map((f) => f.file),
    ["x/flux-system/gotk-components.yaml", "x/crds.yaml", "x/deploy.yaml"],
  );
  assert.match(
    findings[0]?.message ?? "",
    /exclude these files with a \.sourceignore, or point the kustomization's path below them \(not 'x'\)/,
  );
});

// [missing path, folders, what the message says]
const NEAREST: readonly (readonly [string, readonly string[], string])[] = [
  ["clusters/stagin", ["clusters", "clusters/production", "clusters/staging", "apps"], "clusters/ has staging, production"],
  ["clustrs/staging", ["clusters", "clusters/staging", "apps"], "the repository root has clusters, apps"],
  ["clusters/staging/apps", ["clusters", "clusters/staging"], "clusters/staging/ has no folders"],
];

for (const [missing, folders, says] of NEAREST) {
  test(`nearest folders for ${missing}`, () => {
    assert.equal(nearestFolders(new Set(folders), missing), says);
  });
}
