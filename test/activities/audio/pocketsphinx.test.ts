import assert from 'node:assert/strict';
import { join } from 'node:path';
import { before, test } from 'node:test';
import {
  createPocketsphinxEngine,
  isPocketsphinxAvailable,
  parsePocketsphinxOutput,
} from '../../../src/activities/audio/engines/pocketsphinx';
import { wordErrorRate } from '../../../src/activities/audio/wer';
import { assertAbortKillsChild } from './cancellation';
import { speak, speechText, tempDir } from '../../support/speech';

let dir: string;

before(async () => {
  dir = await tempDir();
});

test('parses word times into segments split at pauses', () => {
  const stdout = [
    'the quick brown fox',
    '<s> 0.070 0.110 0.999200',
    'the 0.120 0.340 0.873178',
    'quick 0.350 0.640 0.993620',
    '<sil> 0.650 0.900 1.000000',
    '[NOISE] 0.910 0.950 1.000000',
    'brown(2) 0.960 1.100 0.999300',
    'fox 1.110 1.500 0.999300',
    '</s> 1.510 1.600 1.000000',
  ].join('\n');
  assert.deepEqual(parsePocketsphinxOutput(stdout), {
    text: 'the quick brown fox',
    segments: [
      { startSec: 0.12, endSec: 0.64, text: 'the quick' },
      { startSec: 0.96, endSec: 1.5, text: 'brown fox' },
    ],
  });
});

test('transcribes flite speech', async () => {
  assert.ok(await isPocketsphinxAvailable());
  const text = await speechText(5);
  const wav = join(dir, 'five.wav');
  await speak(text, wav);
  const result = await createPocketsphinxEngine().transcribe(wav);
  const wer = wordErrorRate(text, result.text);
  assert.ok(wer < 0.35, `WER ${wer.toFixed(3)}: ${result.text}`);
  assert.ok(result.segments.length > 1);
  assert.ok(result.segments.every((s, i) => s.startSec < s.endSec && (i === 0 || s.startSec >= result.segments[i - 1].endSec)));
});

test('abort kills pocketsphinx within 2 s', async () => {
  const wav = join(dir, 'long.wav');
  await speak(await speechText(14), wav);
  await assertAbortKillsChild(createPocketsphinxEngine(), wav, () => wav);
});
