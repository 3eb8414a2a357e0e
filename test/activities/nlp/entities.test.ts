import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { extractEntities, type Entity } from '../../../src/activities/nlp/entities';
import { scoreEntities, type MarkedEntity } from '../../../src/activities/nlp/entity-scoring';

const REFERENCE = '2025-01-15';

function find(entities: Entity[], type: Entity['type'], text: string): Entity {
  const hit = entities.find((e) => e.type === type && e.text === text);
  assert.ok(hit, `expected ${type} "${text}" in ${JSON.stringify(entities.map((e) => `${e.type}:${e.text}`))}`);
  return hit;
}

test('finds each entity type with normalised values and exact offsets', () => {
  const text =
    'On March 3, 2025 Sarah Connor of Acme Corp. met Bill Gates in San Francisco at 3:30 pm. ' +
    'Revenue rose 12.5% to $4.2 million (€3 million). Email SARAH@Acme.com or visit https://acme.com/x, ' +
    'call +1 (415) 555-0123 next Tuesday.';
  const entities = extractEntities(text, { referenceDate: REFERENCE });
  for (const e of entities) assert.equal(text.slice(e.start, e.end), e.text);

  assert.equal(find(entities, 'date', 'March 3, 2025').value, '2025-03-03');
  assert.equal(find(entities, 'date', 'next Tuesday').value, '2025-01-21');
  assert.equal(find(entities, 'time', '3:30 pm').value, '15:30');
  find(entities, 'person', 'Sarah Connor');
  find(entities, 'person', 'Bill Gates');
  find(entities, 'organization', 'Acme Corp.');
  find(entities, 'place', 'San Francisco');
  assert.equal(find(entities, 'percent', '12.5%').value, 12.5);
  assert.deepEqual(find(entities, 'money', '$4.2 million').value, { amount: 4_200_000, currency: 'USD' });
  assert.deepEqual(find(entities, 'money', '€3 million').value, { amount: 3_000_000, currency: 'EUR' });
  assert.equal(find(entities, 'email', 'SARAH@Acme.com').value, 'sarah@acme.com');
  find(entities, 'url', 'https://acme.com/x');
  assert.equal(find(entities, 'phone', '+1 (415) 555-0123').value, '+14155550123');
});

test('mentions never overlap and come sorted by position', () => {
  const text = 'Between February 10, 2025 and April 30, 2025 the meeting on January 28, 2025 at 10:30 a.m. moved.';
  const entities = extractEntities(text, { referenceDate: REFERENCE });
  for (let i = 1; i < entities.length; i++) assert.ok(entities[i]!.start >= entities[i - 1]!.end);
  assert.deepEqual(
    entities.map((e) => [e.type, e.text, e.value]),
    [
      ['date', 'February 10, 2025', '2025-02-10'],
      ['date', 'April 30, 2025', '2025-04-30'],
      ['date', 'January 28, 2025', '2025-01-28'],
      ['time', '10:30 a.m.', '10:30'],
    ],
  );
});

test('dates resolve against the reference date, so results are deterministic', () => {
  const a = extractEntities('We ship next Friday.', { referenceDate: '2025-01-15' });
  const b = extractEntities('We ship next Friday.', { referenceDate: '2025-06-02' });
  assert.equal(a[0]?.value, '2025-01-24');
  assert.equal(b[0]?.value, '2025-06-13');
});

test('years and ISO dates are not mistaken for phone numbers', () => {
  const entities = extractEntities('Targets for 2024 2025 were set on 2024-05-01; call 020 7946 0958.', {
    referenceDate: REFERENCE,
  });
  assert.deepEqual(
    entities.filter((e) => e.type === 'phone').map((e) => e.value),
    ['02079460958'],
  );
});

test('copes with empty and odd text', () => {
  assert.deepEqual(extractEntities(''), []);
  assert.deepEqual(extractEntities('\u0000\uFFFD ### 12 34 ???'), []);
});

for (const name of ['business-text', 'meeting-notes']) {
  test(`${name} fixture: precision and recall per type stay above the floor`, () => {
    const text = readFileSync(new URL(`../../fixtures/nlp/${name}.txt`, import.meta.url), 'utf8');
    const gold = JSON.parse(readFileSync(new URL(`../../fixtures/nlp/${name}.entities.json`, import.meta.url), 'utf8')) as {
      referenceDate: string;
      entities: (MarkedEntity & { text: string })[];
    };
    for (const g of gold.entities) assert.equal(text.slice(g.start, g.end), g.text, 'fixture offsets');
    const scores = scoreEntities(extractEntities(text, { referenceDate: gold.referenceDate }), gold.entities);
    for (const [type, s] of Object.entries(scores)) {
      assert.ok(s.precision >= 0.7, `${type} precision ${s.precision}`);
      assert.ok(s.recall >= 0.7, `${type} recall ${s.recall}`);
    }
  });
}

test('scoreEntities counts exact and overlapping matches', () => {
  const gold: MarkedEntity[] = [
    { type: 'organization', start: 0, end: 10 },
    { type: 'person', start: 20, end: 30 },
  ];
  const predicted: MarkedEntity[] = [
    { type: 'organization', start: 0, end: 4 },
    { type: 'person', start: 20, end: 30 },
    { type: 'person', start: 40, end: 45 },
  ];
  const exact = scoreEntities(predicted, gold);
  assert.deepEqual([exact.organization!.precision, exact.organization!.recall], [0, 0]);
  assert.deepEqual([exact.person!.precision, exact.person!.recall], [0.5, 1]);
  assert.equal(scoreEntities(predicted, gold, 'overlap').organization!.recall, 1);
});
