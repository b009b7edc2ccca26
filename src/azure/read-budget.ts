// ARM's read budget, as ARM itself reports it, so that a fleet of runs slows down before ARM refuses its reads.
// ARM throttles reads in token buckets: 250 reads refilled at 25 a second per subscription, service principal and
// region, and a global bucket for the subscription across principals, 15 times that; beyond them it answers 429
// (https://learn.microsoft.com/azure/azure-resource-manager/management/request-limits-and-throttling, "Regional
// throttling and token bucket algorithm"). Every answer says what is left: `x-ms-ratelimit-remaining-subscription-reads`
// (the same article, "Remaining requests"). The global bucket's `x-ms-ratelimit-remaining-subscription-global-reads` is
// not in that article; a monitoring vendor's docs name it (https://coralogix.com/docs/integrations/azure/microsoft-azure-api-rate-limits/),
// so it is read when present and changes nothing when absent.
//
// The waits (src/poll.ts) ask `pace()` before each pause. While at least half a bucket is left, the cadence runs as
// it is (1); below that, each pause is stretched by half-bucket / remaining, up to 8 times. N runs sharing one
// identity, each reading about once a second, then settle where together they read what the bucket refills:
// N × (remaining / 125) = 25, so 50 runs read about 0.5 a second each, with ~60 reads left and no 429; only beyond
// ~200 runs does the stretch reach its bound and ARM's 429 with Retry-After take over (src/azure/throttling.ts).
import type { PipelinePolicy } from "@azure/core-rest-pipeline";

/** Half of each documented bucket: per principal (250) and global (15 × 250). */
const AMPLE = { principal: 125, global: 1_875 } as const;
const MOST_STRETCH = 8;

const HEADERS = {
  principal: "x-ms-ratelimit-remaining-subscription-reads",
  global: "x-ms-ratelimit-remaining-subscription-global-reads",
} as const;

type Scope = keyof typeof HEADERS;

export class ReadBudget {
  private readonly remaining: Partial<Record<Scope, number>> = {};

  /** Takes in what an ARM answer says is left (answers without the headers change nothing). */
  observe(headers: { get(name: string): string | undefined }): void {
    for (const scope of Object.keys(HEADERS) as Scope[]) {
      const value = Number.parseInt(headers.get(HEADERS[scope]) ?? "", 10);
      if (Number.isFinite(value) && value >= 0) this.remaining[scope] = value;
    }
  }

  /** How much to stretch the next pause: 1 while half a bucket or more is left, up to 8 as it runs dry. */
  readonly pace = (): number => {
    let stretch = 1;
    for (const scope of Object.keys(HEADERS) as Scope[]) {
      const left = this.remaining[scope];
      if (left !== undefined && left < AMPLE[scope]) stretch = Math.max(stretch, AMPLE[scope] / Math.max(1, left));
    }
    return Math.min(MOST_STRETCH, stretch);
  };
}

/** Notes the remaining reads of every ARM answer (each try, 429s included). */
export function readBudgetPolicy(budget: ReadBudget): PipelinePolicy {
  return {
    name: "aksFluxBootstrapReadBudget",
    async sendRequest(request, next) {
      const response = await next(request);
      budget.observe(response.headers);
      return response;
    },
  };
}
