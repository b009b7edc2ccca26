// Azure Resource Manager's throttling, waited out inside wait-timeout: a 429 Too Many Requests with Retry-After
// (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling: "When you reach
// the limit, you receive the HTTP status code 429 Too many requests. The response includes a Retry-After value, which
// specifies the number of seconds your application should wait"). A pipeline policy next to the transport (after the
// SDK's retry policy), so the SDK's own throttling retry, which sleeps whatever Retry-After says, never sees a 429.
import type { PipelinePolicy, PipelineResponse } from "@azure/core-rest-pipeline";
import { retryAfterMs } from "../poll.ts";
import { rateLimitError, waitOut, type LimitHit } from "../rate-limits.ts";

/** Without Retry-After (ARM always sends one; a resource provider may not): a few seconds, doubling. */
const FALLBACK_MS = 5_000;

/**
 * Retry-After, plus a random part of it as long as the deadline allows: runs of one identity that were refused
 * together (a fleet sharing ARM's bucket) would otherwise all come back at the same instant and be refused together
 * again. Never sooner than ARM asked. ("Exponential Backoff And Jitter",
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/; Azure's retry guidance, "randomize the
 * delay": https://learn.microsoft.com/azure/architecture/best-practices/transient-faults.)
 */
function spread(askedMs: number, deadline: number): number {
  const jittered = askedMs * (1 + Math.random());
  return performance.now() + jittered < deadline ? jittered : askedMs;
}

/** The limit ARM names in the answer: the error code (SubscriptionRequestsThrottled, TenantRequestsThrottled, …). */
function limitOf(response: PipelineResponse): string {
  let code: string;
  try {
    code = (JSON.parse(response.bodyAsText ?? "{}") as { error?: { code?: string } }).error?.code ?? "";
  } catch {
    code = "";
  }
  return `Azure Resource Manager throttling (HTTP 429${code ? ` ${code}` : ""})`;
}

/** Waits out every 429 while the wait ends before `deadline`; then fails naming the limit. */
export function throttlingPolicy(deadline: number): PipelinePolicy {
  return {
    name: "aksFluxBootstrapThrottling",
    async sendRequest(request, next) {
      for (let attempt = 1; ; attempt += 1) {
        const response = await next(request);
        if (response.status !== 429) return response;
        const asked = retryAfterMs(response.headers.get("retry-after"));
        const hit: LimitHit = {
          limit: limitOf(response),
          request: `${request.method} ${request.url.replace(/^https:\/\/[^/]+/i, "").replace(/\?.*$/, "")}`,
          waitMs: asked !== undefined ? spread(asked, deadline) : FALLBACK_MS * 2 ** Math.min(attempt - 1, 5),
          reason: asked !== undefined ? `Retry-After: ${response.headers.get("retry-after") ?? ""}` : "no Retry-After: back-off",
          attempt,
        };
        if (performance.now() + hit.waitMs >= deadline) throw rateLimitError(hit, deadline);
        await waitOut(hit, deadline);
      }
    },
  };
}
