import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractEntities } from '../../../src/activities/nlp/entities';
import { extractEntitiesInWindows, textWindows } from '../../../src/activities/nlp/windows';
import { longProse } from '../../support/long-text';

test('windows cover the text exactly, each within the limit, cut after a sentence or paragraph', () => {
  const text = longProse(60_000);
  const windows = textWindows(text, 8_000);
  assert.equal(windows[0]![0], 0);
  assert.equal(windows.at(-1)![1], text.length);
  for (const [i, [start, end]] of windows.entries()) {
    assert.ok(end - start <= 8_000 && end > start);
    if (i > 0) assert.equal(start, windows[i - 1]![1]);
    if (end < text.length) assert.match(text.slice(end - 3, end), /[.!?"')\]]\s*$|\n$|\s$/, `window ${i} ends mid-sentence`);
  }
});

test('a text without spaces is still cut, at the limit', () => {
  assert.deepEqual(textWindows('x'.repeat(20), 8), [[0, 8], [8, 16], [16, 20]]);
});

test('a short text is one window: the same entities as extractEntities', async () => {
  const text = 'Sarah Connor met Acme Corp in Paris on March 3, 2025 and paid $4.5 million.';
  assert.deepEqual(await extractEntitiesInWindows(text, { referenceDate: '2025-01-15' }), extractEntities(text, { referenceDate: '2025-01-15' }));
});

test('entities found in later windows carry offsets into the whole text', async () => {
  const text = longProse(30_000);
  const progress: number[] = [];
  const entities = await extractEntitiesInWindows(text, { referenceDate: '2025-01-15' }, (done, total) => progress.push(done / total));
  assert.ok(entities.length > 100, `${entities.length} entities`);
  assert.ok(entities.some((e) => e.start > 20_000), 'entities from the last windows');
  for (const e of entities) assert.equal(text.slice(e.start, e.end), e.text);
  assert.ok(progress.length >= 4 && progress.at(-1) === 1);
});
