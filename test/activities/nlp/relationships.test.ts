import assert from 'node:assert/strict';
import { test } from 'node:test';
import { rankRelated, type EntityRef } from '../../../src/activities/nlp/relationships';

const acme: EntityRef = { type: 'organization', text: 'Acme Corp.', value: 'Acme Corp.' };
const acmeAgain: EntityRef = { type: 'organization', text: 'ACME Corp', value: 'ACME Corp' };
const sarah: EntityRef = { type: 'person', text: 'Sarah Connor', value: 'Sarah Connor' };
const friday: EntityRef = { type: 'date', text: 'Friday', value: '2025-01-17' };

const insight = { embedding: [1, 0, 0], entities: [acme, sarah, friday] };

test('ranks by semantic similarity and lifts candidates that share entities', () => {
  const related = rankRelated(insight, [
    { id: 'close', similarity: 0.7, entities: [] },
    { id: 'close-same-company', similarity: 0.6, entities: [acmeAgain] },
    { id: 'weak', similarity: 0.5, entities: [] },
    { id: 'unrelated', similarity: 0.05, entities: [] },
  ]);
  assert.deepEqual(
    related.map((r) => r.id),
    ['close-same-company', 'close', 'weak'],
  );
  assert.deepEqual(related[0]!.reason, { semantic: 0.6, sharedEntities: ['ACME Corp'] });
});

test('a shared person counts for more than a shared date', () => {
  const related = rankRelated(insight, [
    { id: 'same-day', similarity: 0.5, entities: [friday] },
    { id: 'same-person', similarity: 0.5, entities: [sarah] },
  ]);
  assert.deepEqual(related.map((r) => r.id), ['same-person', 'same-day']);
});

test('computes cosine from embeddings when no similarity is given', () => {
  const [top] = rankRelated(insight, [
    { id: 'same-direction', embedding: [2, 0, 0], entities: [] },
    { id: 'orthogonal', embedding: [0, 1, 0], entities: [] },
  ]);
  assert.equal(top!.id, 'same-direction');
  assert.equal(top!.reason.semantic, 1);
});

test('keeps at most topK and nothing under the absolute or relative floor', () => {
  const many = Array.from({ length: 20 }, (_, i) => ({ id: `c${String(i).padStart(2, '0')}`, similarity: 0.9 - i * 0.02, entities: [] }));
  assert.equal(rankRelated(insight, many, { topK: 3 }).length, 3);
  assert.deepEqual(rankRelated(insight, [{ id: 'noise', similarity: 0.2, entities: [] }]), []);
  const relative = rankRelated(insight, [
    { id: 'strong', similarity: 0.95, entities: [acme, sarah] },
    { id: 'faint', similarity: 0.5, entities: [] },
  ]);
  assert.deepEqual(relative.map((r) => r.id), ['strong']);
});

test('no candidates, no relations', () => {
  assert.deepEqual(rankRelated(insight, []), []);
});
