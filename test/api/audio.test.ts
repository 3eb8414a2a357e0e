import '../support/small-uploads';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { wordErrorRate } from '../../src/activities/audio/wer';
import { config } from '../../src/config';
import { pidsWithArg } from '../support/processes';
import { convert, speak, speechText, tempDir } from '../support/speech';
import { startStack, waitFor, type TestStack } from '../support/stack';

let stack: TestStack;
let dir: string;
before(async () => {
  stack = await startStack({ queues: ['audio', 'nlp'] });
  dir = await tempDir();
});
after(() => stack?.stop());

async function upload(file: string, fields: Record<string, string> = {}, name = path.basename(file), type = 'audio/mpeg') {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([await readFile(file)], { type }), name);
  const res = await fetch(`${stack.baseUrl}/api/audio`, { method: 'POST', body: form, headers: { authorization: `Bearer ${stack.apiKey}` } });
  return { status: res.status, body: (await res.json()) as any };
}

async function recording(lines: number, ext: string): Promise<{ file: string; text: string }> {
  const text = await speechText(lines);
  const wav = path.join(dir, `speech-${lines}.wav`);
  if (!existsSync(wav)) await speak(text, wav);
  if (ext === 'wav') return { file: wav, text };
  const file = path.join(dir, `speech-${lines}.${ext}`);
  if (!existsSync(file)) await convert(wav, file);
  return { file, text };
}

const finished = (jobId: string) =>
  waitFor(async () => {
    const { body } = await stack.call('GET', `/api/jobs/${jobId}`);
    return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
  }, 180_000, `job ${jobId} to finish`);

describe('audio transcription over HTTP', () => {
  it('transcribes an upload asynchronously, streams progress, and hands the transcript to the insight pipeline', async () => {
    const { file, text } = await recording(14, 'mp3');
    const res = await upload(file);
    assert.equal(res.status, 202, JSON.stringify(res.body));
    assert.match(res.body.jobId, /^audio-/);

    const events = await fetch(`${stack.baseUrl}/api/jobs/${res.body.jobId}/events`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
    const stream = await events.text();
    const parsed = [...stream.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2]) }));
    assert.equal(parsed.at(-1)?.event, 'completed', stream.slice(-2000));
    const transcribing = parsed.filter((e) => e.data.progress?.stage === 'transcribe').map((e) => e.data.progress);
    assert.ok(transcribing.length > 0, 'progress events during transcription');
    assert.ok(transcribing.every((p) => typeof p.secondsRemaining === 'number' && p.chunksTotal >= 2), JSON.stringify(transcribing));
    const percents = transcribing.map((p) => p.percent);
    assert.deepEqual(percents, [...percents].sort((a, b) => a - b), 'percent never goes back');

    const job = parsed.at(-1)!.data;
    assert.equal(job.result.engine, 'whisper', 'the more accurate engine is the default');
    const { status, body: audio } = await stack.call('GET', `/api/audio/${res.body.audioId}`);
    assert.equal(status, 200);
    const wer = wordErrorRate(text, audio.transcript);
    assert.ok(wer < 0.2, `word error rate ${wer}`);
    const starts = audio.segments.map((s: { startSec: number }) => s.startSec);
    assert.deepEqual(starts, [...starts].sort((a: number, b: number) => a - b));
    assert.ok(audio.segments.at(-1).endSec <= audio.durationSec + 1 && audio.segments.at(-1).endSec > 30, 'timestamps span the whole file');
    assert.equal(audio.insight.status, 'processed');
    assert.equal(audio.insight.text, audio.transcript, 'the insight analyses the transcript itself');
    assert.equal(typeof audio.insight.category, 'string');
    assert.ok(audio.insight.keywords.length > 0, JSON.stringify(audio.insight.keywords));
    const events2 = await stack.db.query('SELECT 1 FROM events WHERE type = $1 AND subject_id = $2', ['audio.transcribed', res.body.audioId]);
    assert.equal(events2.length, 1);
    assert.ok(!existsSync(path.join(config().dataDir, 'work', res.body.audioId)), 'working files removed');
  });

  it('takes the engine per request: pocketsphinx on an ogg/opus upload', async () => {
    const { file, text } = await recording(6, 'ogg');
    const res = await upload(file, { engine: 'pocketsphinx' }, 'note.ogg', 'audio/ogg');
    assert.equal(res.status, 202);
    const job = await finished(res.body.jobId);
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(job.result.engine, 'pocketsphinx');
    const { body: audio } = await stack.call('GET', `/api/audio/${res.body.audioId}`);
    assert.ok(wordErrorRate(text, audio.transcript) < 0.4);
  });

  it('cancels mid-transcription: engine processes stop within 2 s and working files go', async () => {
    const { file } = await recording(30, 'mp3');
    const res = await upload(file, { engine: 'pocketsphinx' });
    const { audioId, jobId } = res.body;
    await waitFor(async () => (pidsWithArg(audioId).length > 0 ? true : undefined), 60_000, 'a transcription process');
    const cancelled = await stack.call('POST', `/api/jobs/${jobId}/cancel`);
    assert.equal(cancelled.status, 202);
    const t0 = Date.now();
    await waitFor(async () => (pidsWithArg(audioId).length === 0 ? true : undefined), 5_000, 'the engine processes to stop');
    assert.ok(Date.now() - t0 <= 2_000, `stopped in ${Date.now() - t0} ms`);
    const job = await finished(jobId);
    assert.equal(job.status, 'cancelled');
    await waitFor(async () => (!existsSync(path.join(config().dataDir, 'work', audioId)) ? true : undefined), 10_000, 'working files removed');
    const { body: audio } = await stack.call('GET', `/api/audio/${audioId}`);
    assert.equal(audio.status, 'cancelled');
  });

  it('fails a corrupt recording at once with a message a user understands', async () => {
    const corrupt = path.join(dir, 'corrupt.wav');
    await writeFile(corrupt, Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251)));
    const res = await upload(corrupt, {}, 'corrupt.wav', 'audio/wav');
    assert.equal(res.status, 202);
    const job = await finished(res.body.jobId);
    assert.equal(job.status, 'failed');
    assert.match(job.error.message, /not a recognised audio format|corrupt|not audio/);
    const { body: audio } = await stack.call('GET', `/api/audio/${res.body.audioId}`);
    assert.equal(audio.status, 'failed');
  });
});

describe('bad audio uploads', () => {
  it('rejects a file that is not audio with 415 naming the field', async () => {
    const text = path.join(dir, 'notes.txt');
    await writeFile(text, 'just some text');
    const res = await upload(text, {}, 'notes.txt', 'text/plain');
    assert.equal(res.status, 415);
    assert.equal(res.body.error.details.fields[0].field, 'body.file');
  });

  it('rejects an upload over the limit with 413 and keeps nothing of it', async () => {
    const big = path.join(dir, 'big.wav');
    await writeFile(big, Buffer.alloc(3 * 1024 * 1024, 1));
    const uploads = path.join(config().dataDir, 'uploads');
    const before = existsSync(uploads) ? readdirSync(uploads).length : 0;
    const res = await upload(big, {}, 'big.wav', 'audio/wav');
    assert.equal(res.status, 413);
    assert.equal(res.body.error.code, 'payload_too_large');
    assert.equal(res.body.error.details.fields[0].field, 'body.file');
    assert.equal(existsSync(uploads) ? readdirSync(uploads).length : 0, before);
  });

  it('rejects a body without a file, a non-multipart body and an unknown engine', async () => {
    const form = new FormData();
    form.set('engine', 'whisper');
    const noFile = await fetch(`${stack.baseUrl}/api/audio`, { method: 'POST', body: form, headers: { authorization: `Bearer ${stack.apiKey}` } });
    assert.equal(noFile.status, 400);
    assert.equal(((await noFile.json()) as any).error.details.fields[0].field, 'body.file');
    const json = await stack.call('POST', '/api/audio', { file: 'x' });
    assert.equal(json.status, 415);
    const { file } = await recording(2, 'wav');
    const engine = await upload(file, { engine: 'siri' }, 'a.wav', 'audio/wav');
    assert.equal(engine.status, 400);
    assert.equal(engine.body.error.details.fields[0].field, 'body.engine');
  });

  it("answers 404 for another user's recording", async () => {
    const other = await stack.newUser();
    const res = await stack.call('GET', '/api/audio/00000000-0000-4000-8000-000000000000', undefined, other.apiKey);
    assert.equal(res.status, 404);
  });
});
