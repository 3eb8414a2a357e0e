import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { AudioInputError, probeAudio } from '../../../src/activities/audio/probe';
import { convert, speak, speechText, tempDir } from '../../support/speech';

let dir: string;
let wav: string;

before(async () => {
  dir = await tempDir();
  wav = join(dir, 'speech.wav');
  await speak(await speechText(2), wav);
});

test('probes a flite WAV', async () => {
  const info = await probeAudio(wav);
  assert.equal(info.codec, 'pcm_s16le');
  assert.equal(info.channels, 1);
  assert.equal(info.sampleRate, 16000);
  assert.equal(info.format, 'wav');
  assert.ok(info.durationSec > 5 && info.durationSec < 15, `duration ${info.durationSec}`);
});

for (const [ext, codec] of [
  ['mp3', 'mp3'],
  ['ogg', 'opus'],
  ['flac', 'flac'],
  ['m4a', 'aac'],
] as const) {
  test(`probes ${ext}`, async () => {
    const file = join(dir, `speech.${ext}`);
    await convert(wav, file, ['-ac', '2']);
    const info = await probeAudio(file);
    assert.equal(info.codec, codec);
    assert.equal(info.channels, 2);
    const reference = await probeAudio(wav);
    assert.ok(Math.abs(info.durationSec - reference.durationSec) < 0.2, `${ext} lasts ${info.durationSec}`);
  });
}

async function rejectsAsInput(path: string, message: RegExp): Promise<void> {
  await assert.rejects(probeAudio(path), (err: Error) => {
    assert.ok(err instanceof AudioInputError, `${err.name}: ${err.message}`);
    assert.match(err.message, message);
    return true;
  });
}

test('a text file is not audio', async () => {
  const file = join(dir, 'notes.txt');
  await writeFile(file, 'Meeting notes: call Peter about the server on Friday.\n'.repeat(20));
  await rejectsAsInput(file, /not audio|not a recognised audio format/);
});

test('random bytes named .mp3 are rejected', async () => {
  const file = join(dir, 'noise.mp3');
  await writeFile(file, randomBytes(4096));
  await rejectsAsInput(file, /not audio|not a recognised audio format|corrupt/);
});

test('a WAV with a mangled header is rejected', async () => {
  const file = join(dir, 'mangled.wav');
  const bytes = await readFile(wav);
  bytes.fill(0, 0, 64);
  await writeFile(file, bytes);
  await rejectsAsInput(file, /not a recognised audio format|corrupt|not audio/);
});

test('an empty file is rejected', async () => {
  const file = join(dir, 'empty.m4a');
  await writeFile(file, '');
  await rejectsAsInput(file, /empty/);
});
