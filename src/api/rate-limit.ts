import type { RequestHandler } from 'express';
import type pg from 'pg';
import { RateLimiterMemory, RateLimiterPostgres, RateLimiterRes, RLWrapperTimeouts, type RateLimiterAbstract } from 'rate-limiter-flexible';
import { logger } from '../logging';
import { HttpError } from './errors';

/** Created by migration 019, so no API process issues DDL at run time. */
const TABLE = 'rate_limits';
// A store that hangs would hold every limited request: past this the request answers 503 instead.
const STORE_TIMEOUT_MS = 2_000;

/**
 * Per-user limit: `burst` requests at once, `perMinute` sustained. Two are in use: one over the
 * job-creating routes, and a separate, higher one over every other POST, PUT and DELETE and over search.
 *
 * rate-limiter-flexible counts in fixed windows: `burst` requests per window of burst/perMinute minutes, so
 * a user may send `burst` at once and, sustained, exactly perMinute a minute, however the requests bunch
 * inside a window (at a window's edge, as with any fixed window, up to twice `burst` can pass in a moment).
 * Retry-After is when the window ends.
 *
 * With a pool (PostgreSQL mode) the counts live in PostgreSQL, one row per user and window, so every API
 * process draws from the same ones; the embedded mode is one process and counts in memory. A store that
 * fails or does not answer in time answers 503 `rate_limit_unavailable`: the request is neither let
 * through unlimited nor turned into a 500. A refused request answers 429 with Retry-After, before anything
 * is read or started.
 */
export function rateLimit(opts: { perMinute: number; burst: number; what: string; pool?: pg.Pool }): RequestHandler {
  const window = { keyPrefix: opts.what, points: opts.burst, duration: (opts.burst * 60) / opts.perMinute };
  const limiter: RateLimiterAbstract = opts.pool
    ? new RLWrapperTimeouts({
        limiter: new RateLimiterPostgres({ storeClient: opts.pool, tableName: TABLE, tableCreated: true, ...window }),
        timeoutMs: STORE_TIMEOUT_MS,
      })
    : new RateLimiterMemory(window);

  return (req, res, next) => {
    limiter.consume(req.userId).then(
      () => next(),
      (rejection: unknown) => {
        if (!(rejection instanceof RateLimiterRes)) {
          logger.error({ err: rejection, userId: req.userId }, 'the rate-limit store failed');
          next(new HttpError(503, 'rate_limit_unavailable', 'the shared rate-limit store (PostgreSQL) is unavailable, so the request was not processed; retry shortly'));
          return;
        }
        const retryAfterSec = Math.max(1, Math.ceil(rejection.msBeforeNext / 1000));
        res.setHeader('Retry-After', String(retryAfterSec));
        next(
          new HttpError(429, 'rate_limited', `too many ${opts.what}: at most ${opts.perMinute} per minute (bursts of ${opts.burst}); retry in ${retryAfterSec} s`, {
            limitPerMinute: opts.perMinute,
            burst: opts.burst,
            retryAfterSeconds: retryAfterSec,
          }),
        );
      },
    );
  };
}
