import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, before, test } from 'node:test';
import type { SpeechEngine } from '../../../src/activities/audio/engines/types';
import { createWhisperEngine, getWhisperEngine, isWhisperAvailable } from '../../../src/activities/audio/engines/whisper';
import { ensureWhisperVenv } from '../../../src/activities/audio/engines/whisper-setup';
import { wordErrorRate } from '../../../src/activities/audio/wer';
import { pidsWithArg } from '../../support/processes';
import { speak, speechText, tempDir } from '../../support/speech';

const SERVER = 'whisper_server.py';
let dir: string;
let shortText: string;
let shortWav: string;
let longWav: string;
const engines: SpeechEngine[] = [];

before(async () => {
  await ensureWhisperVenv();
  dir = await tempDir();
  shortText = await speechText(5);
  shortWav = join(dir, 'short.wav');
  longWav = join(dir, 'long.wav');
  await Promise.all([speak(shortText, shortWav), speak(await speechText(14), longWav)]);
});

// One engine per test, closed after it, so the Python processes a test sees are its own.
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.close?.()));
});

function engine(options: Parameters<typeof createWhisperEngine>[0] = {}): SpeechEngine {
  const created = createWhisperEngine(options);
  engines.push(created);
  return created;
}

test('is available once provisioned, and shared per process', async () => {
  assert.ok(await isWhisperAvailable());
  assert.equal(getWhisperEngine(), getWhisperEngine());
});

test('transcribes flite speech, two chunks at once in one process', async () => {
  const whisper = engine();
  const [a, b] = await Promise.all([whisper.transcribe(shortWav), whisper.transcribe(shortWav)]);
  for (const result of [a, b]) {
    const wer = wordErrorRate(shortText, result.text);
    assert.ok(wer < 0.35, `WER ${wer.toFixed(3)}: ${result.text}`);
    assert.ok(result.segments.length > 0 && result.segments.every((s) => s.startSec < s.endSec));
  }
  assert.equal(pidsWithArg(SERVER).length, 1, 'one Python process served both');
});

test('a cancelled chunk stops decoding within 2 s', async () => {
  const whisper = engine();
  await whisper.transcribe(shortWav); // model loaded: the abort hits a running decode, not start-up
  const controller = new AbortController();
  const running = whisper.transcribe(longWav, { signal: controller.signal });
  await new Promise((r) => setTimeout(r, 300));
  const abortedAt = Date.now();
  controller.abort();
  await assert.rejects(running, { name: 'AbortError' });
  assert.ok(Date.now() - abortedAt < 200, 'the promise rejects at once');

  await new Promise((r) => setTimeout(r, 2000 - (Date.now() - abortedAt)));
  const before = cpuTicks(SERVER);
  await new Promise((r) => setTimeout(r, 500));
  assert.ok(cpuTicks(SERVER) - before <= 5, 'Python is idle 2 s after the abort');

  const again = await whisper.transcribe(shortWav);
  assert.ok(wordErrorRate(shortText, again.text) < 0.35, 'the engine still works');
});

test('a cancel that Python cannot honour in time kills the process; the other chunk is redone', async () => {
  const whisper = engine({ cancelGraceMs: 0 });
  await whisper.transcribe(shortWav);
  const [pid] = pidsWithArg(SERVER);
  const controller = new AbortController();
  const cancelled = whisper.transcribe(longWav, { signal: controller.signal });
  const bystander = whisper.transcribe(shortWav);
  await new Promise((r) => setTimeout(r, 300));
  controller.abort();
  await assert.rejects(cancelled, { name: 'AbortError' });
  const result = await bystander;
  assert.ok(wordErrorRate(shortText, result.text) < 0.35);
  assert.ok(!pidsWithArg(SERVER).includes(pid), 'the old process was killed');
});

test('a crashed process fails its chunks and is restarted on the next call', async () => {
  const whisper = engine();
  await whisper.transcribe(shortWav);
  const running = whisper.transcribe(longWav);
  await new Promise((r) => setTimeout(r, 200));
  for (const pid of pidsWithArg(SERVER)) process.kill(pid, 'SIGKILL');
  await assert.rejects(running, /whisper process killed by SIGKILL/);
  const result = await whisper.transcribe(shortWav);
  assert.ok(wordErrorRate(shortText, result.text) < 0.35);
});

function cpuTicks(needle: string): number {
  return pidsWithArg(needle).reduce((sum, pid) => {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return sum + Number(fields[11]) + Number(fields[12]);
  }, 0);
}
