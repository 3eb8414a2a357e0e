import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { open, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { probeAudio } from '../../../src/activities/audio/probe';
import { normaliseAndSplit, planCuts } from '../../../src/activities/audio/split';
import { readWavLayout } from '../../../src/activities/audio/wav';
import { pidsWithArg } from '../../support/processes';
import { convert, speak, speechText, tempDir } from '../../support/speech';

let dir: string;
let mp3: string;

before(async () => {
  dir = await tempDir();
  const wav = join(dir, 'speech.wav');
  await speak(await speechText(14), wav);
  mp3 = join(dir, 'speech.mp3');
  await convert(wav, mp3, ['-ac', '2', '-ar', '44100']);
});

test('splits a 70 s mp3 into 16 kHz mono chunks that add up to the whole', async () => {
  const outDir = join(dir, 'chunks');
  const { chunks, durationSec } = await normaliseAndSplit({ input: mp3, outDir });
  const input = await probeAudio(mp3);
  assert.ok(input.durationSec > 65 && input.durationSec < 80, `input lasts ${input.durationSec}`);
  assert.ok(Math.abs(durationSec - input.durationSec) < 0.2, `${durationSec} vs ${input.durationSec}`);
  assert.equal(chunks.length, 3);
  assert.deepEqual((await readdir(outDir)).sort(), chunks.map((c) => c.path.split('/').pop()));

  let expectedStart = 0;
  for (const [i, chunk] of chunks.entries()) {
    const layout = await readWavLayout(chunk.path);
    assert.equal(chunk.index, i);
    assert.deepEqual([layout.sampleRate, layout.channels, layout.bitsPerSample], [16000, 1, 16]);
    assert.ok(Math.abs(layout.durationSec - chunk.durationSec) < 1e-9);
    assert.ok(Math.abs(chunk.startSec - expectedStart) < 1e-9);
    const last = i === chunks.length - 1;
    assert.ok((last || chunk.durationSec > 22) && chunk.durationSec <= 33, `chunk ${i} lasts ${chunk.durationSec}`);
    expectedStart += chunk.durationSec;
  }
  assert.ok(Math.abs(expectedStart - durationSec) < 0.01);

  // Every cut lies in a pause: the first and last 50 ms around it are near silent.
  for (const chunk of chunks.slice(1)) {
    const samples = await pcm(chunk.path);
    const previous = await pcm(chunks[chunk.index - 1].path);
    assert.ok(rms(samples.subarray(0, 800)) < 300, `chunk ${chunk.index} starts mid-speech`);
    assert.ok(rms(previous.subarray(previous.length - 800)) < 300, `chunk ${chunk.index - 1} ends mid-speech`);
  }
});

test('plans cuts at the latest pause before each boundary, fixed cuts without pauses', () => {
  assert.deepEqual(planCuts(70, [], 30, 7.5), [30, 60]);
  assert.deepEqual(planCuts(32, [], 30, 7.5), [], 'a 2 s tail joins the last chunk');
  const pauses = [
    { startSec: 24, endSec: 25 },
    { startSec: 27, endSec: 28 },
    { startSec: 31, endSec: 32 },
    { startSec: 50, endSec: 51 },
  ];
  assert.deepEqual(planCuts(90, pauses, 30, 7.5), [27.5, 50.5, 80.5]);
});

test('abort kills ffmpeg within 2 s and leaves no partial files', async () => {
  const outDir = join(dir, 'aborted');
  const fifo = join(dir, 'endless.wav');
  execFileSync('mkfifo', [fifo]);
  const controller = new AbortController();
  const running = normaliseAndSplit({ input: fifo, outDir, signal: controller.signal });
  // ffmpeg waits on the pipe for more audio, so it is still running when the abort comes.
  const writer = await open(fifo, 'w');
  await writer.write((await readFile(mp3)).subarray(0, 64 * 1024));
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(pidsWithArg(fifo).length, 1, 'ffmpeg is running');

  const abortedAt = Date.now();
  controller.abort();
  await assert.rejects(running, { name: 'AbortError' });
  while (pidsWithArg(fifo).length > 0 && Date.now() - abortedAt < 3000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(Date.now() - abortedAt < 2000, `ffmpeg lived ${Date.now() - abortedAt} ms after abort`);
  assert.deepEqual(await readdir(outDir), []);
  await writer.close().catch(() => {});
});

async function pcm(path: string): Promise<Int16Array> {
  const { dataOffset, dataBytes } = await readWavLayout(path);
  const bytes = await readFile(path);
  return new Int16Array(bytes.buffer.slice(bytes.byteOffset + dataOffset, bytes.byteOffset + dataOffset + dataBytes));
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}
