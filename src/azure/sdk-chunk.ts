// Loads the Azure SDK (azure-sdk.ts) once, on demand. ncc turns each dynamic import() into chunk files of their own
// beside dist/index.js, named by webpack's deterministic ids (the same sources and lockfile give the same files, and
// check-dist compares every file; scripts/build.ts's --stats-out lists which chunk holds which module): the main
// chunk holds our code, @actions/*, Octokit, undici and yaml; azure-sdk.ts and the Azure SDK packages with MSAL load
// here, together; libsodium loads only from github/sealed-secret.ts when private-key-secret is set; `open`, which
// @azure/identity imports only for interactive sign-in, is never loaded.
// Node reads and compiles an imported file synchronously, inside import() (~80 ms for the SDK, then ~100 ms to run
// it): started at once, that would hold back the first GitHub request. So the load starts when undici has sent the
// first request's headers (`undici:client:sendHeaders`; 200 ms at most) and runs while GitHub answers.
import { subscribe, unsubscribe } from "node:diagnostics_channel";
import type * as AzureSdk from "./azure-sdk.ts";

const SENT = "undici:client:sendHeaders";
const LONGEST_WAIT_MS = 200;

let loading: Promise<typeof AzureSdk> | undefined;

function firstRequestSent(): Promise<void> {
  return new Promise((resolve) => {
    const sent = (): void => {
      unsubscribe(SENT, sent);
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(sent, LONGEST_WAIT_MS);
    subscribe(SENT, sent);
  });
}

/** The Azure SDK: the first call starts the load (see above), every call returns the same promise. */
export function loadAzureSdk(): Promise<typeof AzureSdk> {
  if (!loading) {
    loading = firstRequestSent().then(() => import("./azure-sdk.ts"));
    // Started early, awaited later: a failed load surfaces where the SDK is used, never as an unhandled rejection.
    loading.catch(() => undefined);
  }
  return loading;
}
