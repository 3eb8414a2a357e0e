export interface RetryDelayInput {
  /** The attempt that just failed, 1 for the first. */
  attempt: number;
  initialMs: number;
  maxMs: number;
  /** What the receiver asked for with Retry-After, if anything. */
  retryAfterMs?: number;
}

/**
 * The wait before the next delivery attempt: exponential backoff (doubling from initialMs, capped at maxMs)
 * with "equal jitter" (a random point in the upper half), so deliveries that failed together during a
 * receiver's outage do not all come back at the same instant. A Retry-After is honoured as a lower bound,
 * within maxMs.
 */
export function retryDelayMs(input: RetryDelayInput, random: () => number = Math.random): number {
  const backoff = Math.min(input.maxMs, input.initialMs * 2 ** (input.attempt - 1));
  const jittered = backoff / 2 + random() * (backoff / 2);
  return Math.round(Math.min(input.maxMs, Math.max(jittered, input.retryAfterMs ?? 0)));
}
