// Azure Resource Manager's subscription throttling, when switched on (off by default): a token bucket per subscription
// and operation type, scaled down by the switch so a test sees it within seconds. Evidence,
// https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling ("Regional
// throttling and token bucket algorithm"): Subscription reads: bucket 250, refill 25 per second; deletes: 200, 10;
// writes: 200, 10; "The subscription limits apply per subscription, per service principal, and per operation type"
// (every request here comes from one principal per subscription, so the bucket is per subscription). Over the limit:
// "HTTP status code 429 Too many requests. The response includes a Retry-After value, which specifies the number of
// seconds your application should wait"; remaining requests in `x-ms-ratelimit-remaining-subscription-reads` /
// `-writes` / `-deletes`. The error code is not in the article: SubscriptionRequestsThrottled is the one ARM's answers
// carry (quoted in Azure CLI and SDK issue reports), with a message of the same shape as below.
import type { Handler } from "../http.ts";

export type ArmOperation = "reads" | "writes" | "deletes";

export interface Bucket {
  readonly size: number;
  readonly refillPerSecond: number;
}

export type ArmThrottling = Readonly<Record<ArmOperation, Bucket>>;

/** The article's numbers. */
export const ARM_THROTTLING: ArmThrottling = {
  reads: { size: 250, refillPerSecond: 25 },
  writes: { size: 200, refillPerSecond: 10 },
  deletes: { size: 200, refillPerSecond: 10 },
};

/** The article's buckets with sizes and refill rates divided by `divideBy` (sizes at least 1). */
export function scaledArmThrottling(divideBy: number): ArmThrottling {
  const scale = (b: Bucket): Bucket => ({
    size: Math.max(1, Math.floor(b.size / divideBy)),
    refillPerSecond: b.refillPerSecond / divideBy,
  });
  return { reads: scale(ARM_THROTTLING.reads), writes: scale(ARM_THROTTLING.writes), deletes: scale(ARM_THROTTLING.deletes) };
}

export interface ThrottlingState {
  settings: ArmThrottling | undefined;
  /** Tokens and last refill per `subscription/operation`. */
  readonly buckets: Map<string, { tokens: number; at: number }>;
  /** 429s answered. */
  throttled: number;
}

export function createThrottlingState(): ThrottlingState {
  return { settings: undefined, buckets: new Map(), throttled: 0 };
}

function operationOf(method: string): ArmOperation {
  const m = method.toUpperCase();
  return m === "DELETE" ? "deletes" : m === "GET" || m === "HEAD" ? "reads" : "writes";
}

/** Takes one token from the request's bucket, or answers 429 with Retry-After when it is empty. */
export function withArmThrottling(state: ThrottlingState, handler: Handler): Handler {
  return async (request) => {
    const settings = state.settings;
    const subscription = /^\/subscriptions\/([^/]+)/i.exec(request.url.pathname)?.[1]?.toLowerCase();
    if (!settings || !subscription) return handler(request);
    const operation = operationOf(request.method);
    const bucket = settings[operation];
    const key = `${subscription}/${operation}`;
    const now = Date.now();
    const held = state.buckets.get(key) ?? { tokens: bucket.size, at: now };
    held.tokens = Math.min(bucket.size, held.tokens + ((now - held.at) / 1000) * bucket.refillPerSecond);
    held.at = now;
    state.buckets.set(key, held);
    const remaining = { [`x-ms-ratelimit-remaining-subscription-${operation}`]: String(Math.max(0, Math.floor(held.tokens) - 1)) };
    if (held.tokens < 1) {
      state.throttled += 1;
      const seconds = Math.max(1, Math.ceil((1 - held.tokens) / bucket.refillPerSecond));
      const kind = operation.replace(/s$/, "");
      return {
        status: 429,
        headers: { "retry-after": String(seconds), ...remaining },
        body: {
          error: {
            code: "SubscriptionRequestsThrottled",
            message:
              `Number of '${kind}' requests for subscription '${subscription}' exceeded. Please try again after '${seconds}' seconds ` +
              "after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.",
          },
        },
      };
    }
    held.tokens -= 1;
    const response = await handler(request);
    return { ...response, headers: { ...remaining, ...response.headers } };
  };
}
