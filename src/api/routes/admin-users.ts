import { Router, type ErrorRequestHandler } from 'express';
import { z } from 'zod';
import type { Db } from '../../db';
import { createUser, deleteUser, listUsers, newApiKey, revokeApiKey, USER_NAME, UserError } from '../../users';
import { HttpError, parse } from '../errors';

const nameParams = z.object({ name: z.string().regex(USER_NAME, 'a user name: 1-64 letters, digits, ".", "_" or "-"') });
const keyParams = z.object({ keyId: z.uuid('must be an API key id (a UUID)') });
const newUserBody = z.object({ name: z.string().regex(USER_NAME, 'a user name: 1-64 letters, digits, ".", "_" or "-"'), admin: z.boolean().default(false) }).strict();

const STATUS = { invalid: 400, not_found: 404, conflict: 409 } as const;

/** UserError from src/users.ts becomes the API's error shape. */
const userErrors: ErrorRequestHandler = (err, _req, _res, next) => {
  if (err instanceof UserError) return next(new HttpError(STATUS[err.kind], err.kind === 'invalid' ? 'invalid_request' : err.kind, err.message));
  next(err);
};

/**
 * `/api/admin/users…` (admins only): what `npm run users` does, over the API. A new key is in the answer
 * once and never again; the key ids listed are what revocation takes.
 */
export function adminUserRoutes(deps: { db: Db }): Router {
  const router = Router();

  router.get('/users', async (_req, res) => {
    res.json({ users: await listUsers(deps.db) });
  });

  router.post('/users', async (req, res) => {
    const { name, admin } = parse(newUserBody, req.body, 'body');
    const made = await createUser(deps.db, name, { admin });
    res.status(201).json({ name, admin, ...made });
  });

  router.post('/users/:name/keys', async (req, res) => {
    const { name } = parse(nameParams, req.params, 'params');
    res.status(201).json({ name, ...(await newApiKey(deps.db, name)) });
  });

  router.delete('/users/:name', async (req, res) => {
    const { name } = parse(nameParams, req.params, 'params');
    await deleteUser(deps.db, name);
    res.status(204).end();
  });

  router.delete('/keys/:keyId', async (req, res) => {
    const { keyId } = parse(keyParams, req.params, 'params');
    await revokeApiKey(deps.db, keyId);
    res.status(204).end();
  });

  router.use(userErrors);
  return router;
}
