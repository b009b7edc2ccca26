// Kubernetes objects in a YAML file (pure), parsed with a real YAML parser (every document of a multi-document
// file), with the line of what the checks point at.
import { LineCounter, parseAllDocuments, type Document } from "yaml";
import { isMap } from "../inputs/values.ts";

export interface SourceRef {
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  /** 1-based line of `name:` in the file. */
  readonly line: number;
}

export interface Manifest {
  readonly file: string;
  /** 1-based line where the document starts. */
  readonly line: number;
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string | undefined;
  /** Every `sourceRef` in the object's spec (Kustomization, HelmRelease chart, ImageUpdateAutomation …). */
  readonly sourceRefs: readonly SourceRef[];
  /** spec.group of a CustomResourceDefinition. */
  readonly group: string | undefined;
  /** 1-based line of `apiVersion:`. */
  readonly apiVersionLine: number;
  /** spec.git.commit.messageTemplate of an ImageUpdateAutomation, with the line of its key. */
  readonly messageTemplate: { readonly text: string; readonly line: number } | undefined;
}

const text = (value: unknown): string | undefined => (typeof value === "string" ? value : undefined);
const record = (value: unknown): Record<string, unknown> | undefined => (isMap(value) ? value : undefined);

/** Paths (key lists) of every `sourceRef` mapping below `value`. */
function sourceRefPaths(value: unknown, path: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return value.flatMap((item, i) => sourceRefPaths(item, [...path, i]));
  const object = record(value);
  if (!object) return [];
  return Object.entries(object).flatMap(([key, child]) =>
    key === "sourceRef" && record(child) ? [[...path, key]] : sourceRefPaths(child, [...path, key]),
  );
}

function lineOf(doc: Document, lines: LineCounter, path: readonly (string | number)[]): number {
  const node = doc.getIn(path, true) as { range?: [number, number, number] } | undefined;
  return node?.range ? lines.linePos(node.range[0]).line : 0;
}

/** The objects in `content`; documents that are not Kubernetes objects (no apiVersion/kind) or do not parse are left out. */
export function parseManifests(file: string, content: string): { manifests: Manifest[]; errors: string[] } {
  const lines = new LineCounter();
  const manifests: Manifest[] = [];
  const errors: string[] = [];
  for (const doc of parseAllDocuments(content, { lineCounter: lines, uniqueKeys: false })) {
    if (doc.errors.length > 0) {
      const [first] = doc.errors;
      errors.push(`${file}:${first?.linePos?.[0]?.line ?? "?"}: ${first?.message.split("\n")[0] ?? "not valid YAML"}`);
      continue;
    }
    const object = record(doc.toJS({ maxAliasCount: 100 }));
    const apiVersion = text(object?.["apiVersion"]);
    const kind = text(object?.["kind"]);
    if (!object || !apiVersion || !kind) continue;
    const metadata = record(object["metadata"]);
    const spec = record(object["spec"]);
    const sourceRefs = sourceRefPaths(spec, ["spec"]).flatMap((path): SourceRef[] => {
      const ref =
        record(path.reduce<unknown>((value, key) => (value as Record<string | number, unknown> | undefined)?.[key], object)) ?? {};
      const name = text(ref["name"]);
      return name
        ? [{ kind: text(ref["kind"]) ?? "", name, namespace: text(ref["namespace"]), line: lineOf(doc, lines, [...path, "name"]) }]
        : [];
    });
    const start = doc.contents?.range?.[0];
    const template = text(record(record(record(spec?.["git"])?.["commit"]))?.["messageTemplate"]);
    const templatePath = ["spec", "git", "commit", "messageTemplate"];
    manifests.push({
      file,
      line: start === undefined ? 1 : lines.linePos(start).line,
      apiVersion,
      kind,
      name: text(metadata?.["name"]) ?? "",
      namespace: text(metadata?.["namespace"]),
      sourceRefs,
      group: kind === "CustomResourceDefinition" ? text(spec?.["group"]) : undefined,
      apiVersionLine: lineOf(doc, lines, ["apiVersion"]) || (start === undefined ? 1 : lines.linePos(start).line),
      messageTemplate: template === undefined ? undefined : { text: template, line: lineOf(doc, lines, templatePath) },
    });
  }
  return { manifests, errors };
}
