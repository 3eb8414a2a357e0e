import '../support/use-postgres';
import '../support/pg-backup-elsewhere';
import '../support/env';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import { countRows, runPgDump } from '../../src/activities/maintenance/backup';
import { config, taskQueue } from '../../src/config';
import { runChild } from '../../src/tools/run-child';
import { backupWorkflow } from '../../src/workflows';
import { backupDir, CORRUPT_DUMP_ENV, toolsDir } from '../support/pg-backup-elsewhere';
import { startStack, type TestStack } from '../support/stack';

let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: ['maintenance'] });
});
after(async () => {
  await stack?.stop();
  for (const dir of [backupDir, toolsDir]) await rm(dir, { recursive: true, force: true });
});

const databaseUrl = () => config().databaseUrl!;

const runBackup = () =>
  stack.client.workflow.execute(backupWorkflow, {
    taskQueue: taskQueue('maintenance'),
    workflowId: `test-backup-${randomUUID()}`,
    args: [{ keep: 3 }],
  });

async function scratchDatabases(): Promise<string[]> {
  const rows = await stack.db.query<{ datname: string }>(`SELECT datname FROM pg_database WHERE datname LIKE 'itk_verify_%'`);
  return rows.map((r) => r.datname);
}

it('dumps PostgreSQL into BACKUP_DIR, verified by a scratch restore whose row counts are the source’s', async () => {
  // Rows that stay put while the backup runs, to compare with the source afterwards.
  for (let i = 0; i < 3; i++) {
    const id = randomUUID();
    await stack.db.query(`INSERT INTO insights (id, user_id, text, status, job_id) VALUES ($1, $2, 'backed up', 'processed', $3)`, [id, stack.userId, `insight-${id}`]);
  }
  const result = await runBackup();
  assert.equal(result.format, 'pg_dump-custom');
  assert.match(path.basename(result.file), /^itk-backup-\d{8}T\d{6}Z\.dump$/);
  assert.equal(path.dirname(result.file), backupDir);
  assert.ok(!existsSync(path.join(config().dataDir, 'backups')), 'nothing written under DATA_DIR/backups');
  assert.equal((await readFile(result.file)).subarray(0, 5).toString(), 'PGDMP');
  const [row] = await stack.db.query<{ size_bytes: string; row_counts: Record<string, number> }>(
    'SELECT size_bytes::text, row_counts FROM backups WHERE file_name = $1',
    [path.basename(result.file)],
  );
  assert.equal(Number(row.size_bytes), result.bytes);
  assert.deepEqual(row.row_counts, result.rows);
  for (const table of ['users', 'insights', 'schema_migrations']) {
    const [{ n }] = await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
    assert.equal(result.rows[table], n, table);
  }
  assert.ok(result.rows.insights >= 3);
  assert.deepEqual(await scratchDatabases(), [], 'the scratch database is dropped');

  // Restore into a fresh database on the same server and read the test user back.
  const database = `itk_restore_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  await stack.db.query(`CREATE DATABASE ${database}`);
  const target = new URL(databaseUrl());
  target.pathname = `/${database}`;
  try {
    await runChild(path.join(path.dirname(config().maintenance.pgDump!), 'pg_restore'), ['--exit-on-error', '--no-owner', `--dbname=${target.href}`, result.file]);
    const restored = new pg.Client({ connectionString: target.href });
    await restored.connect();
    try {
      const { rows } = await restored.query('SELECT name FROM users WHERE id = $1', [stack.userId]);
      const [{ name }] = await stack.db.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [stack.userId]);
      assert.deepEqual(rows, [{ name }]);
      const tables = await restored.query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
      const names = tables.rows.map((r) => r.tablename);
      for (const table of ['users', 'insights', 'events', 'reports', 'backups']) assert.ok(names.includes(table), table);
      // A restore of our own reads what the job reported.
      assert.deepEqual(await countRows(async (sql) => (await restored.query(sql)).rows), result.rows);
    } finally {
      await restored.end();
    }
  } finally {
    await stack.db.query(`DROP DATABASE ${database} WITH (FORCE)`);
  }
});

it('fails for good when the dump does not restore, and keeps no file, record or scratch database of it', async () => {
  const before = await readdir(backupDir);
  process.env[CORRUPT_DUMP_ENV] = '1';
  try {
    await assert.rejects(runBackup(), (err: unknown) => {
      assert.ok(err instanceof WorkflowFailedError, String(err));
      const failure = err.cause?.cause;
      assert.ok(failure instanceof ApplicationFailure, String(failure));
      assert.equal(failure.type, 'BackupVerificationError');
      assert.equal(failure.nonRetryable, true);
      assert.match(failure.message, /^the backup itk-backup-\d{8}T\d{6}Z\.dump does not restore \(.*pg_restore.*\); it was removed$/s);
      return true;
    });
  } finally {
    delete process.env[CORRUPT_DUMP_ENV];
  }
  assert.deepEqual(await readdir(backupDir), before, 'no new file, no partial');
  const [{ n }] = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM backups');
  assert.equal(n, before.length);
  assert.deepEqual(await scratchDatabases(), []);
});

async function dumpFailure(pgDump: string): Promise<ApplicationFailure> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'itk-dump-'));
  try {
    await runPgDump({ pgDump, databaseUrl: databaseUrl(), file: path.join(dir, 'out.dump') });
  } catch (err) {
    assert.ok(err instanceof ApplicationFailure, String(err));
    return err;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  assert.fail(`${pgDump} was expected to fail`);
}

it('fails for good, saying what to set, when PG_DUMP does not exist', async () => {
  const failure = await dumpFailure('/nonexistent/pg_dump');
  assert.equal(failure.nonRetryable, true);
  assert.match(failure.message, /PG_DUMP is set to \/nonexistent\/pg_dump, which does not exist/);
});

// Debian bookworm's pg_dump is 15; the test server is 16, which pg_dump refuses to dump.
const systemPgDump = '/usr/bin/pg_dump';
const systemMajor = Number(/\) (\d+)/.exec(existsSync(systemPgDump) ? spawnSync(systemPgDump, ['--version'], { encoding: 'utf8' }).stdout : '')?.[1] ?? 0);
it('fails for good, saying what to install, when pg_dump is older than the server', { skip: !(systemMajor > 0 && systemMajor < 16) && 'no older pg_dump here' }, async () => {
  const failure = await dumpFailure(systemPgDump);
  assert.equal(failure.nonRetryable, true);
  assert.match(failure.message, /older than the PostgreSQL server/);
  assert.match(failure.message, /server version: 16/);
  assert.match(failure.message, /PG_DUMP/);
});
