import type { RetryPolicy } from '@temporalio/common';

/**
 * Default activity retries: exponential backoff from 1 s doubling to a 1 min cap, 6 attempts in all
 * (about 1 min of trying), enough to ride out a restarting database or worker without hiding a real bug
 * for long. Input errors are never retried: the same input fails the same way.
 */
export const DEFAULT_RETRY: RetryPolicy = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '1m',
  maximumAttempts: 6,
  nonRetryableErrorTypes: ['InvalidInputError'],
};
