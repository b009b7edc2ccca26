// Recognises failures that surface from inside the SDKs (Entra errors wrapped by the credential and the
// ARM pipeline) and turns them into errors that name the fix, with the token's claims where they help.
import type { Settings } from "./inputs/settings.ts";
import type { GitHubAssertion } from "./azure/credential.ts";
import { ActionError, messageOf } from "./errors.ts";

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

/**
 * Entra ID's answer, shortened: `AADSTS700016: Application with identifier …` without the trace that follows it, and
 * the IDs Microsoft support asks for (trace, correlation, time) on one line. Entra repeats them inside the description
 * and again in its own fields, and @azure/identity quotes both ("… Trace ID: … Correlation ID: … Timestamp: … -
 * Correlation ID: … - Trace ID: …"): https://learn.microsoft.com/en-us/entra/identity-platform/reference-error-codes
 */
export function entraAnswer(text: string): { readonly code: string; readonly description: string; readonly trace: string } | undefined {
  const match = /(AADSTS\d+): ([\s\S]*?)(?=\s*(?:Trace ID:|Correlation ID:|Timestamp:|$))/.exec(text);
  if (!match) return undefined;
  const id = (label: string): string | undefined => new RegExp(`${label}: ([0-9a-f-]{36})`, "i").exec(text)?.[1];
  const time = /Timestamp: (\d{4}-\d\d-\d\d[ T][\d:.]+Z)/.exec(text)?.[1];
  const parts = [id("Trace ID") && `trace ID ${id("Trace ID")}`, id("Correlation ID") && `correlation ID ${id("Correlation ID")}`, time];
  return {
    code: match[1] ?? "",
    description: (match[2] ?? "").replace(/\s+/g, " ").trim(),
    trace: `Entra ID: ${parts.filter(Boolean).join(", ") || "no trace ID given"}`,
  };
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
  const entra = entraAnswer(text);
  const { clientId, tenantId } = settings.azure;
  if (entra?.code === "AADSTS700016") {
    // The usual cause: the identity's Object (principal) ID given as client-id (it is the GUID the portal shows
    // first for a managed identity, and the one role assignments list), e.g. https://github.com/MicrosoftDocs/azure-docs/pull/122564.
    return new ActionError("client-id-not-found", {
      title: "No such client ID in the tenant",
      message:
        `Entra ID has no application or managed identity with client ID ${clientId} in tenant ${tenantId} (AADSTS700016).\n` +
        "client-id must be the identity's Client ID (Application ID), not its Object (principal) ID or resource ID:\n" +
        "  managed identity: az identity show --resource-group <rg> --name <identity> --query clientId --output tsv\n" +
        '  app registration: az ad app list --display-name <name> --query "[].appId" --output tsv\n' +
        `If that is the ID given, tenant-id must be the identity's tenant: az account show --query tenantId --output tsv\n${entra.trace}`,
      cause: error,
    });
  }
  if (entra || /invalid_client|unauthorized_client|AuthenticationRequired|CredentialUnavailable/i.test(text)) {
    const answer = entra ? `${entra.code}: ${entra.description}\n${entra.trace}` : (text.split("\n")[0] ?? "");
    return new ActionError("azure-sign-in", {
      title: "Azure sign-in failed",
      message: `Signing in to Azure as client ${clientId} in tenant ${tenantId} failed:\n${answer}\nToken claims:\n${claimText}`,
      cause: error,
    });
  }
  return error;
}
