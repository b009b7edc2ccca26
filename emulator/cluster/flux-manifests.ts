// The HelmRelease manifests kustomize-controller would apply from a fetched revision: every YAML file under each
// kustomization's path (read with `git ls-tree -r` and one `git cat-file --batch`), parsed as multi-document YAML with the
// `yaml` package. Simplification: kustomize `resources:` that point outside the path are not followed, and a file that is
// not valid YAML is skipped (kustomize-controller would fail the build).
import { spawn } from "node:child_process";
import { parseAllDocuments } from "yaml";

export interface HelmReleaseManifest {
  /** Repository path of the file it came from. */
  readonly file: string;
  readonly name: string;
  readonly namespace: string;
  /** Helm's release name and namespace (helm-controller api/v2 GetReleaseName / GetReleaseNamespace). */
  readonly releaseName: string;
  readonly releaseNamespace: string;
  /** Chart name and the version shown in helm-controller's messages (`chart@version`). */
  readonly chart: string;
  readonly version: string;
  /** The HelmChart helm-controller makes for it: `<namespace>-<name>` in the chart source's namespace (GetHelmChartName). */
  readonly helmChartRef: { readonly name: string; readonly namespace: string };
}

/** `./clusters/prod/` -> `clusters/prod`; empty for the repository root. */
export function normalizePath(path: string): string {
  return path
    .replace(/^\.?\/+/, "")
    .replace(/^\.$/, "")
    .replace(/\/+$/, "");
}

/** helm.toolkit.fluxcd.io versions whose HelmRelease kind the controller serves. */
const HELM_API_VERSIONS = new Set(["helm.toolkit.fluxcd.io/v2", "helm.toolkit.fluxcd.io/v2beta1", "helm.toolkit.fluxcd.io/v2beta2"]);

type Json = Record<string, unknown>;
const object = (value: unknown): Json => (value && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {});
const text = (value: unknown): string | undefined => (typeof value === "string" && value !== "" ? value : undefined);

/** The version helm-controller would name: an exact version as written; for a range, its first x.y.z (the stand-in has no
 *  chart repository to resolve against); "0.1.0" when none is given (a chart from Git, whose Chart.yaml is not read). */
function shownVersion(version: string | undefined): string {
  if (!version) return "0.1.0";
  return /^v?\d+\.\d+\.\d+(?:[-+][\w.+-]*)?$/.test(version) ? version : (/\d+\.\d+\.\d+/.exec(version)?.[0] ?? "0.1.0");
}

/** A HelmRelease of a parsed document, or undefined for any other object. */
export function helmReleaseOf(doc: unknown, file: string): HelmReleaseManifest | undefined {
  const root = object(doc);
  if (root["kind"] !== "HelmRelease" || !HELM_API_VERSIONS.has(String(root["apiVersion"]))) return undefined;
  const metadata = object(root["metadata"]);
  const name = text(metadata["name"]);
  if (!name) return undefined;
  const namespace = text(metadata["namespace"]) ?? "default";
  const spec = object(root["spec"]);
  const target = text(spec["targetNamespace"]);
  const template = object(object(spec["chart"])["spec"]);
  const chartRef = object(spec["chartRef"]);
  const chartPath = text(template["chart"]) ?? text(chartRef["name"]) ?? name;
  const chartRefName = text(chartRef["name"]);
  return {
    file,
    name,
    namespace,
    releaseName: text(spec["releaseName"]) ?? (target ? `${target}-${name}` : name),
    releaseNamespace: target ?? namespace,
    chart: chartPath.replace(/\/+$/, "").split("/").pop() ?? chartPath,
    version: shownVersion(text(template["version"])),
    helmChartRef: chartRefName
      ? { name: chartRefName, namespace: text(chartRef["namespace"]) ?? namespace }
      : { name: `${namespace}-${name}`, namespace: text(object(template["sourceRef"])["namespace"]) ?? namespace },
  };
}

/** Runs git with `input` on stdin; resolves with stdout bytes (undefined on failure). */
function gitBytes(gitDir: string, args: readonly string[], env: NodeJS.ProcessEnv, input: string): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const child = spawn("git", ["--git-dir", gitDir, ...args], { env, stdio: ["pipe", "pipe", "ignore"] });
    const out: Buffer[] = [];
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.on("error", () => resolve(undefined));
    child.on("close", (code) => resolve(code === 0 ? Buffer.concat(out) : undefined));
    child.stdin.on("error", () => undefined);
    child.stdin.end(input);
  });
}

/** Blob contents by sha through one `git cat-file --batch` ("<sha> blob <size>\n<bytes>\n" per object). */
async function readBlobs(gitDir: string, shas: readonly string[], env: NodeJS.ProcessEnv): Promise<Map<string, string>> {
  const texts = new Map<string, string>();
  const out = shas.length ? await gitBytes(gitDir, ["cat-file", "--batch"], env, shas.map((s) => `${s}\n`).join("")) : undefined;
  let at = 0;
  while (out && at < out.length) {
    const eol = out.indexOf(0x0a, at);
    const [sha = "", type = "", size = "0"] = out.subarray(at, eol).toString("utf8").split(" ");
    const length = type === "missing" ? 0 : Number(size);
    if (type === "blob") texts.set(sha, out.subarray(eol + 1, eol + 1 + length).toString("utf8"));
    at = eol + 1 + length + (type === "missing" ? 0 : 1);
  }
  return texts;
}

/** The HelmReleases under each of `paths` at `sha`, keyed by the path as given. */
export async function readHelmReleases(
  gitDir: string,
  sha: string,
  paths: readonly string[],
  env: NodeJS.ProcessEnv,
): Promise<{ helmReleases: Record<string, HelmReleaseManifest[]>; fluxObjects: Record<string, FluxObject[]> }> {
  const listed = await gitBytes(gitDir, ["ls-tree", "-r", "-z", sha], env, "");
  const yaml = (listed?.toString("utf8").split("\0") ?? [])
    .map((record) => ({ sha: record.split(/\s+/)[2] ?? "", path: record.slice(record.indexOf("\t") + 1) }))
    .filter((f) => /\.ya?ml$/i.test(f.path));
  const under = (path: string): typeof yaml => {
    const dir = normalizePath(path);
    return yaml.filter((f) => !dir || f.path.startsWith(`${dir}/`));
  };
  const wanted = [...new Set(paths.flatMap((p) => under(p).map((f) => f.sha)))];
  const texts = await readBlobs(gitDir, wanted, env);
  const documents = (file: { sha: string; path: string }): unknown[] => {
    try {
      return parseAllDocuments(texts.get(file.sha) ?? "").flatMap((doc) => (doc.errors.length ? [] : [doc.toJS()]));
    } catch {
      return [];
    }
  };
  const releases = (file: { sha: string; path: string }): HelmReleaseManifest[] =>
    documents(file).flatMap((doc) => helmReleaseOf(doc, file.path) ?? []);
  const objects = (file: { sha: string; path: string }): FluxObject[] => documents(file).flatMap((doc) => fluxObjectOf(doc) ?? []);
  return {
    helmReleases: Object.fromEntries(paths.map((p) => [p, under(p).flatMap(releases)])),
    fluxObjects: Object.fromEntries(paths.map((p) => [p, under(p).flatMap(objects)])),
  };
}

/** An object of one of Flux's own kinds (an apiVersion in a *.toolkit.fluxcd.io group), as kustomize-controller would apply it. */
export interface FluxObject {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

function fluxObjectOf(doc: unknown): FluxObject | undefined {
  const root = object(doc);
  const apiVersion = text(root["apiVersion"]);
  const kind = text(root["kind"]);
  const metadata = object(root["metadata"]);
  if (!apiVersion || !kind || !/\.toolkit\.fluxcd\.io\//.test(apiVersion)) return undefined;
  return { apiVersion, kind, name: text(metadata["name"]) ?? "", namespace: text(metadata["namespace"]) ?? "default" };
}
