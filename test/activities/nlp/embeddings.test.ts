import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cosine, embed, EMBEDDING_DIMENSIONS } from '../../../src/activities/nlp/embeddings';

const norm = (v: number[]) => Math.sqrt(v.reduce((s, x) => s + x * x, 0));

test('embeddings have 512 dimensions and unit length', async () => {
  const v = await embed('The quarterly report is due on Friday.');
  assert.equal(v.length, EMBEDDING_DIMENSIONS);
  assert.ok(Math.abs(norm(v) - 1) < 1e-6);
});

test('for each query its paraphrase ranks above every unrelated text', async () => {
  const pairs = [
    [
      'Our quarterly revenue grew faster than expected thanks to new enterprise customers.',
      'Sales in the last three months beat forecasts because large business clients signed up.',
    ],
    [
      'The warehouse in Chicago was closed for two days because of a snowstorm.',
      'Heavy snow shut down the Chicago depot for a couple of days.',
    ],
    [
      'Please reset your password before you log in to the VPN.',
      'You need a new password to connect to the virtual private network.',
    ],
    [
      'The board approved the purchase of sixty electric delivery vans.',
      'Directors signed off on buying 60 battery-powered vans for deliveries.',
    ],
  ];
  const unrelated = [
    'The cafeteria will serve vegetarian lasagna on Friday.',
    'Our hiking club meets every Sunday morning at the lake.',
    'The novel follows a young violinist growing up in Vienna.',
  ];
  const paraphrases = await Promise.all(pairs.map(([, p]) => embed(p!)));
  const others = await Promise.all(unrelated.map((u) => embed(u)));
  for (const [i, [query]] of pairs.entries()) {
    const q = await embed(query!);
    const own = cosine(q, paraphrases[i]!);
    const candidates = [...paraphrases.filter((_, j) => j !== i), ...others];
    for (const c of candidates) assert.ok(own > cosine(q, c), `"${query}" ranks a non-paraphrase above its paraphrase`);
  }
});

test('long texts are chunked, pooled and still unit length and on topic', async () => {
  const paragraph =
    'Freight volumes at the port rose again this month as shipping lines added capacity on Asian routes. ';
  const long = paragraph.repeat(160); // ~2,600 words: three chunks
  const v = await embed(long);
  assert.ok(Math.abs(norm(v) - 1) < 1e-6);
  const onTopic = cosine(v, await embed(paragraph));
  const offTopic = cosine(v, await embed('The cafeteria will serve vegetarian lasagna on Friday.'));
  assert.ok(onTopic > 0.8 && onTopic - offTopic > 0.3, `on topic ${onTopic}, off topic ${offTopic}`);
});

test('cosine handles identical, orthogonal and zero vectors', () => {
  assert.equal(cosine([1, 0], [1, 0]), 1);
  assert.equal(cosine([1, 0], [0, 1]), 0);
  assert.equal(cosine([0, 0], [1, 0]), 0);
  assert.throws(() => cosine([1], [1, 0]));
});

test('empty text is refused rather than embedded as noise', async () => {
  await assert.rejects(embed('   '));
});
