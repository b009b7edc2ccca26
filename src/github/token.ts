// The github-token's lifetime and its refusal. GitHub says in its answers when a token expires
// (GitHub-Authentication-Token-Expiration: "2026-12-07 10:00:00 UTC";
// https://github.blog/changelog/2021-07-26-expiration-options-for-personal-access-tokens/), and answers 401 "Bad
// credentials" to a token that is wrong, revoked or expired, without saying which. GitHub App installation tokens
// expire one hour after they are made (https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-an-installation-access-token-for-a-github-app).
import type { Git } from "../inputs/settings.ts";
import { ActionError, messageOf } from "../errors.ts";

export const TOKEN_EXPIRATION = "github-authentication-token-expiration";

/** Parses "2026-12-07 10:00:00 UTC" (also "… +0000" and ISO forms); undefined when it is not a time. */
export function parseExpiration(text: string | number | undefined): Date | undefined {
  if (typeof text !== "string" || !text.trim()) return undefined;
  const iso = text.trim().replace(/^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) (?:UTC|\+0000)$/, "$1T$2Z");
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? undefined : at;
}

/** When the token expires, as GitHub's answers said; `onFirst` is told once, on the first answer that says it. */
export class TokenExpiry {
  expiresAt: Date | undefined;
  readonly #onFirst: (at: Date) => void;

  constructor(onFirst: (at: Date) => void) {
    this.#onFirst = onFirst;
  }

  seen(header: string | number | undefined): void {
    const at = parseExpiration(header);
    if (!at) return;
    const first = this.expiresAt === undefined;
    this.expiresAt = at;
    if (first) this.#onFirst(at);
  }
}

/** "2026-12-07 10:00:00 UTC" */
export function utcText(at: Date): string {
  return at
    .toISOString()
    .replace("T", " ")
    .replace(/\.\d{3}Z$/, " UTC");
}

/** The warning for a token that expires before wait-timeout could end; undefined when it outlives the run. */
export function expiryWarning(expiresAt: Date, waitEnds: Date): string | undefined {
  if (expiresAt.getTime() >= waitEnds.getTime()) return undefined;
  return (
    `The github-token expires at ${utcText(expiresAt)} (GitHub's answer says so), before wait-timeout could end (${utcText(waitEnds)}). ` +
    "If the wait runs that long, the last GitHub calls (the rotation's proof, removing old keys) fail with 401. " +
    "Make the token in the same job right before this step (actions/create-github-app-token: App tokens last one hour), " +
    "or lower wait-timeout below the token's remaining life."
  );
}

/** GitHub refused the token itself (401): wrong, revoked or expired; never a missing permission (that is a 403). */
export function tokenRejected(git: Git, call: string, error: unknown, expiresAt: Date | undefined): ActionError {
  const expired =
    expiresAt && expiresAt.getTime() <= Date.now() ? ` It expired at ${utcText(expiresAt)}, as GitHub's earlier answers said.` : "";
  return new ActionError("github-token-rejected", {
    title: "GitHub token rejected",
    message:
      `GitHub answered 401 (${messageOf(error)}) to ${call} on ${git.fullName}: the github-token is wrong, revoked or expired.${expired}\n` +
      "A GitHub App installation token expires one hour after it is made: make it in the same job right before this step " +
      "(actions/create-github-app-token), and keep wait-timeout below its remaining life. A personal access token may have expired " +
      "or been revoked: check it under Settings → Developer settings. This is not a missing permission (GitHub answers 403 for that).",
    cause: error,
  });
}
