import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { config } from '../../config';
import { getDb } from '../../db';
import { logger } from '../../logging';
import { audioHostQueueName } from '../../workflows/identity';

// The audio work of one host: its worker-specific task queue (temporalio/samples-typescript
// worker-specific-task-queues), on which a recording's chunk work runs where its chunks are, and the working
// directories of its DATA_DIR.

export const workRoot = () => path.join(config().dataDir, 'work');
export const workDir = (audioId: string) => path.join(workRoot(), audioId);

let hostQueue: string | undefined;

/**
 * This process's host queue. Its id names the disk rather than the process: kept in DATA_DIR/audio-host-id, so a
 * worker restarted on the same DATA_DIR serves the same queue and finds its chunks where it left them, and two
 * processes on one DATA_DIR (one disk) share it.
 */
export function audioHostQueue(): string {
  if (hostQueue) return hostQueue;
  const file = path.join(config().dataDir, 'audio-host-id');
  let id = readFileSyncOrEmpty(file).trim();
  if (!id) {
    mkdirSync(config().dataDir, { recursive: true });
    // The host name makes the queue readable in the Web UI; the random part keeps two hosts of one name apart.
    id = `${os.hostname().toLowerCase().replace(/[^a-z0-9]+/g, '-')}-${randomUUID().slice(0, 8)}`;
    try {
      writeFileSync(file, id, { flag: 'wx' });
    } catch {
      // Another process on this DATA_DIR wrote it first: take its id.
      id = readFileSyncOrEmpty(file).trim();
    }
  }
  return (hostQueue = audioHostQueueName(config().taskQueuePrefix, id));
}

function readFileSyncOrEmpty(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return '';
  }
}

/**
 * At an audio worker's start: removes the working directories of this DATA_DIR that no job will use again, those
 * of recordings that ended, are unknown, or were prepared again on another host since. Directories of jobs still
 * running here stay: this host serves their chunks again as it polls its queue.
 */
export async function removeLeftoverWorkDirs(): Promise<number> {
  const names = await readdir(workRoot()).catch(() => [] as string[]);
  if (names.length === 0) return 0;
  const db = await getDb();
  const live = await db.query<{ id: string }>(
    `SELECT id::text FROM audio_recordings
     WHERE id::text IN (SELECT jsonb_array_elements_text($1::jsonb)) AND status IN ('received', 'transcribing')
       AND (host_queue IS NULL OR host_queue = $2)`,
    [JSON.stringify(names), audioHostQueue()],
  );
  const keep = new Set(live.map((r) => r.id));
  const leftover = names.filter((name) => !keep.has(name));
  await Promise.all(leftover.map((name) => rm(path.join(workRoot(), name), { recursive: true, force: true })));
  if (leftover.length > 0) logger.info({ removed: leftover.length, kept: keep.size }, 'leftover audio working directories removed');
  return leftover.length;
}
