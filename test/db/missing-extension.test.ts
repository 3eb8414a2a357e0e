import '../support/env';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { extensionError, MissingExtensionError } from '../../src/db/errors';
import { spawnApp } from '../support/app-process';
import { startTestPostgres, type TestPostgres } from '../support/postgres';

// A real PostgreSQL 16 whose installation has no pgvector, as a managed server without it would be.
let server: TestPostgres;
before(async () => {
  server = await startTestPostgres({ withoutExtensions: ['vector'] });
});
after(() => server?.stop());

it('an API or worker process on a server without pgvector exits at start with one line naming the extension', async () => {
  const env = { DATABASE_URL: server.url };
  const [api, worker] = await Promise.all([spawnApp('src/api/main.ts', env), spawnApp('src/workers/main.ts', env, ['--queues', 'maintenance'])]);
  assert.deepEqual(await Promise.all([api.exited, worker.exited]), [1, 1], `${api.output()}\n${worker.output()}`);
  for (const proc of [api, worker]) {
    const lines = proc.output().trim().split('\n');
    assert.equal(lines.length, 1, `one line, not a stack trace:\n${proc.output()}`);
    assert.match(lines[0], /lacks the "vector" extension \(pgvector\)/);
    assert.match(lines[0], new RegExp(`DATABASE_URL \\(127\\.0\\.0\\.1:${new URL(server.url).port}/postgres\\)`));
    assert.match(lines[0], /install it on that server/);
  }
  await Promise.all([api.stop(), worker.stop()]);
});

it('says who must create the extension when the role may not, and leaves other errors alone', () => {
  const forbidden = extensionError(
    Object.assign(new Error('permission denied to create extension "vector"'), { code: '42501' }),
    'postgres://app:secret@db.internal:6543/insights',
  );
  assert.ok(forbidden instanceof MissingExtensionError);
  assert.match(forbidden.message, /DATABASE_URL \(db\.internal:6543\/insights\) may not create the "vector" extension/);
  assert.match(forbidden.message, /CREATE EXTENSION vector;/);
  assert.doesNotMatch(forbidden.message, /secret/);

  const older = extensionError(
    Object.assign(new Error('could not open extension control file "/usr/share/postgresql/13/extension/vector.control": No such file or directory'), { code: '58P01' }),
    'postgres://db/insights',
  );
  assert.equal(older?.extension, 'vector');
  assert.equal(extensionError(Object.assign(new Error('relation "users" does not exist'), { code: '42P01' }), 'postgres://db/x'), undefined);
});
