import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { Context, log } from '@temporalio/activity';
import { config } from '../../config';
import { getDb } from '../../db';
import { readLargeObjectToFile } from '../../db/large-objects';
import { recordEvent } from '../../events';
import { invalidInput } from '../errors';
import { whileHeartbeating } from '../heartbeat';
import { chooseEngine, createEngine } from './engines/select';
import type { ChunkTranscript, EngineName, RecordingLanguage } from './engines/types';
import { mergeTranscripts, type ChunkResult } from './merge';
import { AudioInputError, probeAudio } from './probe';
import { audioHostQueue, workDir } from './host';
import { Slots } from './slots';
import { normaliseAndSplit, type AudioChunk } from './split';

// The audio pipeline's stages. The upload is the recording's large object (migration 020), which every process
// reaches; the working files of one job (a local copy of the upload, the chunks) are in DATA_DIR/work/<audioId>
// of the host that prepared it, removed by cleanupAudio there; chunk transcripts are rows, so a job prepared again
// on another host keeps them.

function asActivityError(err: unknown): unknown {
  return err instanceof AudioInputError ? invalidInput(err.message) : err;
}

export interface RegisterAudioInput {
  audioId: string;
  userId: string;
  jobId: string;
  originalName: string;
  sizeBytes: number;
  /** Jobs started before migration 020 only; newer recordings are stored, with their row, by the API. */
  uploadPath?: string;
}

/** Idempotent for one job; a retry of a failed job (a new job id) takes the recording over, so the cleanup no longer counts it failed. */
export async function registerAudio(input: RegisterAudioInput): Promise<void> {
  const db = await getDb();
  await db.query(
    `INSERT INTO audio_recordings (id, user_id, job_id, original_name, size_bytes, upload_path)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (id) DO UPDATE SET job_id = EXCLUDED.job_id, status = 'received', error = NULL, updated_at = now()
       WHERE audio_recordings.job_id IS DISTINCT FROM EXCLUDED.job_id`,
    [input.audioId, input.userId, input.jobId, input.originalName, input.sizeBytes, input.uploadPath ?? null],
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
  /** The worker-specific queue of the host that holds the chunks: their transcription and cleanup run there. */
  hostQueue: string;
}

/**
 * Copies the upload to this host, probes it (unusable input fails at once, never retried), normalises and splits,
 * then picks the language (detected on the first chunk for `auto`) and the engine. Jobs started before `language`
 * existed were English. Whatever fails leaves no working files behind.
 */
export async function prepareAudio(input: { audioId: string; engine: EngineName | 'auto'; language?: RecordingLanguage }): Promise<PreparedAudio> {
  const db = await getDb();
  const [row] = await db.query<{ upload_oid: number | null; upload_path: string | null }>(
    'SELECT upload_oid, upload_path FROM audio_recordings WHERE id = $1',
    [input.audioId],
  );
  if (!row) throw invalidInput(`audio ${input.audioId} does not exist`);
  if (row.upload_oid === null && row.upload_path === null) throw invalidInput(`the upload of audio ${input.audioId} was removed`);

  const outDir = workDir(input.audioId);
  const hostQueue = audioHostQueue();
  // Recorded before any file is made: a job cancelled or failed mid-preparation finds here where to clean up.
  await db.query('UPDATE audio_recordings SET host_queue = $2, updated_at = now() WHERE id = $1', [input.audioId, hostQueue]);
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  try {
    const upload = row.upload_oid === null ? row.upload_path! : path.join(outDir, 'upload');
    if (row.upload_oid !== null) {
      const oid = row.upload_oid;
      await whileHeartbeating({ stage: 'fetch' }, () => readLargeObjectToFile(db, oid, upload));
    }
    const info = await probeAudio(upload).catch((err) => Promise.reject(asActivityError(err)));

    const { chunks, durationSec } = await whileHeartbeating({ stage: 'split' }, (signal) =>
      normaliseAndSplit({ input: upload, outDir, chunkSec: config().audio.chunkSec, signal }).catch((err) =>
        Promise.reject(asActivityError(err)),
      ),
    );
    // The chunks hold it all now.
    if (row.upload_oid !== null) await rm(upload, { force: true });
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
    return { durationSec, codec: info.codec, engine, language, typicalRealTimeFactor: createEngine(engine).typicalRealTimeFactor, chunks, hostQueue };
  } catch (err) {
    await rm(outDir, { recursive: true, force: true });
    throw err;
  }
}

/**
 * Engine runs at once in this process: the audio queue's activity slots, the cap of the machine. The host queue's
 * worker takes many chunk tasks at once (workers/create.ts), so a task waits for its engine here, heartbeating,
 * rather than in the queue, where a wait could not be told from a dead host.
 */
let engineSlots: Slots | undefined;
const engines = () => (engineSlots ??= new Slots(config().queues.audio.maxConcurrentActivities));

/**
 * Transcribes one chunk, heartbeating; a cancel kills the engine's work within the heartbeat interval. The result
 * is a row (audio_chunk_transcripts): a retry, or the job prepared again on another host after this one died,
 * finds it there and does not transcribe the chunk again.
 */
export async function transcribeChunk(input: { audioId: string; chunk: AudioChunk; engine: EngineName; language?: string }): Promise<ChunkResult> {
  const { audioId, chunk, engine, language } = input;
  const db = await getDb();
  // The same cut of the recording with the same engine: another split (another ffmpeg) may cut elsewhere.
  const [stored] = await db.query<{ transcript: ChunkTranscript }>(
    `SELECT transcript FROM audio_chunk_transcripts WHERE audio_id = $1 AND chunk_index = $2 AND engine = $3
       AND abs(start_sec - $4) < 0.01 AND abs(duration_sec - $5) < 0.01`,
    [audioId, chunk.index, engine, chunk.startSec, chunk.durationSec],
  );
  if (stored) return { ...stored.transcript, startSec: chunk.startSec };

  const transcript = await whileHeartbeating({ chunk: chunk.index }, (signal) =>
    engines().run(signal, () => createEngine(engine).transcribe(chunk.path, { signal, language })),
  );
  const { taskQueue, attempt } = Context.current().info;
  await db.query(
    `INSERT INTO audio_chunk_transcripts (audio_id, chunk_index, start_sec, duration_sec, engine, transcript, host_queue, activity_attempt)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
     ON CONFLICT (audio_id, chunk_index) DO UPDATE SET start_sec = EXCLUDED.start_sec, duration_sec = EXCLUDED.duration_sec,
       engine = EXCLUDED.engine, transcript = EXCLUDED.transcript, host_queue = EXCLUDED.host_queue,
       activity_attempt = EXCLUDED.activity_attempt, transcriptions = audio_chunk_transcripts.transcriptions + 1`,
    [audioId, chunk.index, chunk.startSec, chunk.durationSec, engine, JSON.stringify(transcript), taskQueue, attempt],
  );
  return { ...transcript, startSec: chunk.startSec };
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

/** The host queue of the worker that prepared (or is preparing) the recording, where its working files are. */
export async function audioHostOf(input: { audioId: string }): Promise<string | null> {
  const db = await getDb();
  const [row] = await db.query<{ host_queue: string | null }>('SELECT host_queue FROM audio_recordings WHERE id = $1', [input.audioId]);
  return row?.host_queue ?? null;
}

/** Removes the job's working files on the host that holds them; the upload itself stays with the recording. */
export async function cleanupAudio(input: { audioId: string }): Promise<void> {
  await rm(workDir(input.audioId), { recursive: true, force: true });
  log.info('audio working files removed', { audioId: input.audioId });
}
