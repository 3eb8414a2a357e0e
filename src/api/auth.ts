import type { RequestHandler } from 'express';
import type { Db } from '../db';
import { apiKeyActive, isAdmin, userForApiKey } from '../users';
import { HttpError } from './errors';
import { verifyStreamToken } from './stream-tokens';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    userId: string;
    /** The API key (or the key behind the stream token) the request came with. */
    keyId: string;
    /** Set when a stream token, not the key itself, authenticated the request. */
    streamToken?: boolean;
  }
}

/** Every /api route needs `Authorization: Bearer <api key>`; the key names the user. A revoked key is unknown. */
export function requireUser(db: Db): RequestHandler {
  return async (req, _res, next) => {
    if (req.userId) return next();
    const match = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '');
    if (!match) return next(new HttpError(401, 'unauthorized', 'missing Authorization: Bearer <api key> header'));
    const key = await userForApiKey(db, match[1]);
    if (!key) return next(new HttpError(401, 'unauthorized', 'unknown API key'));
    req.userId = key.userId;
    req.keyId = key.keyId;
    next();
  };
}

export const badStreamToken = () => new HttpError(401, 'unauthorized', 'invalid stream token');

/**
 * Before requireUser, on the two stream routes only: a `?token=` from POST /api/stream-tokens stands for the key.
 * A bad token (malformed, forged, expired, or its key revoked) answers 401 and says nothing more, and so does
 * a good token used for another user's job (src/api/routes/job-events.ts); a request with no token goes on to
 * the usual header check.
 */
export function acceptStreamToken(db: Db, secret: () => Promise<Buffer>): RequestHandler {
  return async (req, _res, next) => {
    const token = req.query.token;
    if (token === undefined) return next();
    const claims = typeof token === 'string' ? verifyStreamToken(await secret(), token) : undefined;
    if (!claims || !(await apiKeyActive(db, claims.keyId, claims.userId))) {
      return next(badStreamToken());
    }
    req.userId = claims.userId;
    req.keyId = claims.keyId;
    req.streamToken = true;
    next();
  };
}

/** After requireUser: system-wide routes answer 403 to anyone but an admin. */
export function requireAdmin(db: Db): RequestHandler {
  return async (req, _res, next) => {
    if (await isAdmin(db, req.userId)) return next();
    next(new HttpError(403, 'forbidden', 'this route is for admin users only'));
  };
}
