import '../support/env';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { openDb } from '../../src/db';
import { holderFileOf } from '../../src/db/data-dir-holder';
import { DataDirInUseError } from '../../src/db/errors';
import { createUser } from '../../src/users';
import { spawnApp } from '../support/app-process';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'itk-guard-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

const holderIn = (dataDir: string) => holderFileOf(path.join(dataDir, 'pglite'));
const userNames = async (db: Awaited<ReturnType<typeof openDb>>) => (await db.query<{ name: string }>('SELECT name FROM users ORDER BY name')).map((u) => u.name);

it('a second process on an open embedded data directory exits at once naming the holder, and the first keeps its data', async () => {
  const dataDir = tempDir();
  // This test process is the first: it holds the directory, as `npm start` would.
  const db = await openDb({ dataDir });
  try {
    await createUser(db, 'first');
    const env = { DATA_DIR: dataDir, DATABASE_URL: undefined };
    const started = Date.now();
    const [api, worker] = await Promise.all([spawnApp('src/api/main.ts', env), spawnApp('src/workers/main.ts', env, ['--queues', 'maintenance'])]);
    const codes = await Promise.all([api.exited, worker.exited]);
    assert.deepEqual(codes, [1, 1], `${api.output()}\n${worker.output()}`);
    assert.ok(Date.now() - started < 60_000);
    for (const proc of [api, worker]) {
      const lines = proc.output().trim().split('\n');
      assert.equal(lines.length, 1, `one line, not a stack trace:\n${proc.output()}`);
      assert.match(lines[0], new RegExp(`already open in process ${process.pid} on host ${os.hostname()}`));
      assert.match(lines[0], /DATABASE_URL/);
    }

    assert.equal(JSON.parse(readFileSync(holderIn(dataDir), 'utf8')).pid, process.pid, 'the claim is still the first process\'s');
    await createUser(db, 'second');
    assert.deepEqual(await userNames(db), ['first', 'second']);
  } finally {
    await db.close();
  }
  assert.equal(existsSync(holderIn(dataDir)), false, 'an ordered close gives the directory up');
});

it('takes over the claim of a holder that died without closing, and keeps the data', async () => {
  const dataDir = tempDir();
  const first = await openDb({ dataDir });
  await createUser(first, 'before-the-crash');
  await first.close();
  const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
  writeFileSync(holderIn(dataDir), JSON.stringify({ pid: dead, host: os.hostname(), startedAt: new Date().toISOString() }));

  const db = await openDb({ dataDir });
  try {
    assert.equal(JSON.parse(readFileSync(holderIn(dataDir), 'utf8')).pid, process.pid);
    assert.deepEqual(await userNames(db), ['before-the-crash']);
  } finally {
    await db.close();
  }
});

it('counts a holder on another host as alive while it touches its file, and takes over once it stops', async () => {
  const dataDir = tempDir();
  const file = holderIn(dataDir);
  writeFileSync(file, JSON.stringify({ pid: 4242, host: 'elsewhere', startedAt: new Date().toISOString() }));
  await assert.rejects(openDb({ dataDir }), (err: unknown) => err instanceof DataDirInUseError && /process 4242 on host elsewhere/.test(err.message));

  const minuteAgo = new Date(Date.now() - 60_000);
  utimesSync(file, minuteAgo, minuteAgo);
  const db = await openDb({ dataDir });
  await db.close();
});

it('refuses a second open of the same directory within one process', async () => {
  const dataDir = tempDir();
  const db = await openDb({ dataDir });
  try {
    await assert.rejects(openDb({ dataDir }), DataDirInUseError);
    assert.equal((await db.query<{ one: number }>('SELECT 1 AS one'))[0].one, 1);
  } finally {
    await db.close();
  }
});
