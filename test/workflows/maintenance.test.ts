import '../support/env';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { ApplicationFailure } from '@temporalio/common';
import { compareRows, countRows, restoreIntoPglite } from '../../src/activities/maintenance/backup';
import { config, taskQueue } from '../../src/config';
import { backupWorkflow, cleanupWorkflow, nightlyMaintenanceWorkflow, periodicReportWorkflow } from '../../src/workflows';
import { startStack, type TestStack } from '../support/stack';

let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: ['maintenance'] });
});
after(() => stack?.stop());

const DAY_MS = 86_400_000;
const dataDir = () => config().dataDir;

function run<I, R>(workflow: (input: I) => Promise<R>, input: I): Promise<R> {
  return stack.client.workflow.execute(workflow, {
    taskQueue: taskQueue('maintenance'),
    workflowId: `test-${workflow.name}-${randomUUID()}`,
    args: [input],
  });
}

async function fileAged(file: string, bytes: number, ageMs: number): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, Buffer.alloc(bytes, 1));
  const when = new Date(Date.now() - ageMs);
  await utimes(file, when, when);
  await utimes(path.dirname(file), when, when);
}

async function recording(status: string): Promise<string> {
  const id = randomUUID();
  await stack.db.query(
    `INSERT INTO audio_recordings (id, user_id, job_id, original_name, size_bytes, upload_path, status) VALUES ($1, $2, $3, 'a.wav', 10, 'x', $4)`,
    [id, stack.userId, `audio-${id}`, status],
  );
  return id;
}

/** A recording stored as the API stores one since migration 020: its upload a large object of `bytes`. */
async function storedRecording(status: string, ageDays: number, bytes: number): Promise<{ id: string; oid: number }> {
  const id = randomUUID();
  const [{ oid }] = await stack.db.query<{ oid: number }>(
    `INSERT INTO audio_recordings (id, user_id, job_id, original_name, size_bytes, upload_oid, status, created_at)
     VALUES ($1, $2, $3, 'a.wav', $4, lo_from_bytea(0, $5), $6, now() - make_interval(days => $7::int)) RETURNING upload_oid AS oid`,
    [id, stack.userId, `audio-${id}`, bytes, Buffer.alloc(bytes, 1), status, ageDays],
  );
  return { id, oid };
}

const largeObjectExists = async (oid: number) =>
  (await stack.db.query('SELECT 1 FROM pg_largeobject_metadata WHERE oid = $1', [oid])).length === 1;

describe('temporary-data cleanup', () => {
  it('removes stale working dirs and old uploads of failed or cancelled jobs, and keeps the rest', async () => {
    const work = path.join(dataDir(), 'work');
    await fileAged(path.join(work, 'crashed-job', 'chunk-000.wav'), 1_000, 2 * DAY_MS);
    await fileAged(path.join(work, 'running-job', 'chunk-000.wav'), 500, 0);

    const uploads = path.join(dataDir(), 'uploads');
    const upload = async (status: string | undefined, ageDays: number) => {
      const id = status ? await recording(status) : randomUUID();
      const file = path.join(uploads, `${id}.wav`);
      await fileAged(file, 300, ageDays * DAY_MS);
      return file;
    };
    const oldFailed = await upload('failed', 10);
    const oldCancelled = await upload('cancelled', 8);
    const oldCompleted = await upload('completed', 30);
    const freshFailed = await upload('failed', 1);
    const noRecording = await upload(undefined, 30);
    const storedOldFailed = await storedRecording('failed', 9, 40);
    const storedOldCompleted = await storedRecording('completed', 30, 50);
    const storedFreshCancelled = await storedRecording('cancelled', 2, 60);

    const report = await run(cleanupWorkflow, { workDirMaxAgeHours: 24, uploadRetentionDays: 7 });
    assert.deepEqual(report, { workDirs: { removed: 1, bytes: 1_000 }, uploads: { removed: 3, bytes: 640 } });
    assert.equal(await largeObjectExists(storedOldFailed.oid), false, 'the expired stored upload is unlinked');
    const [row] = await stack.db.query<{ upload_oid: number | null }>('SELECT upload_oid FROM audio_recordings WHERE id = $1', [storedOldFailed.id]);
    assert.equal(row.upload_oid, null, 'its recording stays, without an upload');
    for (const kept of [storedOldCompleted, storedFreshCancelled]) assert.ok(await largeObjectExists(kept.oid), String(kept.oid));
    assert.ok(!existsSync(path.join(work, 'crashed-job')));
    assert.ok(existsSync(path.join(work, 'running-job', 'chunk-000.wav')));
    assert.ok(!existsSync(oldFailed) && !existsSync(oldCancelled));
    for (const kept of [oldCompleted, freshFailed, noRecording]) assert.ok(existsSync(kept), kept);
  });
});

describe('nightly maintenance', () => {
  it('prunes events past retention and analyzes the tables', async () => {
    const event = (ageDays: number) =>
      stack.db.query(
        `INSERT INTO events (user_id, type, subject_id, created_at) VALUES ($1, 'insight.processed', $2, now() - make_interval(days => $3::int))`,
        [stack.userId, randomUUID(), ageDays],
      );
    await event(100);
    await event(5);
    const result = await run(nightlyMaintenanceWorkflow, { eventsRetentionDays: 90 });
    assert.equal(result.eventsPruned, 1);
    assert.equal(result.vacuumed, true, 'PGlite has no autovacuum');
    assert.ok(result.tablesAnalyzed >= 10, JSON.stringify(result));
    const [{ n }] = await stack.db.query<{ n: number }>('SELECT count(*)::int AS n FROM events WHERE user_id = $1', [stack.userId]);
    assert.equal(n, 1);
  });
});

describe('automated backup (embedded)', () => {
  it('writes a verified, recorded tarball that restores into a fresh PGlite, and keeps the newest', async () => {
    const dir = path.join(dataDir(), 'backups');
    await mkdir(dir, { recursive: true });
    for (const day of ['01', '02']) await writeFile(path.join(dir, `itk-backup-200001${day}T000000Z.tar.gz`), 'old');

    const result = await run(backupWorkflow, { keep: 2 });
    assert.equal(result.format, 'pglite-datadir-tar-gz');
    assert.match(path.basename(result.file), /^itk-backup-\d{8}T\d{6}Z\.tar\.gz$/);
    assert.deepEqual(result.removed, ['itk-backup-20000101T000000Z.tar.gz']);
    assert.ok(existsSync(path.join(dir, 'itk-backup-20000102T000000Z.tar.gz')));

    const bytes = await readFile(result.file);
    assert.ok(bytes.length > 100_000, `${bytes.length} bytes`);
    assert.equal(result.bytes, bytes.length);
    assert.equal(result.sha256, createHash('sha256').update(bytes).digest('hex'));
    const [row] = await stack.db.query<{ sha256: string; removed_at: Date | null }>(
      'SELECT sha256, removed_at FROM backups WHERE file_name = $1',
      [path.basename(result.file)],
    );
    assert.equal(row.sha256, result.sha256);
    assert.equal(row.removed_at, null);

    const restored = new PGlite({ loadDataDir: new Blob([bytes], { type: 'application/x-gzip' }), extensions: { vector } });
    try {
      const { rows } = await restored.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [stack.userId]);
      const [{ name }] = await stack.db.query<{ name: string }>('SELECT name FROM users WHERE id = $1', [stack.userId]);
      assert.deepEqual(rows, [{ name }]);
      // The job's own check read the same rows, and they are the source's (nothing else writes here meanwhile).
      assert.deepEqual(await countRows(async (sql) => (await restored.query<Record<string, unknown>>(sql)).rows), result.rows);
    } finally {
      await restored.close();
    }
    const source = await countRows((sql) => stack.db.query(sql));
    for (const table of ['users', 'insights', 'schema_migrations', 'audio_recordings']) assert.equal(result.rows[table], source[table], table);
    assert.ok(result.rows.users >= 1);
    const [{ row_counts }] = await stack.db.query<{ row_counts: unknown }>('SELECT row_counts FROM backups WHERE file_name = $1', [path.basename(result.file)]);
    assert.deepEqual(row_counts, result.rows);
  });

  it('fails verification for good when a tarball does not load, or restores other rows than the source', async () => {
    const good = await readFile((await run(backupWorkflow, { keep: 5 })).file);
    const bad = path.join(dataDir(), 'corrupt.tar.gz');
    // Header intact, the second half gone: the gzip signature check passes, only a restore finds it.
    await writeFile(bad, good.subarray(0, Math.floor(good.length / 2)));
    const isVerificationFailure = (pattern: RegExp) => (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure, String(err));
      assert.equal(err.type, 'BackupVerificationError');
      assert.equal(err.nonRetryable, true);
      assert.match(err.message, pattern);
      return true;
    };
    await assert.rejects(restoreIntoPglite(bad), isVerificationFailure(/^the backup corrupt\.tar\.gz does not load into PGlite \(.+\); it was removed$/));
    assert.throws(
      () => compareRows('itk-backup-x.tar.gz', { users: 2, insights: 5 }, { users: 2, insights: 4 }),
      isVerificationFailure(/does not restore what was dumped \(insights: 5 in the database, 4 restored\)/),
    );
    assert.throws(() => compareRows('b', { users: 2, events: 1 }, { users: 2 }), isVerificationFailure(/events: 1 in the database, no table restored/));
  });
});

describe('periodic report', () => {
  it("stores each active user's numbers for the period, readable only by that user", async () => {
    const other = await stack.newUser();
    const idle = await stack.newUser();
    const insight = async (userId: string, opts: { category: string; status: string; ageDays: number; label?: string }) => {
      const id = randomUUID();
      await stack.db.query(
        `INSERT INTO insights (id, user_id, text, status, job_id, category, created_at)
         VALUES ($1, $2, 'text', $3, $4, $5, now() - make_interval(days => $6::int))`,
        [id, userId, opts.status, `insight-${id}`, opts.category, opts.ageDays],
      );
      if (opts.label) {
        await stack.db.query('INSERT INTO insight_labels (insight_id, user_id, category) VALUES ($1, $2, $3)', [id, userId, opts.label]);
      }
      return id;
    };
    const entity = (insightId: string, type: string, text: string, start: number) =>
      stack.db.query(
        `INSERT INTO insight_entities (insight_id, type, text, value, key, start_offset, end_offset) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
        [insightId, type, text, JSON.stringify(text), `${type}:${text.toLowerCase()}`, start, start + text.length],
      );
    const a = await insight(stack.userId, { category: 'science', status: 'processed', ageDays: 1 });
    const b = await insight(stack.userId, { category: 'science', status: 'processed', ageDays: 2, label: 'opinion' });
    const c = await insight(stack.userId, { category: 'news', status: 'failed', ageDays: 3 });
    const old = await insight(stack.userId, { category: 'news', status: 'processed', ageDays: 30 });
    await insight(other.userId, { category: 'fiction', status: 'processed', ageDays: 1 });
    await entity(a, 'organization', 'Acme Corp', 0);
    await entity(a, 'organization', 'Acme Corp', 20);
    await entity(b, 'organization', 'Acme Corp', 0);
    await entity(c, 'person', 'Ada Lovelace', 0);
    await entity(c, 'date', '2024-01-01', 20);
    await entity(old, 'place', 'Lisbon', 0);
    for (const [seconds, ageDays] of [[90, 1], [600, 20]]) {
      const id = await recording('completed');
      await stack.db.query(
        `UPDATE audio_recordings SET duration_sec = $2, transcribed_at = now() - make_interval(days => $3::int) WHERE id = $1`,
        [id, seconds, ageDays],
      );
    }

    const runResult = await run(periodicReportWorkflow, { periodDays: 7 });
    assert.equal(runResult.users, 2);
    assert.equal(Date.parse(runResult.periodEnd) - Date.parse(runResult.periodStart), 7 * DAY_MS);

    const mine = await stack.call('GET', '/api/reports');
    assert.equal(mine.status, 200);
    assert.equal(mine.body.reports.length, 1);
    const [report] = mine.body.reports;
    assert.equal(report.periodEnd, new Date(runResult.periodEnd).toISOString());
    assert.deepEqual(report.data.insights, {
      total: 3,
      byCategory: { science: 1, opinion: 1, news: 1 },
      byStatus: { processed: 2, failed: 1 },
    });
    assert.deepEqual(report.data.audio, { recordings: 1, minutesTranscribed: 1.5 });
    assert.deepEqual(report.data.topEntities, [
      { key: 'organization:acme corp', type: 'organization', text: 'Acme Corp', insights: 2, mentions: 3 },
      { key: 'person:ada lovelace', type: 'person', text: 'Ada Lovelace', insights: 1, mentions: 1 },
    ]);

    const theirs = await stack.call('GET', '/api/reports', undefined, other.apiKey);
    assert.equal(theirs.body.reports.length, 1);
    assert.deepEqual(theirs.body.reports[0].data.insights.byCategory, { fiction: 1 });
    assert.deepEqual((await stack.call('GET', '/api/reports', undefined, idle.apiKey)).body.reports, []);
    const bad = await stack.call('GET', '/api/reports?limit=0');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.fields[0].field, 'query.limit');
  });
});
