import assert from 'node:assert/strict';
import path from 'node:path';
import { readFile } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import { wordErrorRate } from '../../src/activities/audio/wer';
import { speak, speakPortuguese, speechText, tempDir } from '../support/speech';
import { startStack, waitFor, type TestStack } from '../support/stack';

// Whisper base on espeak-ng Portuguese: 26.7% WER (docs/benchmarks.md); tiny.en, English-only, 99%
// (test/activities/audio/whisper-base.test.ts shows it over this bound).
const MAX_PT_WER = 0.55;

let stack: TestStack;
let dir: string;
let pt: { file: string; text: string };
before(async () => {
  stack = await startStack({ queues: ['audio', 'nlp'] });
  dir = await tempDir();
  // Three sentences, about 25 s: one chunk, so detection and transcription each run once.
  const text = await speechText(3, 'pt');
  pt = { file: path.join(dir, 'pt.wav'), text };
  await speakPortuguese(text, pt.file);
});
after(() => stack?.stop());

async function upload(file: string, fields: Record<string, string> = {}) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([await readFile(file)], { type: 'audio/wav' }), path.basename(file));
  const res = await fetch(`${stack.baseUrl}/api/audio`, { method: 'POST', body: form, headers: { authorization: `Bearer ${stack.apiKey}` } });
  return { status: res.status, body: (await res.json()) as any };
}

const finished = (jobId: string) =>
  waitFor(async () => {
    const { body } = await stack.call('GET', `/api/jobs/${jobId}`);
    return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
  }, 180_000, `job ${jobId} to finish`);

async function transcribed(fields: Record<string, string>, file = pt.file) {
  const res = await upload(file, fields);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  const job = await finished(res.body.jobId);
  assert.equal(job.status, 'completed', JSON.stringify(job));
  const { body: audio } = await stack.call('GET', `/api/audio/${res.body.audioId}`);
  return { job, audio };
}

describe('Portuguese recordings', () => {
  it('language=pt: Whisper base transcribes it, and the recording says pt', async () => {
    const { job, audio } = await transcribed({ language: 'pt' });
    assert.equal(job.result.engine, 'whisper-base');
    assert.equal(job.result.language, 'pt');
    assert.equal(audio.engine, 'whisper-base');
    assert.equal(audio.language, 'pt');
    const wer = wordErrorRate(pt.text, audio.transcript);
    assert.ok(wer < MAX_PT_WER, `WER ${wer.toFixed(3)}: ${audio.transcript}`);
    for (const word of ['manhã', 'água', 'estação']) assert.match(audio.transcript.toLowerCase(), new RegExp(word), audio.transcript);
    assert.equal(audio.insight.text, audio.transcript, 'the transcript goes to the insight pipeline');
    // …which analyses it as Portuguese.
    assert.equal(audio.insight.status, 'processed', JSON.stringify(audio.insight));
    assert.equal(audio.insight.language, 'pt');
    assert.ok(audio.insight.keywords.length > 0, JSON.stringify(audio.insight));
  });

  it('language=auto (the default) detects Portuguese on the first chunk', async () => {
    const { job, audio } = await transcribed({});
    assert.equal(job.result.language, 'pt');
    assert.equal(audio.engine, 'whisper-base');
    const wer = wordErrorRate(pt.text, audio.transcript);
    assert.ok(wer < MAX_PT_WER, `WER ${wer.toFixed(3)}: ${audio.transcript}`);
  });

  it('language=auto on English speech keeps the English engine', async () => {
    const text = await speechText(2);
    const file = path.join(dir, 'en.wav');
    await speak(text, file);
    const { job, audio } = await transcribed({}, file);
    assert.equal(job.result.engine, 'whisper');
    assert.equal(audio.language, 'en');
    assert.ok(wordErrorRate(text, audio.transcript) < 0.2, audio.transcript);
  });

  it('refuses a bad language, and Portuguese with an English-only engine, with 400 naming body.language', async () => {
    const bad: Record<string, string>[] = [{ language: 'fr' }, { language: 'PT' }, { language: '' }, { language: 'pt', engine: 'pocketsphinx' }, { language: 'pt', engine: 'whisper' }];
    for (const fields of bad) {
      const res = await upload(pt.file, fields);
      assert.equal(res.status, 400, JSON.stringify({ fields, body: res.body }));
      assert.equal(res.body.error.details.fields[0].field, 'body.language', JSON.stringify(res.body));
    }
  });
});
