import '../support/use-postgres';
import '../support/low-rate-limit';
import '../support/env';
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import express from 'express';
import pg from 'pg';
import { errorHandler } from '../../src/api/errors';
import { rateLimit } from '../../src/api/rate-limit';
import { closeDb, getDb, type Db } from '../../src/db';
import { createUser } from '../../src/users';
import { spawnApp, untilReady, type AppProcess } from '../support/app-process';
import { freePort } from '../support/ports';

// Two API processes on the test PostgreSQL, as on two machines; a job burst of 4 (low-rate-limit).
let db: Db;
let apis: AppProcess[] = [];
before(async () => {
  db = await getDb();
  apis = await Promise.all([spawnApp('src/api/main.ts'), spawnApp('src/api/main.ts')]);
  await Promise.all(apis.map((api) => untilReady(api)));
});
after(async () => {
  await Promise.all(apis.map((api) => api.stop()));
  await closeDb();
});

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

// An empty body: past both limits it is refused as invalid (400), so no job starts, yet each one counts.
async function post(baseUrl: string, apiKey: string) {
  const res = await fetch(`${baseUrl}/api/insights`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: '{}',
  });
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as any };
}

it('two API processes together refuse the same requests one process would', async () => {
  const [a, b] = apis;
  const alone = await createUser(db, unique('one-api'));
  const spread = await createUser(db, unique('two-apis'));

  const onOne = [];
  for (let i = 0; i < 6; i++) onOne.push(await post(a.baseUrl, alone.apiKey));
  const onTwo = [];
  for (let i = 0; i < 6; i++) onTwo.push(await post((i % 2 === 0 ? a : b).baseUrl, spread.apiKey));

  assert.deepEqual(onOne.map((r) => r.status), [400, 400, 400, 400, 429, 429]);
  assert.deepEqual(onTwo.map((r) => r.status), onOne.map((r) => r.status));
  for (const refused of onTwo.slice(4)) {
    const retryAfter = Number(refused.retryAfter);
    assert.ok(retryAfter >= 1 && retryAfter <= 40, `Retry-After ${refused.retryAfter}`);
    assert.equal(refused.body.error.code, 'rate_limited');
    assert.equal(refused.body.error.details.retryAfterSeconds, retryAfter);
    assert.equal(refused.body.error.details.burst, 4);
  }
  const rows = await db.query<{ key: string; points: number }>(`SELECT key, points FROM rate_limits WHERE key = $1`, [`jobs:${spread.userId}`]);
  // The counts are the shared row, not each process's memory: both processes' requests are in it.
  assert.deepEqual(rows.map((r) => [r.key, r.points]), [[`jobs:${spread.userId}`, 6]]);
});

async function limitedApp(limit: ReturnType<typeof rateLimit>, userId: string): Promise<{ url: string; close(): void }> {
  const app = express();
  app.use((req, _res, next) => ((req.userId = userId), next()));
  app.post('/limited', limit, (_req, res) => res.json({ ok: true }));
  app.use(errorHandler({ error: () => undefined }));
  const server = app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/limited`, close: () => server.close() };
}

it('keeps windows that are not whole milliseconds in the shared store', async () => {
  // 7 a minute: one request per 8571.43 ms.
  const app = await limitedApp(rateLimit({ perMinute: 7, burst: 1, what: 'odd', pool: db.pool }), unique('odd'));
  try {
    assert.equal((await fetch(app.url, { method: 'POST' })).status, 200);
    const refused = await fetch(app.url, { method: 'POST' });
    assert.equal(refused.status, 429);
    assert.equal(refused.headers.get('retry-after'), '9');
  } finally {
    app.close();
  }
});

it('answers 503 rate_limit_unavailable, not 500, when the shared store cannot be reached', async () => {
  const pool = new pg.Pool({ connectionString: `postgres://postgres@127.0.0.1:${await freePort()}/postgres` });
  pool.on('error', () => undefined);
  const app = await limitedApp(rateLimit({ perMinute: 6, burst: 4, what: 'jobs', pool }), 'someone');
  try {
    const res = await fetch(app.url, { method: 'POST' });
    assert.equal(res.status, 503);
    const body = (await res.json()) as any;
    assert.equal(body.error.code, 'rate_limit_unavailable');
    assert.match(body.error.message, /rate-limit store/);
  } finally {
    app.close();
    await pool.end();
  }
});
