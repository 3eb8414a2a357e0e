import type { Db } from '../db';
import { writeLargeObject } from '../db/large-objects';
import { logger } from '../logging';
import { HttpError } from './errors';

export interface RecordingToStore {
  audioId: string;
  userId: string;
  jobId: string;
  originalName: string;
  sizeBytes: number;
}

/**
 * Stores an upload where every worker reaches it: the recording's row and its bytes as a large object, in one
 * transaction, so a failure part-way leaves neither. The source is the API's own copy of the upload on its disk,
 * already received whole: the transaction lasts as long as the database takes to write, not as long as a slow
 * client takes to send (which would hold a pool connection, and in embedded mode PGlite's one transaction).
 */
export async function storeRecording(db: Db, recording: RecordingToStore, source: AsyncIterable<Buffer>): Promise<void> {
  try {
    await db.transaction(async (tx) => {
      const { oid } = await writeLargeObject(tx, source);
      await tx.query(
        `INSERT INTO audio_recordings (id, user_id, job_id, original_name, size_bytes, upload_oid) VALUES ($1, $2, $3, $4, $5, $6)`,
        [recording.audioId, recording.userId, recording.jobId, recording.originalName, recording.sizeBytes, oid],
      );
    });
  } catch (err) {
    logger.error({ err, audioId: recording.audioId }, 'audio upload could not be stored');
    throw new HttpError(503, 'upload_storage_failed', `body.file: the recording could not be stored (${(err as Error).message}); nothing was kept, send it again`, {
      fields: [{ field: 'body.file', message: 'storage failed' }],
    });
  }
}

/** Removes a stored recording whose job could not start; its large object goes with it (migration 020's trigger). */
export async function forgetRecording(db: Db, audioId: string): Promise<void> {
  await db.query('DELETE FROM audio_recordings WHERE id = $1', [audioId]);
}
