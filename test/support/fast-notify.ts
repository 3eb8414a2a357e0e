/**
 * Import first in a test file that exercises notifications: retries a few hundred milliseconds apart and a
 * short digest window, so retry and aggregation tests take seconds.
 */
Object.assign(process.env, {
  WEBHOOK_TIMEOUT_SECONDS: '3',
  WEBHOOK_MAX_ATTEMPTS: '4',
  WEBHOOK_RETRY_INITIAL_SECONDS: '0.2',
  WEBHOOK_RETRY_MAX_SECONDS: '1.5',
  DIGEST_WINDOW_SECONDS: '4',
});
