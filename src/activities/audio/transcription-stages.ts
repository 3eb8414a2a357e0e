import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { log } from '@temporalio/activity';
import { config } from '../../config';
import { getDb } from '../../db';
import { recordEvent } from '../../events';
import { invalidInput } from '../errors';
import { whileHeartbeating } from '../heartbeat';
import { chooseEngine, createEngine } from './engines/select';
import type { ChunkTranscript, EngineName, RecordingLanguage } from './engines/types';
import { mergeTranscripts, type ChunkResult } from './merge';
import { AudioInputError, probeAudio } from './probe';
import { normaliseAndSplit, type AudioChunk } from './split';

// The audio pipeline's stages. Files live under DATA_DIR: the upload in uploads/, the working files of
// one job in work/<audioId>/, removed by cleanupAudio on every path.

const workDir = (audioId: string) => path.join(config().dataDir, 'work', audioId);

function asActivityError(err: unknown): unknown {
  return err instanceof AudioInputError ? invalidInput(err.message) : err;
}

export interface RegisterAudioInput {
  audioId: string;
  userId: string;
  jobId: string;
  originalName: string;
  sizeBytes: number;
  uploadPath: string;
}

/** Idempotent for one job; a retry of a failed job (a new job id) takes the recording over, so the cleanup no longer counts it failed. */
export async function registerAudio(input: RegisterAudioInput): Promise<void> {
  const db = await getDb();
  await db.query(
    `INSERT INTO audio_recordings (id, user_id, job_id, original_name, size_bytes, upload_path)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET job_id = EXCLUDED.job_id, status = 'received', error = NULL, updated_at = now()
       WHERE audio_recordings.job_id IS DISTINCT FROM EXCLUDED.job_id`,
    [input.audioId, input.userId, input.jobId, input.originalName, input.sizeBytes, input.uploadPath],
  );
}

export async function setAudioStatus(input: { audioId: string; status: string; error?: string }): Promise<void> {
  const db = await getDb();
  await db.query('UPDATE audio_recordings SET status = $2, error = $3, updated_at = now() WHERE id = $1', [
    input.audioId,
    input.status,
    input.error ?? null,
  ]);
}

export interface PreparedAudio {
  durationSec: number;
  codec: string;
  engine: EngineName;
  /** `en`, `pt`, or the other language detection found. */
  language: string;
  typicalRealTimeFactor: number;
  chunks: AudioChunk[];
}

/**
 * Probes the upload (unusable input fails at once, never retried), normalises and splits, then picks the
 * language (detected on the first chunk for `auto`) and the engine. Jobs started before `language` existed were English.
 */
export async function prepareAudio(input: { audioId: string; engine: EngineName | 'auto'; language?: RecordingLanguage }): Promise<PreparedAudio> {
  const db = await getDb();
  const [row] = await db.query<{ upload_path: string }>('SELECT upload_path FROM audio_recordings WHERE id = $1', [input.audioId]);
  if (!row) throw invalidInput(`audio ${input.audioId} does not exist`);
  const info = await probeAudio(row.upload_path).catch((err) => Promise.reject(asActivityError(err)));

  const outDir = workDir(input.audioId);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  const { chunks, durationSec } = await whileHeartbeating({ stage: 'split' }, (signal) =>
    normaliseAndSplit({ input: row.upload_path, outDir, chunkSec: config().audio.chunkSec, signal }).catch((err) =>
      Promise.reject(asActivityError(err)),
    ),
  );
  const { engine, language } = await whileHeartbeating({ stage: 'language' }, (signal) =>
    chooseEngine({ engine: input.engine, language: input.language ?? 'en', sampleWav: chunks[0]?.path, signal }),
  );
  await db.query('UPDATE audio_recordings SET duration_sec = $2, codec = $3, engine = $4, language = $5, updated_at = now() WHERE id = $1', [
    input.audioId,
    durationSec,
    info.codec,
    engine,
    language,
  ]);
  return { durationSec, codec: info.codec, engine, language, typicalRealTimeFactor: createEngine(engine).typicalRealTimeFactor, chunks };
}

/**
 * Transcribes one chunk, heartbeating; a cancel kills the engine's work within the heartbeat interval.
 * The result is kept beside the chunk, so a retry after a crash that lost the completion does not redo it.
 */
export async function transcribeChunk(input: { audioId: string; chunk: AudioChunk; engine: EngineName; language?: string }): Promise<ChunkResult> {
  const done = `${input.chunk.path}.json`;
  const saved = await readFile(done, 'utf8').catch(() => undefined);
  if (saved) return { ...(JSON.parse(saved) as ChunkTranscript), startSec: input.chunk.startSec };

  const transcript = await whileHeartbeating({ chunk: input.chunk.index }, (signal) =>
    createEngine(input.engine).transcribe(input.chunk.path, { signal, language: input.language }),
  );
  await writeFile(done, JSON.stringify(transcript));
  return { ...transcript, startSec: input.chunk.startSec };
}

/** Merges chunk transcripts (timestamps relative to the whole file) and stores the transcript. */
export async function storeTranscript(input: { audioId: string; chunks: ChunkResult[] }): Promise<{ text: string; segments: number }> {
  const { text, segments } = mergeTranscripts(input.chunks);
  const db = await getDb();
  await db.query(
    `UPDATE audio_recordings SET transcript = $2, segments = $3, status = 'transcribed',
       transcribed_at = coalesce(transcribed_at, now()), updated_at = now() WHERE id = $1`,
    [input.audioId, text, JSON.stringify(segments)],
  );
  return { text, segments: segments.length };
}

/** Links the insight made from the transcript and records `audio.transcribed` once. */
export async function finishAudio(input: { audioId: string; insightId?: string }): Promise<void> {
  const db = await getDb();
  await db.transaction(async (tx) => {
    const [row] = await tx.query<{ user_id: string; duration_sec: number; engine: string }>(
      `UPDATE audio_recordings SET insight_id = $2, status = 'completed', updated_at = now() WHERE id = $1
       RETURNING user_id, duration_sec, engine`,
      [input.audioId, input.insightId ?? null],
    );
    if (!row) throw invalidInput(`audio ${input.audioId} does not exist`);
    await recordEvent(tx, {
      userId: row.user_id,
      type: 'audio.transcribed',
      subjectId: input.audioId,
      payload: { audioId: input.audioId, insightId: input.insightId, durationSec: row.duration_sec, engine: row.engine },
    });
  });
}

/** Removes the job's working files; the upload itself stays with the recording. */
export async function cleanupAudio(input: { audioId: string }): Promise<void> {
  await rm(workDir(input.audioId), { recursive: true, force: true });
  log.info('audio working files removed', { audioId: input.audioId });
}
