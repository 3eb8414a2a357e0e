import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './db';

// Users and their API keys, for `npm run users` (src/tools/users-cli.ts), /api/admin/users and the start-up
// code. A key is shown once, when it is made; only its SHA-256 is stored, with an id that names it later.

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Names are what the command line and the admin API call users by: short, plain and unique. */
export const USER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** A request about users that cannot be done: its message is one line, fit for the CLI and for a 4xx. */
export class UserError extends Error {
  constructor(
    readonly kind: 'invalid' | 'not_found' | 'conflict',
    message: string,
  ) {
    super(message);
    this.name = 'UserError';
  }
}

export interface NewKey {
  userId: string;
  keyId: string;
  apiKey: string;
}

function checkName(name: string): void {
  if (!USER_NAME.test(name)) {
    throw new UserError('invalid', `bad user name ${JSON.stringify(name)}: 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit`);
  }
}

async function insertKey(db: Db, userId: string): Promise<{ keyId: string; apiKey: string }> {
  const keyId = randomUUID();
  const apiKey = `itk_${randomBytes(24).toString('base64url')}`;
  await db.query('INSERT INTO api_keys (id, key_hash, user_id) VALUES ($1, $2, $3)', [keyId, hashApiKey(apiKey), userId]);
  return { keyId, apiKey };
}

/** Makes a user and one API key for it. */
export async function createUser(db: Db, name: string, opts: { admin?: boolean } = {}): Promise<NewKey> {
  checkName(name);
  const userId = randomUUID();
  return db.transaction(async (tx) => {
    const inserted = await tx.query('INSERT INTO users (id, name, is_admin) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id', [
      userId,
      name,
      opts.admin ?? false,
    ]);
    if (inserted.length === 0) throw new UserError('conflict', `user ${name} already exists`);
    return { userId, ...(await insertKey(tx, userId)) };
  });
}

async function userIdByName(db: Db, name: string): Promise<string> {
  checkName(name);
  const [user] = await db.query<{ id: string }>('SELECT id FROM users WHERE name = $1', [name]);
  if (!user) throw new UserError('not_found', `no user named ${name}`);
  return user.id;
}

/** Another key for the user (to rotate: make one, switch the clients to it, revoke the old one). */
export async function newApiKey(db: Db, name: string): Promise<NewKey> {
  const userId = await userIdByName(db, name);
  return { userId, ...(await insertKey(db, userId)) };
}

const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Revokes a key at once: every API process reads the key's row on each request. Revoking again changes nothing. */
export async function revokeApiKey(db: Db, keyId: string): Promise<void> {
  if (!KEY_ID.test(keyId)) throw new UserError('not_found', `no API key with id ${keyId}`);
  const rows = await db.query('UPDATE api_keys SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 RETURNING id', [keyId]);
  if (rows.length === 0) throw new UserError('not_found', `no API key with id ${keyId}`);
}

/** Deletes the user, their keys and everything they own (insights, audio, webhooks, events). */
export async function deleteUser(db: Db, name: string): Promise<void> {
  const userId = await userIdByName(db, name);
  await db.query('DELETE FROM users WHERE id = $1', [userId]);
}

export interface UserView {
  id: string;
  name: string;
  admin: boolean;
  createdAt: Date;
  keys: { id: string; createdAt: Date; revokedAt: Date | null }[];
}

export async function listUsers(db: Db): Promise<UserView[]> {
  const users = await db.query<Omit<UserView, 'keys'>>('SELECT id, name, is_admin AS admin, created_at AS "createdAt" FROM users ORDER BY name');
  const keys = await db.query<{ id: string; userId: string; createdAt: Date; revokedAt: Date | null }>(
    'SELECT id, user_id AS "userId", created_at AS "createdAt", revoked_at AS "revokedAt" FROM api_keys ORDER BY created_at, id',
  );
  return users.map((u) => ({
    ...u,
    keys: keys.filter((k) => k.userId === u.id).map(({ id, createdAt, revokedAt }) => ({ id, createdAt, revokedAt })),
  }));
}

/**
 * The user and key id of a key that is not revoked. Read from the database on every request, with no cache,
 * so a revocation holds at once on every API process (one indexed lookup per request).
 */
export async function userForApiKey(db: Db, apiKey: string): Promise<{ userId: string; keyId: string } | undefined> {
  const rows = await db.query<{ user_id: string; id: string }>('SELECT user_id, id FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL', [
    hashApiKey(apiKey),
  ]);
  return rows[0] && { userId: rows[0].user_id, keyId: rows[0].id };
}

/** Whether the key is still good and still the user's: a stream token dies with the key that asked for it. */
export async function apiKeyActive(db: Db, keyId: string, userId: string): Promise<boolean> {
  const rows = await db.query('SELECT 1 FROM api_keys WHERE id = $1 AND user_id = $2 AND revoked_at IS NULL', [keyId, userId]);
  return rows.length > 0;
}

/** Admins may act on system-wide things, such as the periodic jobs' schedules and the users. */
export async function isAdmin(db: Db, userId: string): Promise<boolean> {
  const rows = await db.query<{ is_admin: boolean }>('SELECT is_admin FROM users WHERE id = $1', [userId]);
  return rows[0]?.is_admin === true;
}

/**
 * On a first start with no user at all, makes a development user (an admin) and writes its key to
 * DATA_DIR/dev-api-key, so a fresh clone can call the API at once. Returns the key when it made one.
 */
export async function ensureDevUser(db: Db, dataDir: string): Promise<string | undefined> {
  const keyFile = path.join(dataDir, 'dev-api-key');
  const [{ count }] = await db.query<{ count: string }>('SELECT count(*)::text AS count FROM users');
  if (count !== '0') return undefined;
  const { apiKey } = await createUser(db, 'dev', { admin: true });
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(keyFile, `${apiKey}\n`, { mode: 0o600 });
  return apiKey;
}
