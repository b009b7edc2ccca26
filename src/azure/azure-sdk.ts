// The Azure SDK values the action uses, in one module that is only ever imported dynamically (sdk-chunk.ts), so
// that ncc puts it and everything it pulls in (MSAL, the core-* packages) in a chunk of its own. Types come from
// the packages themselves with `import type`, which costs nothing at run time.
export { ClientAssertionCredential } from "@azure/identity";
export { SourceControlConfigurationClient } from "@azure/arm-kubernetesconfiguration";
export { createPipelineRequest } from "@azure/core-rest-pipeline";
