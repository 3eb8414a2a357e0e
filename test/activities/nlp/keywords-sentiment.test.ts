import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractKeywords } from '../../../src/activities/nlp/keywords';
import { scoreSentiment } from '../../../src/activities/nlp/sentiment';

const text =
  'Northwind reported quarterly revenue of $48.6 million in 2024. Revenue from refrigerated freight grew, ' +
  'and refrigerated trailers for the cold-chain contract arrive in March. The refrigerated fleet now has 42 trailers.';

test('keywords rank distinctive repeated terms first and drop numbers and stopwords', () => {
  const keywords = extractKeywords(text, 5);
  assert.equal(keywords.length, 5);
  assert.equal(keywords[0]!.term, 'refrigerated');
  for (let i = 1; i < keywords.length; i++) assert.ok(keywords[i - 1]!.score >= keywords[i]!.score);
  for (const k of extractKeywords(text, 50)) {
    assert.doesNotMatch(k.term, /\d/);
    assert.ok(!['the', 'and', 'for', 'now', 'has', 'from'].includes(k.term), k.term);
  }
});

test('common words score below rare ones at equal frequency', () => {
  const [first] = extractKeywords('people logistics');
  assert.equal(first!.term, 'logistics');
});

test('keywords of empty text are empty', () => {
  assert.deepEqual(extractKeywords(''), []);
});

test('sentiment is positive, negative or neutral within (-1, 1)', () => {
  const positive = scoreSentiment('The launch was a great success and customers love the new features.');
  const negative = scoreSentiment('A terrible quarter: revenue fell, customers were angry and layoffs were painful.');
  const neutral = scoreSentiment('The meeting is on Tuesday in room 4.');
  assert.ok(positive.score > 0.3 && positive.score < 1);
  assert.ok(negative.score < -0.3 && negative.score > -1);
  assert.equal(neutral.score, 0);
  assert.ok(scoreSentiment('This is not good.').score < 0, 'negation flips the valence');
  assert.deepEqual(scoreSentiment(''), { score: 0, afinnMean: 0 });
});
