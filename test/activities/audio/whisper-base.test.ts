import assert from 'node:assert/strict';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chooseEngine } from '../../../src/activities/audio/engines/select';
import { createWhisperBaseEngine, createWhisperEngine, isWhisperBaseAvailable } from '../../../src/activities/audio/engines/whisper';
import { ensureWhisperBase, ensureWhisperVenv } from '../../../src/activities/audio/engines/whisper-setup';
import { wordErrorRate } from '../../../src/activities/audio/wer';
import { speak, speakPortuguese, speechText, tempDir } from '../../support/speech';

// Whisper base on espeak-ng Portuguese: about 30% WER (docs/benchmarks.md); an English model is near 100%.
const MAX_PT_WER = 0.55;
const base = createWhisperBaseEngine();
const tiny = createWhisperEngine();
let ptText: string;
let ptWav: string;
let enText: string;
let enWav: string;

before(async () => {
  await Promise.all([ensureWhisperBase(), ensureWhisperVenv()]);
  const dir = await tempDir();
  ptText = await speechText(3, 'pt');
  enText = await speechText(3);
  ptWav = join(dir, 'pt.wav');
  enWav = join(dir, 'en.wav');
  await Promise.all([speakPortuguese(ptText, ptWav), speak(enText, enWav)]);
});
after(() => Promise.all([base.close?.(), tiny.close?.()]));

test('is provisioned once: the joined model.bin is whole, and a second ensure changes nothing', async () => {
  assert.ok(await isWhisperBaseAvailable());
  const { modelDir } = await ensureWhisperBase();
  const first = await stat(join(modelDir, 'model.bin'));
  assert.equal(first.size, 145_217_532);
  const begin = performance.now();
  await ensureWhisperBase();
  assert.ok(performance.now() - begin < 200, 'no second join');
  assert.equal((await stat(join(modelDir, 'model.bin'))).mtimeMs, first.mtimeMs);
});

test('transcribes Portuguese told pt; tiny.en on the same speech is over the bound', async () => {
  const [pt, en] = await Promise.all([base.transcribe(ptWav, { language: 'pt' }), tiny.transcribe(ptWav)]);
  const wer = wordErrorRate(ptText, pt.text);
  assert.ok(wer < MAX_PT_WER, `base WER ${wer.toFixed(3)}: ${pt.text}`);
  assert.match(pt.text.toLowerCase(), /manhã/);
  assert.ok(pt.segments.length > 0 && pt.segments.every((s) => s.startSec < s.endSec));
  const tinyWer = wordErrorRate(ptText, en.text);
  assert.ok(tinyWer > MAX_PT_WER, `tiny.en WER ${tinyWer.toFixed(3)}: ${en.text}`);
});

test('detects Portuguese and English on the first chunk', async () => {
  const candidates = ['en', 'pt'];
  assert.equal((await base.detectLanguage!(ptWav, { candidates })).language, 'pt');
  assert.equal((await base.detectLanguage!(enWav, { candidates })).language, 'en');
});

test('chooses the engine by language: pt and detected pt go to Whisper base, English keeps the English engine', async () => {
  assert.deepEqual(await pick('pt', 'auto'), { engine: 'whisper-base', language: 'pt' });
  // SPEECH_ENGINE=pocketsphinx picks English's engine only.
  assert.deepEqual(await pick('pt', 'pocketsphinx'), { engine: 'whisper-base', language: 'pt' });
  assert.deepEqual(await pick('en', 'auto'), { engine: 'whisper', language: 'en' });
  assert.deepEqual(await pick('en', 'pocketsphinx'), { engine: 'pocketsphinx', language: 'en' });
  assert.deepEqual(await pick('auto', 'auto', ptWav), { engine: 'whisper-base', language: 'pt' });
  assert.deepEqual(await pick('auto', 'pocketsphinx', enWav), { engine: 'pocketsphinx', language: 'en' });
});

test('a cancelled Portuguese chunk rejects at once and the engine goes on', async () => {
  const controller = new AbortController();
  const running = base.transcribe(ptWav, { language: 'pt', signal: controller.signal });
  await new Promise((r) => setTimeout(r, 300));
  const abortedAt = Date.now();
  controller.abort();
  await assert.rejects(running, { name: 'AbortError' });
  assert.ok(Date.now() - abortedAt < 200, 'the promise rejects at once');
  const again = await base.transcribe(ptWav, { language: 'pt' });
  assert.ok(wordErrorRate(ptText, again.text) < MAX_PT_WER, again.text);
});

test('the English-only engines refuse another language rather than mistranscribe it', async () => {
  await assert.rejects(tiny.transcribe(ptWav, { language: 'pt' }), /English only|en only/);
});

async function pick(language: 'auto' | 'en' | 'pt', engine: 'auto' | 'pocketsphinx', sampleWav?: string) {
  const { engine: chosen, language: spoken } = await chooseEngine({ engine, language, sampleWav });
  return { engine: chosen, language: spoken };
}
