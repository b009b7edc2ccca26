// The same apply scripted with the Azure CLI (scripts/bench/az-apply.sh), timed like the action (measureApply) on a
// fresh scenario of the same local cloud with the same latencies, and held to the same critical path. It is the figure
// for what users script today: core `az` commands (no CLI extensions: PyPI is out of reach), curl, jq and ssh-keygen.
//
// Two things make the Azure CLI 2.45 of Debian bookworm talk to the local cloud, the first outside the timed run:
//  - a custom cloud in a private AZURE_CONFIG_DIR per run (`az cloud register`: ARM, Entra's authority host, the ARM
//    audience Azure's public cloud uses), and the local CA in REQUESTS_CA_BUNDLE / CURL_CA_BUNDLE;
//  - az-shim/sitecustomize.py on PYTHONPATH: MSAL's instance discovery off, which `az config set
//    core.instance_discovery=false` does from Azure CLI 2.53 on (2.45 has no switch; see that file).
// `az login` lists the subscriptions (GET /subscriptions, which the local ARM serves like ARM's Subscriptions - List).
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { LoggedRequest } from "../../emulator/index.ts";
import { countByPhase, criticalPath, phasesOf, round, spread, type Latencies, type Phase, type Spread } from "./analyse.ts";
import { s3, table } from "./tables.ts";
import { freshScenario, type BenchCloud } from "./run.ts";

const here = new URL(".", import.meta.url).pathname;
const SCRIPT = join(here, "az-apply.sh");
const SHIM = join(here, "az-shim");

/** The Azure CLI's version, or undefined when `az` cannot be run. */
export function azVersion(): string | undefined {
  const run = spawnSync("az", ["version", "--output", "json"], {
    encoding: "utf8",
    env: { ...process.env, AZURE_CORE_COLLECT_TELEMETRY: "false" },
  });
  if (run.error || run.status !== 0) return undefined;
  try {
    return String((JSON.parse(run.stdout) as Record<string, unknown>)["azure-cli"]);
  } catch {
    return undefined;
  }
}

export interface AzRun {
  readonly latencies: Latencies;
  readonly wallMs: number;
  readonly criticalMs: number;
  readonly ratio: number;
  readonly agentFetchMs: number;
  /** The extension's operation finished on the server until the script's poller saw it (as measureApply's extensionLag). */
  readonly extensionLagMs: number;
  /** The configuration's operation ended until the poller saw it (as measureApply's configurationLag). */
  readonly configurationLagMs: number;
  /** ARM requests of the run. */
  readonly armRequests: number;
  readonly armReads: number;
  /** Requests the local cloud logged, by phase (as the action's are counted). */
  readonly requests: Record<Phase, number>;
}

function run(command: string, args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => void (output += chunk.toString()));
  return new Promise((resolve) => child.on("close", (code) => resolve({ code, output })));
}

/** performance.now() of a wall-clock instant (the emulator's timestamps are Date.now()). */
function monotonic(wallMs: number): number {
  return wallMs - performance.timeOrigin;
}

/**
 * One scripted apply on a fresh scenario: the cloud registered in a fresh AZURE_CONFIG_DIR first (untimed: on a
 * runner the public cloud is built in), then az-apply.sh timed from spawn to exit, as measureApply times the action.
 */
export async function measureAzApply(bench: BenchCloud, l: Latencies, label: string): Promise<AzRun> {
  const scenario = await freshScenario(bench, label);
  const config = mkdtempSync(join(tmpdir(), "bench-az-"));
  try {
    const base: NodeJS.ProcessEnv = {
      ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^(INPUT_|GITHUB_|ACTIONS_|RUNNER_|AZURE_)/.test(k))),
      AZURE_CONFIG_DIR: config,
      AZURE_CORE_COLLECT_TELEMETRY: "false",
      PYTHONPATH: SHIM,
      REQUESTS_CA_BUNDLE: bench.cloud.tls.caPath,
      CURL_CA_BUNDLE: bench.cloud.tls.caPath,
    };
    const register = await run(
      "az",
      [
        "cloud",
        "register",
        "--name",
        "LocalCloud",
        "--endpoint-resource-manager",
        `${bench.cloud.azure.armEndpoint.replace(/\/$/, "")}/`,
        "--endpoint-active-directory",
        bench.cloud.azure.authorityHost,
        "--endpoint-active-directory-resource-id",
        "https://management.core.windows.net/",
        "--endpoint-active-directory-graph-resource-id",
        "https://graph.windows.net/",
      ],
      base,
    );
    const select = register.code === 0 ? await run("az", ["cloud", "set", "--name", "LocalCloud"], base) : register;
    if (select.code !== 0) throw new Error(`az cloud register/set failed:\n${select.output}`);

    const env: NodeJS.ProcessEnv = {
      ...base,
      ACTIONS_ID_TOKEN_REQUEST_URL: bench.cloud.github.oidc.requestUrl,
      ACTIONS_ID_TOKEN_REQUEST_TOKEN: bench.cloud.github.oidc.requestToken,
      AZ_CLIENT_ID: scenario.clientId,
      AZ_TENANT_ID: scenario.tenantId,
      AZ_CLUSTER_ID: scenario.clusterId,
      AZ_ARM_ENDPOINT: bench.cloud.azure.armEndpoint.replace(/\/$/, ""),
      GITHUB_API_URL: bench.cloud.github.apiUrl,
      GH_TOKEN: scenario.token,
      REPOSITORY: `${scenario.owner}/${scenario.repo}`,
      SSH_HOST: bench.cloud.github.sshHost,
      BRANCH: "main",
      KUSTOMIZATION_PATH: "clusters/staging",
    };
    const first = bench.cloud.traffic.log.length;
    const spawnedAt = performance.now();
    const result = await run("bash", [SCRIPT], env);
    const wallMs = performance.now() - spawnedAt;
    if (result.code !== 0)
      throw new Error(`az-apply.sh exited with ${String(result.code)}:\n${result.output.split("\n").slice(-30).join("\n")}`);
    const log: readonly LoggedRequest[] = bench.cloud.traffic.log.slice(first);
    const phases = phasesOf(log);
    const configurationWrite = log.find((r, i) => phases[i] === "configuration" && r.method === "PUT");
    const written = configurationWrite ? bench.loggedAt(configurationWrite) : Number.NaN;
    const firstReport = monotonic(Date.parse(bench.cloud.azure.agentReports(scenario.clusterId, "flux-system")[0]?.at ?? ""));
    // As measureApply: the agent's git fetch is what the agent took beyond its fixed start after the hand-over.
    const agentFetchMs = firstReport - (written + l.configurationMs) - l.reconciliationMs;
    const critical = criticalPath(l, agentFetchMs);
    const at = (r: LoggedRequest | undefined): number => (r ? bench.loggedAt(r) : Number.NaN);
    const lastPoll = (phase: Phase): LoggedRequest | undefined =>
      log.filter((r, i) => phases[i] === phase && r.path.includes("/operations/")).at(-1);
    const extensionWrite = log.find((r, i) => phases[i] === "extension" && r.method === "PUT");
    return {
      latencies: l,
      wallMs,
      criticalMs: critical.ms,
      ratio: wallMs / critical.ms,
      agentFetchMs,
      extensionLagMs: at(lastPoll("extension")) - (at(extensionWrite) + l.extensionInstallMs),
      configurationLagMs: at(lastPoll("configuration")) - (firstReport + l.operationEndMs),
      armRequests: log.filter((r) => r.service === "arm").length,
      armReads: log.filter((r) => r.service === "arm" && r.method === "GET").length,
      requests: countByPhase(log),
    };
  } finally {
    rmSync(config, { recursive: true, force: true });
  }
}

export interface AzFigures {
  readonly azureCli: string;
  readonly runs: number;
  readonly waiting: string;
  readonly criticalPathMs: Spread;
  readonly wallMs: Spread;
  readonly ratio: Spread;
  readonly agentGitFetchMs: Spread;
  readonly extensionLagMs: Spread;
  readonly configurationLagMs: Spread;
  /** Wall less the critical path and both lags: az's start-up on every call, and the script doing one thing at a time. */
  readonly restMs: Spread;
  readonly armRequests: Spread;
  readonly armReads: Spread;
  /** Requests the local cloud logged, by phase, median over the runs. */
  readonly requestsByPhase: Record<string, number>;
}

const rounded = (s: Spread, digits = 0): Spread => ({
  min: round(s.min, digits),
  median: round(s.median, digits),
  max: round(s.max, digits),
});

export function azFigures(azureCli: string, runs: readonly AzRun[]): AzFigures {
  const phases = Object.keys(runs[0]?.requests ?? {}) as Phase[];
  return {
    azureCli,
    runs: runs.length,
    waiting:
      "az resource create polls each operation itself (Azure SDK poller: Retry-After, else its 30 s default); then az rest reads complianceState every 2 s",
    criticalPathMs: rounded(spread(runs.map((r) => r.criticalMs))),
    wallMs: rounded(spread(runs.map((r) => r.wallMs))),
    ratio: rounded(spread(runs.map((r) => r.ratio)), 3),
    agentGitFetchMs: rounded(spread(runs.map((r) => r.agentFetchMs))),
    extensionLagMs: rounded(spread(runs.map((r) => r.extensionLagMs))),
    configurationLagMs: rounded(spread(runs.map((r) => r.configurationLagMs))),
    restMs: rounded(spread(runs.map((r) => r.wallMs - r.criticalMs - r.extensionLagMs - r.configurationLagMs))),
    armRequests: spread(runs.map((r) => r.armRequests)),
    armReads: spread(runs.map((r) => r.armReads)),
    requestsByPhase: Object.fromEntries(phases.map((p) => [p, spread(runs.map((r) => r.requests[p])).median])),
  };
}

export function printAz(f: AzFigures): void {
  console.log(`scripted az (Azure CLI ${f.azureCli}, scripts/bench/az-apply.sh, ${f.runs} runs, same latencies and phasing): ${f.waiting}`);
  console.log(
    table(
      ["scripted az", "min", "median", "max"],
      [
        ["critical path ms", ...s3(f.criticalPathMs)],
        ["wall ms", ...s3(f.wallMs)],
        ["overhead ratio", ...s3(f.ratio, 3)],
        ["ARM requests per apply", ...s3(f.armRequests)],
        ["ARM reads per apply", ...s3(f.armReads)],
        ["  extensionLag ms", ...s3(f.extensionLagMs)],
        ["  configurationLag ms", ...s3(f.configurationLagMs)],
        ["  rest ms (az start-ups, one step at a time)", ...s3(f.restMs)],
        ["agent git fetch ms", ...s3(f.agentGitFetchMs)],
      ],
    ),
  );
  console.log();
}
