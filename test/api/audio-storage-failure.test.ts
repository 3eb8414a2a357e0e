import '../support/use-postgres';
import '../support/env';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { storeRecording } from '../../src/api/audio-storage';
import { HttpError } from '../../src/api/errors';
import { closeDb, getDb, openDb, type Db } from '../../src/db';
import { createUser } from '../../src/users';

// An upload whose storage fails part-way: 503 upload_storage_failed, and neither the recording nor any part of its
// large object is left, on the test PostgreSQL (its server session killed mid-write) and on a real PGlite.

let db: Db;
let embedded: Db;
let embeddedDir: string;
before(async () => {
  db = await getDb();
  embeddedDir = await mkdtemp(path.join(os.tmpdir(), 'itk-lo-'));
  embedded = await openDb({ dataDir: embeddedDir });
});
after(async () => {
  await closeDb();
  await embedded?.close();
  await rm(embeddedDir, { recursive: true, force: true });
});

const PIECE = Buffer.alloc(256 * 1024, 7);
const largeObjects = async (on: Db) => (await on.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_largeobject_metadata'))[0].n;

async function recordingFor(on: Db) {
  const user = await createUser(on, `storage-${randomUUID().slice(0, 8)}`);
  const audioId = randomUUID();
  return { audioId, userId: user.userId, jobId: `audio-${audioId}`, originalName: 'a.wav', sizeBytes: PIECE.length * 3 };
}

async function assertNothingKept(on: Db, audioId: string, objectsBefore: number, err: unknown) {
  assert.ok(err instanceof HttpError, String(err));
  assert.equal(err.status, 503);
  assert.equal(err.code, 'upload_storage_failed');
  assert.match(err.message, /nothing was kept/);
  assert.equal((await on.query('SELECT 1 FROM audio_recordings WHERE id = $1', [audioId])).length, 0, 'no recording row');
  assert.equal(await largeObjects(on), objectsBefore, 'no large object');
}

it('PostgreSQL: the database session dies mid-upload; 503 and nothing stored', async () => {
  const recording = await recordingFor(db);
  const before = await largeObjects(db);
  const killer = new pg.Client({ connectionString: process.env.DATABASE_URL });
  await killer.connect();
  let killed = 0;
  async function* source() {
    yield PIECE;
    // The storing session sits idle in its transaction between two writes: end it from outside, as a server
    // restart or a failover would.
    const { rows } = await killer.query(
      `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity
       WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
    );
    killed = rows.length;
    yield PIECE;
    yield PIECE;
  }
  try {
    const err = await storeRecording(db, recording, source()).then(() => undefined, (e: unknown) => e);
    assert.equal(killed, 1, 'the storing session was ended');
    await assertNothingKept(db, recording.audioId, before, err);
  } finally {
    await killer.end();
  }
});

it('PGlite: the upload stops mid-way; 503 and nothing stored', async () => {
  const recording = await recordingFor(embedded);
  const before = await largeObjects(embedded);
  async function* source() {
    yield PIECE;
    yield PIECE;
    throw new Error('read failed');
  }
  const err = await storeRecording(embedded, recording, source()).then(() => undefined, (e: unknown) => e);
  await assertNothingKept(embedded, recording.audioId, before, err);
});

it('a whole upload is stored once, its bytes as sent', async () => {
  const recording = await recordingFor(embedded);
  async function* source() {
    for (let i = 0; i < 3; i++) yield Buffer.alloc(PIECE.length, i + 1);
  }
  await storeRecording(embedded, recording, source());
  const [row] = await embedded.query<{ size: number; first: Uint8Array; last: Uint8Array }>(
    `SELECT length(lo_get(upload_oid)) AS size, lo_get(upload_oid, 0, 1) AS first, lo_get(upload_oid, $2, 1) AS last
     FROM audio_recordings WHERE id = $1`,
    [recording.audioId, PIECE.length * 3 - 1],
  );
  assert.deepEqual([row.size, row.first[0], row.last[0]], [PIECE.length * 3, 1, 3]);
});
