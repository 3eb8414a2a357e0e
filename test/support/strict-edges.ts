/** Import first: CORS for one origin, /metrics behind a token, and small request and job buckets. */
Object.assign(process.env, {
  CORS_ORIGINS: 'https://app.example.com,https://admin.example.com',
  METRICS_TOKEN: 'metrics-secret-token',
  RATE_LIMIT_REQUESTS_BURST: '8',
  RATE_LIMIT_REQUESTS_PER_MINUTE: '6',
  RATE_LIMIT_BURST: '2',
  RATE_LIMIT_JOBS_PER_MINUTE: '1',
});
