import '../support/env';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { migrate, openDb, type Db } from '../../src/db';
import { createUser, ensureDevUser, userForApiKey } from '../../src/users';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'itk-db-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const modes: [string, () => Promise<Db>][] = [
  ['embedded (PGlite)', () => openDb({ dataDir: tempDir() })],
  ['PostgreSQL', () => openDb({ databaseUrl: process.env.TEST_DATABASE_URL, dataDir: tempDir() })],
];

for (const [mode, open] of modes) {
  describe(`storage on ${mode}`, () => {
    it('migrates once, and a second run applies nothing', async () => {
      const db = await open();
      try {
        assert.deepEqual(await migrate(db), []);
        const versions = await db.query<{ version: string }>('SELECT version FROM schema_migrations ORDER BY version');
        assert.ok(versions.some((v) => v.version === '001_core'));
      } finally {
        await db.close();
      }
    });

    it('keeps API keys hashed and maps them to their user', async () => {
      const db = await open();
      try {
        const { userId, apiKey } = await createUser(db, 'alice');
        assert.equal((await userForApiKey(db, apiKey))?.userId, userId);
        assert.equal(await userForApiKey(db, `${apiKey}x`), undefined);
        const stored = await db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE user_id = $1', [userId]);
        assert.notEqual(stored[0].key_hash, apiKey);
      } finally {
        await db.close();
      }
    });

    it('rolls a failed transaction back', async () => {
      const db = await open();
      try {
        const id = '00000000-0000-4000-8000-000000000001';
        await assert.rejects(
          db.transaction(async (tx) => {
            await tx.query("INSERT INTO users (id, name) VALUES ($1, 'ghost') ON CONFLICT DO NOTHING", [id]);
            await tx.query('SELECT 1/0');
          }),
        );
        assert.equal((await db.query('SELECT 1 FROM users WHERE id = $1 AND name = $2', [id, 'ghost'])).length, 0);
      } finally {
        await db.close();
      }
    });

    it('has the vector extension', async () => {
      const db = await open();
      try {
        const [row] = await db.query<{ d: number }>("SELECT '[1,0]'::vector <=> '[0,1]'::vector AS d");
        assert.equal(Number(row.d), 1);
      } finally {
        await db.close();
      }
    });
  });
}

it('PostgreSQL: two processes migrating at once apply each migration exactly once', async () => {
  const url = process.env.TEST_DATABASE_URL!;
  const fresh = await openDb({ databaseUrl: url, dataDir: tempDir() });
  const dbName = `concurrent_${Date.now()}`;
  await fresh.query(`CREATE DATABASE ${dbName}`);
  await fresh.close();
  const target = url.replace(/\/[^/]*$/, `/${dbName}`);
  const results = await Promise.all([1, 2, 3].map(() => openDb({ databaseUrl: target, dataDir: tempDir() })));
  const [db] = results;
  const rows = await db.query<{ version: string }>('SELECT version FROM schema_migrations');
  assert.equal(rows.length, new Set(rows.map((r) => r.version)).size);
  await Promise.all(results.map((d) => d.close()));
});

it('creates the development user once and writes its key file', async () => {
  const dataDir = tempDir();
  const db = await openDb({ dataDir });
  try {
    const key = await ensureDevUser(db, dataDir);
    assert.ok(key);
    assert.equal(readFileSync(path.join(dataDir, 'dev-api-key'), 'utf8').trim(), key);
    assert.ok(await userForApiKey(db, key));
    assert.equal(await ensureDevUser(db, dataDir), undefined);
  } finally {
    await db.close();
  }
});
