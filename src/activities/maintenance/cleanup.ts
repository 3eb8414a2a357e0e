import { lstat, readdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { config } from '../../config';
import { getDb } from '../../db';

// Temporary data the audio pipeline leaves: a job's working directory (DATA_DIR/work/<audioId> of the host that
// prepared it) outlives it only when the job never reached its own cleanup (terminated, or its worker lost for
// good; an audio worker also removes its own leftovers at start, activities/audio/host.ts); an upload of a failed
// or cancelled job has no further use after a while. Uploads are the recordings' large objects since migration
// 020; older ones are files under the API's DATA_DIR/uploads.

export interface Removed {
  removed: number;
  bytes: number;
}

const HOUR_MS = 3_600_000;

const isGone = (err: unknown) => (err as NodeJS.ErrnoException).code === 'ENOENT';

/** Bytes under a path, and the newest modification time in it: when anything there was last written. */
async function measure(p: string): Promise<{ bytes: number; newestMs: number }> {
  const s = await lstat(p);
  if (!s.isDirectory()) return { bytes: s.size, newestMs: s.mtimeMs };
  let bytes = 0;
  let newestMs = s.mtimeMs;
  for (const name of await readdir(p)) {
    const inner = await measure(path.join(p, name));
    bytes += inner.bytes;
    newestMs = Math.max(newestMs, inner.newestMs);
  }
  return { bytes, newestMs };
}

async function entries(dir: string): Promise<string[]> {
  return readdir(dir).catch((err) => (isGone(err) ? [] : Promise.reject(err)));
}

/** Removes audio working directories in which nothing was written for `maxAgeHours`. */
export async function cleanupWorkDirs(input: { maxAgeHours: number }): Promise<Removed> {
  const dir = path.join(config().dataDir, 'work');
  const cutoff = Date.now() - input.maxAgeHours * HOUR_MS;
  const result: Removed = { removed: 0, bytes: 0 };
  for (const name of await entries(dir)) {
    Context.current().heartbeat(name);
    const full = path.join(dir, name);
    try {
      const { bytes, newestMs } = await measure(full);
      if (newestMs >= cutoff) continue;
      await rm(full, { recursive: true, force: true });
      result.removed += 1;
      result.bytes += bytes;
    } catch (err) {
      // The job's own cleanup removed it while we looked.
      if (!isGone(err)) throw err;
    }
  }
  return result;
}

const UPLOAD_NAME = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})(\.[a-z0-9]+)?$/i;

/** Removes uploads older than `retentionDays` whose audio job failed or was cancelled: the stored ones, then the older files. */
export async function cleanupUploads(input: { retentionDays: number }): Promise<Removed> {
  const db = await getDb();
  // Clearing upload_oid unlinks the large object (migration 020's trigger); the recording row stays.
  const stored = await db.query<{ bytes: number }>(
    `UPDATE audio_recordings SET upload_oid = NULL
     WHERE upload_oid IS NOT NULL AND status IN ('failed', 'cancelled') AND created_at < now() - make_interval(days => $1::int)
     RETURNING size_bytes::float8 AS bytes`,
    [input.retentionDays],
  );
  const files = await cleanupUploadFiles(input);
  return { removed: stored.length + files.removed, bytes: stored.reduce((sum, r) => sum + r.bytes, files.bytes) };
}

async function cleanupUploadFiles(input: { retentionDays: number }): Promise<Removed> {
  const dir = path.join(config().dataDir, 'uploads');
  const cutoff = Date.now() - input.retentionDays * 24 * HOUR_MS;
  const old = new Map<string, { file: string; bytes: number }>();
  for (const name of await entries(dir)) {
    const audioId = UPLOAD_NAME.exec(name)?.[1];
    if (!audioId) continue;
    const s = await lstat(path.join(dir, name)).catch((err) => (isGone(err) ? undefined : Promise.reject(err)));
    if (s?.isFile() && s.mtimeMs < cutoff) old.set(audioId.toLowerCase(), { file: path.join(dir, name), bytes: s.size });
  }
  const result: Removed = { removed: 0, bytes: 0 };
  if (old.size === 0) return result;

  const db = await getDb();
  const ended = await db.query<{ id: string }>(
    `SELECT id::text FROM audio_recordings
     WHERE id IN (SELECT jsonb_array_elements_text($1::jsonb)::uuid) AND status IN ('failed', 'cancelled')`,
    [JSON.stringify([...old.keys()])],
  );
  for (const { id } of ended) {
    const upload = old.get(id)!;
    Context.current().heartbeat(id);
    await rm(upload.file, { force: true });
    result.removed += 1;
    result.bytes += upload.bytes;
  }
  return result;
}
