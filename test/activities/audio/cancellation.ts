import assert from 'node:assert/strict';
import type { SpeechEngine } from '../../../src/activities/audio/engines/types';
import { pidsWithArg } from '../../support/processes';

/**
 * Starts a transcription, aborts it once its child is busy, and checks the promise rejects at once and the
 * child (found by `needle` in its command line) is gone within 2 s.
 */
export async function assertAbortKillsChild(engine: SpeechEngine, wav: string, busyNeedle: () => string): Promise<void> {
  const controller = new AbortController();
  const running = engine.transcribe(wav, { signal: controller.signal });
  await new Promise((r) => setTimeout(r, 700));
  assert.equal(pidsWithArg(busyNeedle()).length, 1, 'the child is running');

  const abortedAt = Date.now();
  controller.abort();
  await assert.rejects(running, { name: 'AbortError' });
  assert.ok(Date.now() - abortedAt < 200, 'the promise rejects at once');
  while (pidsWithArg(busyNeedle()).length > 0 && Date.now() - abortedAt < 3000) await new Promise((r) => setTimeout(r, 20));
  assert.ok(Date.now() - abortedAt < 2000, `the child lived ${Date.now() - abortedAt} ms after abort`);
}
