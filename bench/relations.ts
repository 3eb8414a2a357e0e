// Relation extraction on real sentences: the held-out Brown Corpus news sentences of
// bench/fixtures/relations-brown.json, labelled by hand before the extractor was written and never tuned on,
// and a development set (relations-brown-dev.json) the rules may be tuned on. Entities come from
// the entity extractor as it is, so a missed name costs recall here too. Also times a 200,000-character text.
// Run: npx tsx bench/relations.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extractEntities } from '../src/activities/nlp/entities';
import { extractRelations } from '../src/activities/nlp/relations';
import { round } from './e2e';

interface GoldRelation {
  subject: string;
  relation: string;
  object: string;
}
type GoldSet = { sentences: { doc: string; text: string; relations: GoldRelation[] }[] };
const load = (name: string) => JSON.parse(readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8')) as GoldSet;

const pairKey = (r: GoldRelation) => `${r.subject.toLowerCase()}|${r.object.toLowerCase()}`;
const tripleKey = (r: GoldRelation) => `${pairKey(r)}|${r.relation}`;
const score = ({ tp, fp, fn }: { tp: number; fp: number; fn: number }) => ({
  tp,
  fp,
  fn,
  precision: round(tp / (tp + fp || 1), 3),
  recall: round(tp / (tp + fn || 1), 3),
});

function evaluateSet(gold: GoldSet) {
  const counts = { pair: { tp: 0, fp: 0, fn: 0 }, triple: { tp: 0, fp: 0, fn: 0 } };
  const errors: unknown[] = [];
  for (const s of gold.sentences) {
    const found = extractRelations(s.text, extractEntities(s.text)).map((r) => ({ subject: r.subject.text, relation: r.relation, object: r.object.text }));
    for (const [kind, key] of [['pair', pairKey], ['triple', tripleKey]] as const) {
      const want = new Set(s.relations.map(key));
      const got = new Set(found.map(key));
      for (const k of got) counts[kind][want.has(k) ? 'tp' : 'fp'] += 1;
      for (const k of want) if (!got.has(k)) counts[kind].fn += 1;
    }
    const want = new Set(s.relations.map(tripleKey));
    const got = new Set(found.map(tripleKey));
    const wrong = found.filter((r) => !want.has(tripleKey(r)));
    const missed = s.relations.filter((r) => !got.has(tripleKey(r)));
    if (wrong.length || missed.length) errors.push({ doc: s.doc, text: s.text, wrong, missed });
  }
  return {
    sentences: gold.sentences.length,
    goldRelations: gold.sentences.reduce((n, s) => n + s.relations.length, 0),
    pair: score(counts.pair),
    triple: score(counts.triple),
    errors,
  };
}

// The held-out set is never looked at while tuning; the development set is.
const heldOut = evaluateSet(load('relations-brown.json'));
const development = evaluateSet(load('relations-brown-dev.json'));

// Speed: one sentence's mentions repeated through a 200,000-character text (the entity extractor's own time
// is not counted: it is another stage).
const sentence = 'Maria Silva of Acme Corp met Tom Baker in Berlin on Monday and signed the lease. ';
const copies = Math.ceil(200_000 / sentence.length);
const text = sentence.repeat(copies);
const one = extractEntities(sentence);
const mentions = Array.from({ length: copies }, (_, i) => one.map((e) => ({ ...e, start: e.start + i * sentence.length, end: e.end + i * sentence.length }))).flat();
extractRelations(sentence, one);
const started = performance.now();
const relations = extractRelations(text, mentions);
const ms = performance.now() - started;

const results = { heldOut, development, long: { chars: text.length, mentions: mentions.length, relations: relations.length, ms: round(ms, 1) } };
for (const [name, set] of [['held-out (ca35-ca44, never tuned on)', heldOut], ['development (ca01-ca10)', development]] as const) {
  console.log(`relations on ${set.sentences} ${name} Brown sentences, ${set.goldRelations} gold relations`);
  console.table({ 'subject+object': set.pair, 'subject+relation+object': set.triple });
}
console.log(`a ${text.length}-character text, ${mentions.length} mentions: ${relations.length} relations in ${results.long.ms} ms`);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
const out = new URL('./results/relations.json', import.meta.url);
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`wrote ${out.pathname}`);
