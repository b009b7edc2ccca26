// Shared HTTP plumbing for the local cloud: a tiny router, the request log every service writes to,
// and fault injection that any route can be made to answer with for its next N calls.
import type { IncomingMessage, ServerResponse } from "node:http";

export interface LoggedRequest {
  readonly service: string;
  readonly method: string;
  /** Path and query, e.g. `/repos/o/r/keys?per_page=100`. */
  readonly path: string;
  readonly status: number;
  /** Request body with secrets redacted (see `redact`). */
  readonly body: unknown;
  readonly at: number;
}

/**
 * status: answer with `status` instead of handling the request. reset: drop the connection before handling it.
 * slow: stall, then handle normally. lost: handle the request (the server commits it), then lose the answer: the
 * connection drops, or, with `status`, a proxy's error replaces it (a 502 from a gateway that timed out on the
 * backend: Azure Front Door answers 502/503 when the origin does not answer in time, learn.microsoft.com/azure/frontdoor/troubleshoot-issues;
 * GitHub's API answers 502 on a timed-out request, docs.github.com "Troubleshooting the REST API", Timeouts). pass: handle and answer normally (with `onAnswered`, to act
 * right after a chosen request, e.g. cancel the client as the runner does).
 */
export type FaultKind = "status" | "reset" | "slow" | "lost" | "pass";

export interface FaultSpec {
  /** Which service: "github", "arm", "entra", "oidc". Empty matches all. */
  readonly service?: string;
  readonly method?: string;
  /** Matched against the path without the query string; a string must be contained in it. */
  readonly path: RegExp | string;
  readonly kind: FaultKind;
  /** For kind "status": 429, 500, 503, 403 ... */
  readonly status?: number;
  /** Seconds, sent as Retry-After with a status fault. */
  readonly retryAfter?: number;
  /** For kind "slow": how long to stall before answering normally. */
  readonly delayMs?: number;
  /** Body for a status fault; defaults to a service-shaped error. */
  readonly body?: unknown;
  /** How many matching calls it applies to (Infinity for all). */
  readonly times: number;
  /** Called once the matching request has been answered (or its answer lost), with what the server did. */
  readonly onAnswered?: (request: LoggedRequest) => void;
}

interface ActiveFault extends FaultSpec {
  remaining: number;
  hits: number;
}

export interface Traffic {
  readonly log: LoggedRequest[];
  readonly faults: ActiveFault[];
  /** Milliseconds every request of a service waits before it is handled (a WAN round trip), by service name. */
  readonly latencyMs: Record<string, number>;
}

export function createTraffic(): Traffic {
  return { log: [], faults: [], latencyMs: {} };
}

/** Adds a fault; returns a function that tells how many calls it has hit so far. */
export function injectFault(traffic: Traffic, spec: FaultSpec): () => number {
  const fault: ActiveFault = { ...spec, remaining: spec.times, hits: 0 };
  traffic.faults.push(fault);
  return () => fault.hits;
}

export function clearFaults(traffic: Traffic): void {
  traffic.faults.length = 0;
}

export interface Request {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingMessage["headers"];
  readonly text: string;
  readonly params: Readonly<Record<string, string>>;
}

export interface Response {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** A Buffer is sent as bytes, an object as JSON, a string as text, undefined as an empty body. */
  readonly body?: unknown;
}

export type Handler = (request: Request) => Response | Promise<Response>;

export interface Route {
  readonly method: string;
  /** Named groups become `params`. Matched against the decoded path without query. */
  readonly pattern: RegExp;
  readonly handler: Handler;
}

export interface ServiceOptions {
  readonly name: string;
  readonly routes: readonly Route[];
  readonly traffic: Traffic;
  /** Shapes an error body the way this service does (ARM, GitHub and Entra differ). */
  readonly errorBody: (status: number, message: string) => unknown;
}

const SECRET_KEYS = /^(configurationProtectedSettings|client_assertion|access_token|encrypted_value|value|password|sshPrivateKey)$/i;

/** Replaces secret-bearing fields with "[redacted]" at any depth. */
export function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, SECRET_KEYS.test(key) ? "[redacted]" : redact(inner)]));
  }
  return value;
}

function parseBody(text: string, contentType: string | undefined): unknown {
  if (!text) return undefined;
  if (contentType?.includes("application/x-www-form-urlencoded")) {
    return Object.fromEntries(new URLSearchParams(text));
  }
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function takeFault(traffic: Traffic, service: string, method: string, path: string): ActiveFault | undefined {
  const fault = traffic.faults.find(
    (f) =>
      f.remaining > 0 &&
      (!f.service || f.service === service) &&
      (!f.method || f.method.toUpperCase() === method) &&
      (typeof f.path === "string" ? path.includes(f.path) : f.path.test(path)),
  );
  if (fault) {
    fault.remaining -= 1;
    fault.hits += 1;
  }
  return fault;
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function send(res: ServerResponse, response: Response): void {
  const headers: Record<string, string> = { ...response.headers };
  let payload: string | Buffer = "";
  if (Buffer.isBuffer(response.body)) {
    payload = response.body;
    headers["content-type"] ??= "application/octet-stream";
  } else if (typeof response.body === "string") {
    payload = response.body;
    headers["content-type"] ??= "text/plain; charset=utf-8";
  } else if (response.body !== undefined) {
    payload = JSON.stringify(response.body);
    headers["content-type"] ??= "application/json; charset=utf-8";
  }
  headers["content-length"] = String(Buffer.byteLength(payload));
  res.writeHead(response.status, headers);
  res.end(payload);
}

/** Builds a node request listener that routes, logs and applies faults. */
export function createService(options: ServiceOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const { name, routes, traffic, errorBody } = options;
  return (req, res) => {
    void (async () => {
      const text = await readText(req);
      const url = new URL(req.url ?? "/", "http://local");
      const method = (req.method ?? "GET").toUpperCase();
      const path = decodeURIComponent(url.pathname);
      const logged = (status: number): void => {
        traffic.log.push({
          service: name,
          method,
          path: url.pathname + url.search,
          status,
          body: redact(parseBody(text, req.headers["content-type"])),
          at: Date.now(),
        });
      };
      const latency = traffic.latencyMs[name] ?? 0;
      if (latency > 0) await new Promise((r) => setTimeout(r, latency));
      const fault = takeFault(traffic, name, method, path);
      if (fault?.kind === "reset") {
        logged(0);
        req.socket.destroy();
        fault.onAnswered?.(traffic.log[traffic.log.length - 1] as LoggedRequest);
        return;
      }
      if (fault?.kind === "slow") await new Promise((r) => setTimeout(r, fault.delayMs ?? 1000));
      if (fault?.kind === "status") {
        const status = fault.status ?? 500;
        const headers: Record<string, string> = fault.retryAfter === undefined ? {} : { "retry-after": String(fault.retryAfter) };
        logged(status);
        send(res, { status, headers, body: fault.body ?? errorBody(status, `Injected fault: ${status}`) });
        fault.onAnswered?.(traffic.log[traffic.log.length - 1] as LoggedRequest);
        return;
      }
      let response: Response;
      const route = routes
        .filter((r) => r.method === method || r.method === "*")
        .map((r) => ({ r, m: r.pattern.exec(path) }))
        .find((x) => x.m);
      try {
        response = route
          ? await route.r.handler({ method, url, headers: req.headers, text, params: { ...route.m?.groups } })
          : { status: 404, body: errorBody(404, `No route for ${method} ${path}`) };
      } catch (error) {
        response = { status: 500, body: errorBody(500, error instanceof Error ? error.message : String(error)) };
      }
      logged(response.status);
      const answered = traffic.log[traffic.log.length - 1] as LoggedRequest;
      if (fault?.kind === "lost" && fault.status === undefined) req.socket.destroy();
      else if (fault?.kind === "lost") {
        const status = fault.status ?? 502;
        send(res, { status, headers: { "content-type": "text/html" }, body: proxyError(status) });
      } else send(res, response);
      fault?.onAnswered?.(answered);
    })().catch(() => res.destroy());
  };
}

/** What a gateway in front of the service answers when it lost the backend's answer (an HTML page, not the API's JSON). */
function proxyError(status: number): string {
  return `<html><head><title>${status} Bad Gateway</title></head><body><center><h1>${status} Bad Gateway</h1></center></body></html>`;
}

/** Parses a JSON request body, or returns undefined when it is not JSON. */
export function jsonBody(request: Request): unknown {
  try {
    return request.text ? JSON.parse(request.text) : undefined;
  } catch {
    return undefined;
  }
}
