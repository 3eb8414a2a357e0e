import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { extractPortugueseEntities } from '../src/activities/nlp/entities-pt';
import { normaliseText } from '../src/activities/nlp/normalise';

// Precision and recall per entity type of the Portuguese rules (src/activities/nlp/entities-pt.ts) on hand-labelled
// fortunes of the Debian package fortunes-br (bench/fixtures/pt-entities/fortunes-br.json, GPL-2+). The rules were
// tuned on the dev split only; the heldout split is the figure to quote. A mention counts when its type and its
// text (whitespace collapsed) match a gold one, each gold mention matched once.

interface Item {
  fortune: number;
  split: 'dev' | 'heldout';
  text: string;
  entities: { type: string; text: string }[];
}

const fixture = JSON.parse(readFileSync(new URL('./fixtures/pt-entities/fortunes-br.json', import.meta.url), 'utf8')) as { items: Item[] };
const TYPES = ['person', 'place', 'organization', 'date', 'money', 'percent'];
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

type Counts = Record<string, { tp: number; fp: number; fn: number }>;
const results: Record<string, Counts> = {};
const errors: string[] = [];
for (const split of ['dev', 'heldout'] as const) {
  const counts: Counts = Object.fromEntries(TYPES.map((t) => [t, { tp: 0, fp: 0, fn: 0 }]));
  for (const item of fixture.items.filter((i) => i.split === split)) {
    const { text } = normaliseText(item.text);
    const predicted = extractPortugueseEntities(text, { referenceDate: '2026-12-03' })
      .filter((e) => TYPES.includes(e.type))
      .map((e) => `${e.type}|${squash(e.text)}`);
    const gold = item.entities.map((e) => `${e.type}|${squash(e.text)}`);
    const left = [...gold];
    for (const p of predicted) {
      const type = p.split('|')[0]!;
      const at = left.indexOf(p);
      if (at >= 0) {
        counts[type]!.tp += 1;
        left.splice(at, 1);
      } else {
        counts[type]!.fp += 1;
        if (split === 'dev') errors.push(`dev ${item.fortune} FP ${p}`);
      }
    }
    for (const g of left) {
      counts[g.split('|')[0]!]!.fn += 1;
      if (split === 'dev') errors.push(`dev ${item.fortune} FN ${g}`);
    }
  }
  results[split] = counts;
}

const f = (n: number, d: number) => (d === 0 ? '  -  ' : (n / d).toFixed(2));
const rows = [...TYPES, 'all'].map((type) => {
  const cells = (['heldout', 'dev'] as const).map((split) => {
    const c = type === 'all'
      ? Object.values(results[split]!).reduce((a, b) => ({ tp: a.tp + b.tp, fp: a.fp + b.fp, fn: a.fn + b.fn }), { tp: 0, fp: 0, fn: 0 })
      : results[split]![type]!;
    return { precision: c.tp + c.fp ? c.tp / (c.tp + c.fp) : null, recall: c.tp + c.fn ? c.tp / (c.tp + c.fn) : null, gold: c.tp + c.fn, ...c, text: `${f(c.tp, c.tp + c.fp)} ${f(c.tp, c.tp + c.fn)} ${String(c.tp + c.fn).padStart(4)}` };
  });
  return { type, heldout: cells[0]!, dev: cells[1]! };
});
console.log(`items: heldout ${fixture.items.filter((i) => i.split === 'heldout').length}, dev ${fixture.items.filter((i) => i.split === 'dev').length}`);
console.log('type           heldout P    R  gold | dev P    R  gold');
for (const r of rows) console.log(`${r.type.padEnd(14)} ${r.heldout.text}   | ${r.dev.text}`);
if (process.argv.includes('--errors')) console.log(errors.join('\n'));
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(
  new URL('./results/pt-entities.json', import.meta.url),
  JSON.stringify({ source: 'bench/fixtures/pt-entities/fortunes-br.json', rows: rows.map(({ type, heldout, dev }) => ({ type, heldout: { ...heldout, text: undefined }, dev: { ...dev, text: undefined } })) }, null, 2),
);
