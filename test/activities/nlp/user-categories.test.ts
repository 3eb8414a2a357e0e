import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decideUserModel, type LabelledExample } from '../../../src/activities/training/user-models';
import { classifyPersonal, DEFAULT_MIN_SIMILARITY } from '../../../src/activities/nlp/user-categories';

// Any dimension works: these vectors have three (or five), the embeddings of the pipeline have the embedding model's.
const near = (axis: number, dims = 3, jitter = 0.05, i = 0): number[] =>
  Array.from({ length: dims }, (_, d) => (d === axis ? 1 : ((i * 7 + d * 3) % 5) * jitter * 0.2));
const sumOf = (vs: number[][]) => vs[0]!.map((_, d) => vs.reduce((s, v) => s + v[d]!, 0));

test("the user's category wins only when the note is close to it and clearly ahead of the user's others", () => {
  const centroids = [
    { category: 'birding', sum: sumOf([near(0), near(0, 3, 0.05, 1)]), count: 2 },
    { category: 'garden', sum: sumOf([near(1), near(1, 3, 0.05, 1)]), count: 2 },
  ];
  assert.equal(classifyPersonal(centroids, near(0, 3, 0.05, 2), DEFAULT_MIN_SIMILARITY).category, 'birding');
  assert.equal(classifyPersonal(centroids, near(2), DEFAULT_MIN_SIMILARITY).category, null, 'far from every category: the shared model answers');
  const two = [
    { category: 'birding', sum: [1, 0, 0], count: 1 },
    { category: 'garden', sum: [0, 1, 0], count: 1 },
  ];
  assert.equal(classifyPersonal(two, [1, 1, 0], DEFAULT_MIN_SIMILARITY).category, null, 'halfway between two: not confident');
  assert.equal(classifyPersonal(two, [1, 0.3, 0], DEFAULT_MIN_SIMILARITY).category, 'birding');
  assert.equal(classifyPersonal(centroids, near(0, 5), DEFAULT_MIN_SIMILARITY).category, null, 'a vector of another dimension is never compared');
  assert.equal(classifyPersonal([], near(0), DEFAULT_MIN_SIMILARITY).category, null);
});

const example = (label: string, embedding: number[], starter: string): LabelledExample => ({ label, embedding, starter });

test('nightly: a category of the user’s own that the shared model cannot know is kept on', () => {
  const train = Array.from({ length: 8 }, (_, i) => example('birding', near(0, 3, 0.05, i), 'lifestyle'));
  const heldOut = [example('birding', near(0, 3, 0.05, 9), 'lifestyle'), example('birding', near(0, 3, 0.05, 10), 'lifestyle')];
  const decision = decideUserModel(train, heldOut, { enabled: true, minSimilarity: DEFAULT_MIN_SIMILARITY });
  assert.equal(decision.enabled, true);
  assert.equal(decision.promoted, true);
  assert.equal(decision.metrics.candidate.accuracy, 1);
  assert.equal(decision.metrics.starterAccuracy, 0);
});

test('nightly: a user model that does worse than the shared model on held-out labels is switched off', () => {
  const train = [
    ...Array.from({ length: 4 }, (_, i) => example('news', near(0, 3, 0.05, i), 'news')),
    ...Array.from({ length: 4 }, (_, i) => example('science', near(1, 3, 0.05, i), 'science')),
  ];
  // Held-out notes that look like the other category: the shared model gets them right, the centroids do not.
  const heldOut = [example('news', near(1, 3, 0.05, 5), 'news'), example('science', near(0, 3, 0.05, 5), 'science')];
  const decision = decideUserModel(train, heldOut, { enabled: true, minSimilarity: DEFAULT_MIN_SIMILARITY });
  assert.equal(decision.enabled, false, decision.reason);
  assert.equal(decision.metrics.starterAccuracy, 1);
});

test('nightly: without held-out labels the current setting stays', () => {
  const train = Array.from({ length: 3 }, (_, i) => example('birding', near(0, 3, 0.05, i), 'lifestyle'));
  const decision = decideUserModel(train, [], { enabled: true, minSimilarity: 0.5 });
  assert.deepEqual([decision.promoted, decision.enabled, decision.minSimilarity], [false, true, 0.5]);
});
