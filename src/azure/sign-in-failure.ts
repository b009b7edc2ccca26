// Recognises failures that surface from inside the SDKs (Entra errors wrapped by the credential and the
// ARM pipeline) and turns them into errors that name the fix, with the token's claims where they help.
import type { Settings } from "../inputs/settings.ts";
import type { GitHubAssertion } from "./credential.ts";
import { ActionError, messageOf } from "../errors.ts";

/** Every message in the cause chain, outermost first. */
function chain(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth += 1) {
    parts.push(messageOf(current));
    current = (current as { cause?: unknown }).cause;
  }
  return parts.join("\n");
}

function findActionError(error: unknown): ActionError | undefined {
  let current: unknown = error;
  for (let depth = 0; current && depth < 6; depth += 1) {
    if (current instanceof ActionError) return current;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

export function explainFailure(error: unknown, settings: Settings, assertion: GitHubAssertion): unknown {
  if (error instanceof ActionError) return error;
  const text = chain(error);
  const inner = findActionError(error);
  if (inner) return inner;
  if (/ACTIONS_ID_TOKEN_REQUEST|id-token/i.test(text)) {
    return new ActionError("oidc-permission", {
      title: "No GitHub OIDC token",
      message: "Could not get the workflow's OIDC token. Add `permissions: id-token: write` to the job that runs this action.",
      cause: error,
    });
  }
  const claims = assertion.claims();
  const aud = Array.isArray(claims?.aud) ? claims.aud.join(",") : claims?.aud;
  const claimText =
    `  issuer:   ${claims?.iss ?? "?"}\n  subject:  ${claims?.sub ?? "?"}\n  audience: ${aud ?? settings.azure.audience}` +
    (claims?.job_workflow_ref ? `\n  job_workflow_ref: ${claims.job_workflow_ref}` : "");
  if (/AADSTS70021|AADSTS700213|No matching federated identity record/i.test(text)) {
    return new ActionError("federated-credential-mismatch", {
      title: "No matching federated credential",
      message:
        `Entra ID found no federated credential on client ${settings.azure.clientId} matching this workflow's token:\n${claimText}\n` +
        "Add a federated credential with exactly that issuer, subject and audience:\n" +
        `  az identity federated-credential create --name github --identity-name <identity> --resource-group <rg> ` +
        `--issuer '${claims?.iss ?? "https://token.actions.githubusercontent.com"}' --subject '${claims?.sub ?? "repo:OWNER/REPO:environment:NAME"}' --audiences '${aud ?? settings.azure.audience}'\n` +
        "(for an app registration: az ad app federated-credential create). Jobs with `environment:` have subject repo:OWNER/REPO:environment:NAME.",
      cause: error,
    });
  }
  if (/AADSTS700024|not within its valid time range/i.test(text)) {
    return new ActionError("assertion-expired", {
      title: "GitHub token expired",
      message:
        `Entra ID rejected an expired GitHub OIDC token (AADSTS700024):\n${claimText}\n` +
        "This action fetches a fresh token before each sign-in; if this persists, check the runner's clock.",
      cause: error,
    });
  }
  if (/AADSTS|invalid_client|unauthorized_client|AuthenticationRequired|CredentialUnavailable/i.test(text)) {
    return new ActionError("azure-sign-in", {
      title: "Azure sign-in failed",
      message: `Signing in to Azure as client ${settings.azure.clientId} in tenant ${settings.azure.tenantId} failed:\n${text.split("\n")[0]}\nToken claims:\n${claimText}`,
      cause: error,
    });
  }
  return error;
}
