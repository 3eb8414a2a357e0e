import assert from 'node:assert/strict';
import { test } from 'node:test';
import { wordErrorRate } from '../../../src/activities/audio/wer';

test('identical text after normalising case and punctuation scores 0', () => {
  assert.equal(wordErrorRate('The lazy dog-temporal workflows.', "the LAZY dog temporal workflow's"), 0);
});

test('counts substitutions, deletions and insertions over reference words', () => {
  assert.equal(wordErrorRate('a b c d', 'a x c d'), 0.25);
  assert.equal(wordErrorRate('a b c d', 'a c d'), 0.25);
  assert.equal(wordErrorRate('a b c d', 'a b c d e f'), 0.5);
  assert.equal(wordErrorRate('a b', ''), 1);
});

test('an empty reference is perfect only against an empty hypothesis', () => {
  assert.equal(wordErrorRate('', ' ... '), 0);
  assert.equal(wordErrorRate('', 'words'), 1);
});

test('accented letters belong to their word, composed or not; a changed accent is an error', () => {
  assert.equal(wordErrorRate('Ela não está na estação.', 'ela na\u0303o está na estação'), 0);
  assert.equal(wordErrorRate('ela não está', 'ela não esta'), 1 / 3);
});
