import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractEntities } from '../../../src/activities/nlp/entities';
import { extractRelations, sentenceSpans } from '../../../src/activities/nlp/relations';

const triples = (text: string) => extractRelations(text, extractEntities(text)).map((r) => `${r.subject.text} / ${r.relation} / ${r.object.text}`);

test('a verb between two names of one sentence is their relation, with offsets into the text', () => {
  const text = 'Acme signed a contract with Globex. The weather was fine.';
  const relations = extractRelations(text, [
    { type: 'organization', text: 'Acme', value: 'Acme', start: 0, end: 4 },
    { type: 'organization', text: 'Globex', value: 'Globex', start: 28, end: 34 },
  ]);
  assert.equal(relations.length, 1);
  const [r] = relations;
  assert.equal(r!.subject.key, 'organization:acme');
  assert.equal(r!.relation, 'sign');
  assert.equal(r!.verb, 'signed');
  assert.equal(r!.object.key, 'organization:globex');
  assert.deepEqual(r!.sentence, { start: 0, end: 35 });
  assert.equal(text.slice(r!.sentence.start, r!.sentence.end), 'Acme signed a contract with Globex.');
});

test('no relation across sentences, in lists, across quotes or without a verb', () => {
  assert.deepEqual(triples('Maria Silva works hard. Globex is in Berlin.'), []);
  assert.deepEqual(triples('We visited Berlin, Paris and Madrid.'), []);
  assert.deepEqual(triples('Maria Silva said, "Tom Baker will not come".'), []);
});

test('passives turn round, and a preposition carries the verb on to the next name', () => {
  const text = 'Globex Corporation was acquired by Initech Holdings in 2021.';
  const passive = extractRelations(text, [
    { type: 'organization', text: 'Globex Corporation', value: 'Globex Corporation', start: 0, end: 18 },
    { type: 'organization', text: 'Initech Holdings', value: 'Initech Holdings', start: 35, end: 51 },
  ]);
  assert.deepEqual(passive.map((r) => `${r.subject.text} / ${r.relation} / ${r.object.text}`), ['Initech Holdings / acquire / Globex Corporation']);
  const met = triples('Maria Silva met Tom Baker in Lisbon last week.');
  assert.ok(met.includes('Maria Silva / meet / Tom Baker'), JSON.stringify(met));
  assert.ok(met.includes('Maria Silva / meet / Lisbon'), JSON.stringify(met));
});

test('sentences do not end at abbreviations or inside a mention', () => {
  const text = 'Mr. Jones joined Acme Corp. in May. Then he left.';
  const spans = sentenceSpans(text, [{ start: 17, end: 27 }]);
  assert.deepEqual(spans.map((s) => text.slice(s.start, s.end).trim()), ['Mr. Jones joined Acme Corp. in May.', 'Then he left.']);
});

test('linear in the text: a 200,000-character note is handled in one pass', () => {
  const sentence = 'Maria Silva of Acme Corp signed a deal with Globex in Berlin on Monday. ';
  const text = sentence.repeat(Math.ceil(200_000 / sentence.length));
  const entities = extractEntities(sentence).flatMap((e) =>
    Array.from({ length: Math.ceil(200_000 / sentence.length) }, (_, i) => ({ ...e, start: e.start + i * sentence.length, end: e.end + i * sentence.length })),
  );
  const relations = extractRelations(text, entities);
  assert.ok(relations.length >= Math.ceil(200_000 / sentence.length), `${relations.length} relations`);
  for (const r of relations.slice(0, 50)) assert.ok(r.sentence.end - r.sentence.start <= sentence.length);
});

test('the verb nearest the object relates, unless a comma or a clause opener separates them', () => {
  const mention = (text: string, whole: string, type: 'person' | 'place' = 'person') => {
    const start = whole.indexOf(text);
    return { type, text, value: text, start, end: start + text.length };
  };
  const run = (text: string, names: string[]) =>
    extractRelations(text, names.map((n) => mention(n, text))).map((r) => `${r.subject.text} / ${r.relation} / ${r.object.text}`);
  assert.deepEqual(run('Maria Silva resigned on Tuesday to work for Tom Baker.', ['Maria Silva', 'Tom Baker']), ['Maria Silva / work / Tom Baker']);
  assert.deepEqual(run('Maria Silva pointed out that Tom Baker had left.', ['Maria Silva', 'Tom Baker']), []);
  assert.deepEqual(run('Maria Silva finished the review, Tom Baker said.', ['Maria Silva', 'Tom Baker']), []);
  assert.deepEqual(run('Maria Silva told Tom Baker about the plan.', ['Maria Silva', 'Tom Baker']), ['Maria Silva / tell / Tom Baker']);
});
