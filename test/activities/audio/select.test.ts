import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, defaultEngineName, isEngineAvailable } from '../../../src/activities/audio/engines/select';
import { ensureWhisperVenv } from '../../../src/activities/audio/engines/whisper-setup';

test('both engines are installed here, and Whisper (the more accurate) is the default', async () => {
  await ensureWhisperVenv();
  assert.ok(await isEngineAvailable('pocketsphinx'));
  assert.ok(await isEngineAvailable('whisper'));
  assert.equal(await defaultEngineName(), 'whisper');
});

test('creates engines by name; Whisper is one per process', () => {
  assert.equal(createEngine('pocketsphinx').name, 'pocketsphinx');
  assert.equal(createEngine('whisper'), createEngine('whisper'));
});
