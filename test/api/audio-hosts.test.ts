import '../support/use-postgres';
import '../support/audio-hosts';
import '../support/env';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import proto from '@temporalio/proto';
import { config } from '../../src/config';
import { audioHostQueueName } from '../../src/workflows/identity';
import { spawnApp, type AppProcess } from '../support/app-process';
import { speak, speechText, tempDir } from '../support/speech';
import { startStack, waitFor, type TestStack } from '../support/stack';

// The API (with the nlp and notify workers, in this process) and audio workers as separate OS processes, each with
// its own DATA_DIR, sharing only Temporal and the test PostgreSQL: as on separate machines with no shared disk.

interface AudioWorker {
  app: AppProcess;
  dataDir: string;
  hostQueue: string;
}

let stack: TestStack;
let dir: string;
const workers: AudioWorker[] = [];

/** Whether a worker polls the queue for activities now (the server's poller list, as the dashboard reads it). */
async function polled(queue: string): Promise<true | undefined> {
  const res = await stack.client.workflowService.describeTaskQueue({
    namespace: config().temporal.namespace,
    taskQueue: { name: queue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (res.pollers?.length ?? 0) > 0 || undefined;
}

async function startAudioWorker(dataDir = mkdtempSync(path.join(os.tmpdir(), 'itk-audio-host-'))): Promise<AudioWorker> {
  const app = await spawnApp('src/workers/main.ts', { DATA_DIR: dataDir }, ['--queues', 'audio']);
  const alive = () => {
    if (app.child.exitCode !== null) throw new Error(`the audio worker exited ${app.child.exitCode}:\n${app.output()}`);
  };
  const idFile = path.join(dataDir, 'audio-host-id');
  const hostId = await waitFor(async () => (alive(), existsSync(idFile) ? readFileSync(idFile, 'utf8').trim() || undefined : undefined), 60_000, 'its host id');
  const worker = { app, dataDir, hostQueue: audioHostQueueName(config().taskQueuePrefix, hostId) };
  workers.push(worker);
  await waitFor(async () => (alive(), polled(worker.hostQueue)), 60_000, 'the audio worker to poll its host queue');
  return worker;
}

before(async () => {
  stack = await startStack({ queues: ['nlp', 'notify'] });
  dir = await tempDir();
});
after(async () => {
  await Promise.all(workers.map((w) => w.app.stop()));
  for (const w of workers) rmSync(w.dataDir, { recursive: true, force: true });
  await stack?.stop();
});

async function upload(lines: number): Promise<{ audioId: string; jobId: string }> {
  const wav = path.join(dir, `speech-${lines}.wav`);
  await speak(await speechText(lines), wav);
  const form = new FormData();
  form.set('file', new Blob([await readFile(wav)], { type: 'audio/wav' }), 'speech.wav');
  const res = await fetch(`${stack.baseUrl}/api/audio`, { method: 'POST', body: form, headers: { authorization: `Bearer ${stack.apiKey}` } });
  const body = (await res.json()) as any;
  assert.equal(res.status, 202, JSON.stringify(body));
  return body;
}

const finished = (jobId: string) =>
  waitFor(async () => {
    const { body } = await stack.call('GET', `/api/jobs/${jobId}`);
    return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
  }, 240_000, `job ${jobId} to finish`);

interface ChunkRow {
  chunk_index: number;
  host_queue: string;
  transcriptions: number;
}
const chunkRows = (audioId: string) =>
  stack.db.query<ChunkRow>(
    'SELECT chunk_index, host_queue, transcriptions FROM audio_chunk_transcripts WHERE audio_id = $1 ORDER BY chunk_index',
    [audioId],
  );
const hostOf = async (audioId: string) =>
  (await stack.db.query<{ host_queue: string | null }>('SELECT host_queue FROM audio_recordings WHERE id = $1', [audioId]))[0]?.host_queue;

it('completes an audio job when the API and the audio worker have different DATA_DIRs', async () => {
  const worker = await startAudioWorker();
  const { audioId, jobId } = await upload(3);
  const job = await finished(jobId);
  assert.equal(job.status, 'completed', JSON.stringify(job));
  const { body: audio } = await stack.call('GET', `/api/audio/${audioId}`);
  assert.match(audio.transcript, /\w+/);
  assert.equal(audio.insight.status, 'processed');
  assert.equal(await hostOf(audioId), worker.hostQueue);
  const rows = await chunkRows(audioId);
  assert.equal(rows.length, job.result.chunks);
  assert.ok(rows.every((r) => r.host_queue === worker.hostQueue && r.transcriptions === 1), JSON.stringify(rows));
  // Nothing of the recording on the API's disk; the worker removed its working files.
  for (const sub of ['uploads', 'work']) {
    const apiDir = path.join(config().dataDir, sub);
    assert.deepEqual(existsSync(apiDir) ? readdirSync(apiDir) : [], [], `API ${sub}/`);
  }
  assert.ok(!existsSync(path.join(worker.dataDir, 'work', audioId)), 'working files removed on the worker host');
});

it('survives the SIGKILL of the worker holding the chunks: prepared again on the other, no stored chunk redone', async () => {
  await startAudioWorker();
  const { audioId, jobId } = await upload(12);
  // The host that prepared the recording, once it has stored two chunks and is transcribing the next.
  const holder = await waitFor(async () => {
    const host = await hostOf(audioId);
    const stored = (await chunkRows(audioId)).filter((r) => r.host_queue === host);
    return host && stored.length >= 2 ? workers.find((w) => w.hostQueue === host) : undefined;
  }, 120_000, 'two chunks stored by the preparing host');
  holder.app.child.kill('SIGKILL');
  await holder.app.exited;
  const storedBefore = await chunkRows(audioId);
  const survivor = workers.find((w) => w !== holder && w.app.child.exitCode === null)!;

  const job = await finished(jobId);
  assert.equal(job.status, 'completed', JSON.stringify(job));
  assert.equal(await hostOf(audioId), survivor.hostQueue, 'prepared again on the surviving host');
  const rows = await chunkRows(audioId);
  assert.equal(rows.length, job.result.chunks, 'one row per chunk');
  assert.ok(rows.every((r) => r.transcriptions === 1), `no chunk transcribed twice: ${JSON.stringify(rows)}`);
  assert.ok(storedBefore.length >= 2);
  for (const before of storedBefore) {
    assert.deepEqual(rows.find((r) => r.chunk_index === before.chunk_index), before, 'a chunk stored before the kill is kept as it was');
  }
  assert.ok(rows.some((r) => r.host_queue === survivor.hostQueue), 'the rest transcribed by the survivor');
  assert.ok(!existsSync(path.join(survivor.dataDir, 'work', audioId)), "the survivor's working files removed");
  assert.ok(existsSync(path.join(holder.dataDir, 'work', audioId)), 'the dead host could not clean up');

  // Started again on its disk, the dead host removes what it left: the recording was finished elsewhere.
  const restarted = await startAudioWorker(holder.dataDir);
  assert.equal(restarted.hostQueue, holder.hostQueue, 'the same disk serves the same host queue');
  await waitFor(async () => !existsSync(path.join(holder.dataDir, 'work', audioId)) || undefined, 30_000, 'leftover working files removed at start');
});
