// The names Azure, Kubernetes, GitHub and DNS accept, and git's rules for branch and tag names.
import type { Problems } from "./values.ts";

export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const CONFIGURATION_NAME = /^[a-z0-9]([-.a-z0-9]*[a-z0-9])?$/;
export const RESOURCE_GROUP = /^[-\w.()\p{L}\p{N}]+$/u;
export const CLUSTER_NAME = /^[A-Za-z0-9]([-_A-Za-z0-9]*[A-Za-z0-9])?$/;
export const GITHUB_OWNER = /^[A-Za-z0-9][-_A-Za-z0-9]{0,38}$/;
export const GITHUB_REPO = /^[A-Za-z0-9._-]{1,100}$/;
export const DNS_NAME = /^(?=.{1,253}$)[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]{0,61}[A-Za-z0-9])?)*$/;

/** The rules of git check-ref-format for one branch or tag name. */
export function checkRefName(problems: Problems, name: string, value: string): void {
  const reasons: string[] = [];
  if (/[\x00-\x20\x7f~^:?*[\\]/.test(value)) reasons.push("contains a space, control character or one of ~ ^ : ? * [ \\");
  if (value.includes("..")) reasons.push("contains '..'");
  if (value.includes("@{") || value === "@") reasons.push("contains '@{' or is '@'");
  if (value.startsWith("/") || value.endsWith("/") || value.includes("//")) reasons.push("starts or ends with '/' or contains '//'");
  if (value.startsWith("-")) reasons.push("starts with '-'");
  if (value.endsWith(".")) reasons.push("ends with '.'");
  if (value.split("/").some((part) => part.startsWith(".") || part.endsWith(".lock")))
    reasons.push("has a part starting with '.' or ending with '.lock'");
  if (value.startsWith("refs/")) reasons.push(`starts with 'refs/'; give the short name`);
  if (reasons.length > 0) problems.problem(name, `'${value}' is not a valid git ${name} name: it ${reasons.join("; ")}.`);
}
