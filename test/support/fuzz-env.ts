/**
 * Import first: buckets out of the way (this is about malformed input, and 429s would hide the routes behind
 * them) and the webhook address check on, as in production.
 */
Object.assign(process.env, {
  RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
  RATE_LIMIT_REQUESTS_BURST: '1000000',
  RATE_LIMIT_JOBS_PER_MINUTE: '1000000',
  RATE_LIMIT_BURST: '1000000',
  WEBHOOK_ALLOW_PRIVATE: 'false',
});
