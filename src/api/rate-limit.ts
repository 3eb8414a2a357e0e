import type { RequestHandler } from 'express';
import { HttpError } from './errors';

interface Bucket {
  tokens: number;
  updatedMs: number;
}

/**
 * Per-user token bucket: `burst` requests at once, refilled at `perMinute`. Two are in use: one over the
 * job-creating routes, and a separate, higher one over every other POST, PUT and DELETE and over search.
 * Held in this API process's memory: with N API processes a user may start up to N times as many, which
 * is acceptable for a guard against runaway clients (Temporal itself is not the bottleneck at that rate).
 * A refused request answers 429 with Retry-After, before anything is read or started.
 */
export function rateLimit(opts: { perMinute: number; burst: number; what: string; now?: () => number }): RequestHandler {
  const now = opts.now ?? Date.now;
  const perMs = opts.perMinute / 60_000;
  const buckets = new Map<string, Bucket>();

  // A bucket refilled to full is the same as no bucket: drop those once many users were seen, so memory stays bounded.
  const sweep = (t: number) => {
    for (const [userId, b] of buckets) if (b.tokens + (t - b.updatedMs) * perMs >= opts.burst) buckets.delete(userId);
  };

  return (req, res, next) => {
    const t = now();
    if (buckets.size > 10_000) sweep(t);
    const bucket = buckets.get(req.userId) ?? { tokens: opts.burst, updatedMs: t };
    bucket.tokens = Math.min(opts.burst, bucket.tokens + (t - bucket.updatedMs) * perMs);
    bucket.updatedMs = t;
    buckets.set(req.userId, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return next();
    }
    const retryAfterSec = Math.ceil((1 - bucket.tokens) / perMs / 1000);
    res.setHeader('Retry-After', String(retryAfterSec));
    next(
      new HttpError(429, 'rate_limited', `too many ${opts.what}: at most ${opts.perMinute} per minute (bursts of ${opts.burst}); retry in ${retryAfterSec} s`, {
        limitPerMinute: opts.perMinute,
        burst: opts.burst,
        retryAfterSeconds: retryAfterSec,
      }),
    );
  };
}
