// Reads the `::error title=T::message` annotations the action printed, undoing the runner's escaping.

export interface Annotation {
  readonly title: string;
  readonly message: string;
}

function unescape(text: string): string {
  return text.replace(/%0D/g, "\r").replace(/%0A/g, "\n").replace(/%3A/g, ":").replace(/%2C/g, ",").replace(/%25/g, "%");
}

export function errorAnnotations(stdout: string): Annotation[] {
  return [...stdout.matchAll(/^::error title=([^:]*)::(.*)$/gm)].map((m) => ({
    title: unescape(m[1] ?? ""),
    message: unescape(m[2] ?? ""),
  }));
}
