import '../support/use-postgres';
import '../support/env';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { closeServer, listen } from '../../src/api/server';
import { config } from '../../src/config';
import { openDb, type Db } from '../../src/db';
import { createUser } from '../../src/users';
import { PROJECT_ROOT } from '../../src/tools/venv';
import { startStack, type TestStack } from '../support/stack';

// PostgreSQL mode: the CLI is another process on the same database, and a second API server (its own pool)
// stands for another API machine.
let stack: TestStack;
let secondDb: Db;
let second: Server;
let secondUrl: string;
before(async () => {
  stack = await startStack({ queues: [] });
  secondDb = await openDb({ databaseUrl: process.env.DATABASE_URL, dataDir: config().dataDir });
  second = await listen({ client: stack.client, db: secondDb, cfg: config() });
  secondUrl = `http://127.0.0.1:${(second.address() as AddressInfo).port}`;
});
after(async () => {
  if (second) await closeServer(second);
  await secondDb?.close();
  await stack?.stop();
});

function users(...args: string[]) {
  const run = spawnSync(process.execPath, ['--import', 'tsx', 'src/tools/users-cli.ts', ...args], {
    cwd: PROJECT_ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn' },
    encoding: 'utf8',
  });
  return { code: run.status, stdout: run.stdout, stderr: run.stderr };
}

const keyOf = (stdout: string) => ({ apiKey: /^api key: (\S+)$/m.exec(stdout)![1], keyId: /^key id: {2}(\S+)$/m.exec(stdout)![1] });

async function status(baseUrl: string, apiKey: string): Promise<number> {
  return (await fetch(`${baseUrl}/api/jobs?limit=1`, { headers: { authorization: `Bearer ${apiKey}` } })).status;
}

const unique = (prefix: string) => `${prefix}-${Math.random().toString(36).slice(2, 8)}`;

describe('npm run users', () => {
  it('creates a user whose key works, adds a key, revokes one (401 at once on both API servers) and deletes the user', async () => {
    const name = unique('carol');
    const created = users('create', name);
    assert.equal(created.code, 0, created.stderr);
    const first = keyOf(created.stdout);
    assert.equal(await status(stack.baseUrl, first.apiKey), 200);
    assert.equal(await status(secondUrl, first.apiKey), 200);

    const added = users('new-key', name);
    assert.equal(added.code, 0, added.stderr);
    const second = keyOf(added.stdout);
    const listed = users('list');
    assert.equal(listed.code, 0);
    assert.match(listed.stdout, new RegExp(`^${name}  id `, 'm'));
    assert.ok(listed.stdout.includes(first.keyId) && listed.stdout.includes(second.keyId));
    assert.ok(!listed.stdout.includes(first.apiKey), 'keys are never shown again');
    const [stored] = await stack.db.query<{ key_hash: string }>('SELECT key_hash FROM api_keys WHERE id = $1', [first.keyId]);
    assert.notEqual(stored.key_hash, first.apiKey);

    const revoked = users('revoke-key', first.keyId);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.equal(await status(stack.baseUrl, first.apiKey), 401);
    assert.equal(await status(secondUrl, first.apiKey), 401);
    assert.equal(await status(secondUrl, second.apiKey), 200, 'the other key still works');
    assert.match(users('list').stdout, new RegExp(`key ${first.keyId} .* revoked `));

    assert.equal(users('delete', name).code, 0);
    assert.equal(await status(stack.baseUrl, second.apiKey), 401);
  });

  it('makes admins with --admin', async () => {
    const name = unique('root');
    const { apiKey } = keyOf(users('create', name, '--admin').stdout);
    const res = await fetch(`${stack.baseUrl}/api/admin/users`, { headers: { authorization: `Bearer ${apiKey}` } });
    assert.equal(res.status, 200);
  });

  it('says in one line what is wrong, with a non-zero exit', () => {
    const name = unique('dave');
    assert.equal(users('create', name).code, 0);
    for (const [args, message] of [
      [['create', 'bad name'], /^error: bad user name "bad name"/],
      [['create', name], new RegExp(`^error: user ${name} already exists`)],
      [['new-key', 'nobody-here'], /^error: no user named nobody-here/],
      [['delete', 'nobody-here'], /^error: no user named nobody-here/],
      [['revoke-key', '6f1c2d3e-0000-4000-8000-000000000000'], /^error: no API key with id 6f1c2d3e-0000-4000-8000-000000000000/],
      [['revoke-key', 'not-a-key-id'], /^error: no API key with id not-a-key-id/],
    ] as [string[], RegExp][]) {
      const run = users(...args);
      assert.notEqual(run.code, 0, args.join(' '));
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1, `one line: ${run.stderr}`);
    }
    const usage = users('frobnicate');
    assert.equal(usage.code, 2);
    assert.match(usage.stderr, /^usage: npm run users/);
  });
});

describe('/api/admin/users', () => {
  let admin: { apiKey: string };
  before(async () => {
    admin = await createUser(stack.db, unique('admin'), { admin: true });
  });

  it('answers 403 to a user who is not an admin', async () => {
    assert.equal((await stack.call('GET', '/api/admin/users')).status, 403);
    assert.equal((await stack.call('POST', '/api/admin/users', { name: unique('x') })).status, 403);
  });

  it('creates a user, adds and revokes a key, lists and deletes', async () => {
    const name = unique('erin');
    const made = await stack.call('POST', '/api/admin/users', { name }, admin.apiKey);
    assert.equal(made.status, 201, JSON.stringify(made.body));
    assert.match(made.body.apiKey, /^itk_/);
    assert.equal(await status(stack.baseUrl, made.body.apiKey), 200);
    const key2 = await stack.call('POST', `/api/admin/users/${name}/keys`, undefined, admin.apiKey);
    assert.equal(key2.status, 201);

    const list = await stack.call('GET', '/api/admin/users', undefined, admin.apiKey);
    const listed = list.body.users.find((u: { name: string }) => u.name === name);
    assert.deepEqual(listed.keys.map((k: { id: string }) => k.id).sort(), [made.body.keyId, key2.body.keyId].sort());
    assert.ok(!JSON.stringify(list.body).includes(made.body.apiKey), 'the list never shows a key');

    assert.equal((await stack.call('DELETE', `/api/admin/keys/${made.body.keyId}`, undefined, admin.apiKey)).status, 204);
    assert.equal(await status(stack.baseUrl, made.body.apiKey), 401);
    assert.equal(await status(secondUrl, made.body.apiKey), 401);
    assert.equal(await status(stack.baseUrl, key2.body.apiKey), 200);

    assert.equal((await stack.call('DELETE', `/api/admin/users/${name}`, undefined, admin.apiKey)).status, 204);
    assert.equal(await status(stack.baseUrl, key2.body.apiKey), 401);
  });

  it('names the bad field, and answers 404 or 409 for unknown or taken names', async () => {
    const bad = await stack.call('POST', '/api/admin/users', { name: 'no spaces' }, admin.apiKey);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.fields[0].field, 'body.name');
    const name = unique('frank');
    assert.equal((await stack.call('POST', '/api/admin/users', { name }, admin.apiKey)).status, 201);
    assert.equal((await stack.call('POST', '/api/admin/users', { name }, admin.apiKey)).status, 409);
    assert.equal((await stack.call('POST', '/api/admin/users/nobody-here/keys', undefined, admin.apiKey)).status, 404);
    assert.equal((await stack.call('DELETE', '/api/admin/keys/6f1c2d3e-0000-4000-8000-000000000000', undefined, admin.apiKey)).status, 404);
    assert.equal((await stack.call('DELETE', '/api/admin/keys/nope', undefined, admin.apiKey)).status, 400);
  });

  it('sends no CORS headers when CORS_ORIGINS is empty', async () => {
    const res = await fetch(`${stack.baseUrl}/api/jobs`, { headers: { origin: 'https://app.example.com', authorization: `Bearer ${stack.apiKey}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  });
});
