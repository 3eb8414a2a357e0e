-- The per-user rate limits' shared counts (rate-limiter-flexible's RateLimiterPostgres, opened with
-- tableCreated: true): its own schema, one row per limiter, user and window; `expire` is epoch milliseconds.
-- The library deletes rows expired an hour ago every five minutes. Unused in the embedded mode.
CREATE TABLE IF NOT EXISTS rate_limits (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire bigint
);
