import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeTranscripts } from '../../../src/activities/audio/merge';

test('shifts segment times by each chunk start and joins texts in time order', () => {
  const merged = mergeTranscripts([
    { startSec: 28.37, text: 'second part', segments: [{ startSec: 0.5, endSec: 2.25, text: ' second part ' }] },
    {
      startSec: 0,
      text: 'first part. more',
      segments: [
        { startSec: 0.1, endSec: 1.2, text: 'first part.' },
        { startSec: 1.5, endSec: 2, text: 'more' },
      ],
    },
    { startSec: 55.1, text: '', segments: [{ startSec: 0, endSec: 1, text: ' ' }] },
  ]);
  assert.equal(merged.text, 'first part. more second part');
  assert.deepEqual(merged.segments, [
    { startSec: 0.1, endSec: 1.2, text: 'first part.' },
    { startSec: 1.5, endSec: 2, text: 'more' },
    { startSec: 28.87, endSec: 30.62, text: 'second part' },
  ]);
});

test('no chunks give an empty transcript', () => {
  assert.deepEqual(mergeTranscripts([]), { text: '', segments: [] });
});
