import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Db } from './db';

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key).digest('hex');
}

/** Makes a user and one API key for it; the key is returned once and stored only as a hash. */
export async function createUser(db: Db, name: string, opts: { admin?: boolean } = {}): Promise<{ userId: string; apiKey: string }> {
  const userId = randomUUID();
  const apiKey = `itk_${randomBytes(24).toString('base64url')}`;
  await db.transaction(async (tx) => {
    await tx.query('INSERT INTO users (id, name, is_admin) VALUES ($1, $2, $3)', [userId, name, opts.admin ?? false]);
    await tx.query('INSERT INTO api_keys (key_hash, user_id) VALUES ($1, $2)', [hashApiKey(apiKey), userId]);
  });
  return { userId, apiKey };
}

export async function userForApiKey(db: Db, apiKey: string): Promise<string | undefined> {
  const rows = await db.query<{ user_id: string }>('SELECT user_id FROM api_keys WHERE key_hash = $1', [hashApiKey(apiKey)]);
  return rows[0]?.user_id;
}

/** Admins may act on system-wide things, such as the periodic jobs' schedules. */
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
