-- The per-user rate limits' shared counts (rate-limiter-flexible's RateLimiterPostgres, opened with
-- tableCreated: true): one row per limiter, user and window. `expire` is epoch milliseconds, and fractional
-- where the library's own schema says bigint: a window of 60/perMinute seconds (7 a minute: 8571.43 ms) need
-- not be whole milliseconds. The library deletes rows expired an hour ago every five minutes. Unused in the
-- embedded mode.
CREATE TABLE IF NOT EXISTS rate_limits (
  key varchar(255) PRIMARY KEY,
  points integer NOT NULL DEFAULT 0,
  expire double precision
);
