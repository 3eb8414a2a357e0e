import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Config } from '../../config';
import type { Db } from '../../db';
import { audioWorkflow } from '../../workflows';
import { audioJobId } from '../../workflows/identity';
import { forgetRecording, storeRecording } from '../audio-storage';
import { notFound, parse } from '../errors';
import { getInsight } from '../insight-queries';
import { audioFields, audioIdParams } from '../schemas';
import { acceptedJob, startJob } from '../start-job';
import { receiveAudioUpload } from '../upload';

export function audioRoutes(deps: { client: Client; db: Db; cfg: Config }): Router {
  const router = Router();

  router.post('/', async (req, res) => {
    const audioId = randomUUID();
    const upload = await receiveAudioUpload(req, {
      dest: path.join(deps.cfg.dataDir, 'uploads', audioId),
      maxBytes: deps.cfg.audio.maxUploadBytes,
      idleTimeoutMs: deps.cfg.audio.uploadIdleMs,
    });
    const jobId = audioJobId(audioId);
    // The file received is this API's spool: the recording itself is kept in the database, which every worker reaches.
    try {
      const fields = parse(audioFields, upload.fields, 'body');
      const { originalName, sizeBytes } = upload;
      await storeRecording(deps.db, { audioId, userId: req.userId, jobId, originalName, sizeBytes }, createReadStream(upload.path));
      try {
        await startJob(deps, audioWorkflow, {
          kind: 'audio',
          queue: 'audio',
          jobId,
          userId: req.userId,
          priority: fields.priority,
          args: [
            {
              audioId,
              userId: req.userId,
              originalName,
              sizeBytes,
              engine: fields.engine ?? deps.cfg.audio.engine,
              language: fields.language,
              parallelChunks: deps.cfg.audio.parallelChunks,
            },
          ],
        });
      } catch (err) {
        await forgetRecording(deps.db, audioId);
        throw err;
      }
    } finally {
      await rm(upload.path, { force: true });
    }
    acceptedJob(res, jobId, { audioId });
  });

  router.get('/:audioId', async (req, res) => {
    const { audioId } = parse(audioIdParams, req.params, 'params');
    const [audio] = await deps.db.query<Record<string, unknown> & { insightId: string | null }>(
      `SELECT id, job_id AS "jobId", original_name AS "originalName", size_bytes::float8 AS "sizeBytes", status, engine, language,
         duration_sec AS "durationSec", codec, transcript, segments, insight_id AS "insightId", error,
         created_at AS "createdAt", transcribed_at AS "transcribedAt"
       FROM audio_recordings WHERE id = $1 AND user_id = $2`,
      [audioId, req.userId],
    );
    if (!audio) throw notFound(`audio ${audioId}`);
    const insight = audio.insightId ? await getInsight(deps.db, req.userId, audio.insightId) : null;
    res.json({ ...audio, insight });
  });

  return router;
}
