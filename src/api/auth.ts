import type { RequestHandler } from 'express';
import type { Db } from '../db';
import { isAdmin, userForApiKey } from '../users';
import { HttpError } from './errors';

declare module 'express-serve-static-core' {
  interface Request {
    id: string;
    userId: string;
  }
}

/** Every /api route needs `Authorization: Bearer <api key>`; the key names the user. */
export function requireUser(db: Db): RequestHandler {
  return async (req, _res, next) => {
    const match = /^Bearer\s+(\S+)$/i.exec(req.header('authorization') ?? '');
    if (!match) return next(new HttpError(401, 'unauthorized', 'missing Authorization: Bearer <api key> header'));
    const userId = await userForApiKey(db, match[1]);
    if (!userId) return next(new HttpError(401, 'unauthorized', 'unknown API key'));
    req.userId = userId;
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
