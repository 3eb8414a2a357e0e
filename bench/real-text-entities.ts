// The labelled real-text entity sets of test/fixtures/nlp/real-text (Brown Corpus passages, hand-marked): each
// passage's text is rebuilt from the corpus package and must equal its marked-up line without the marks.
import { readFileSync } from 'node:fs';
import { brownPassage } from '../src/activities/nlp/brown-corpus';
import type { EntityType } from '../src/activities/nlp/entities';
import type { MarkedEntity } from '../src/activities/nlp/entity-scoring';

export const SCORED_TYPES: EntityType[] = ['person', 'organization', 'place', 'date', 'money'];
export const REAL_TEXT_REFERENCE_DATE = '1961-06-01';
const TYPES: Record<string, EntityType> = { P: 'person', O: 'organization', L: 'place', D: 'date', M: 'money' };

export interface LabelledPassage {
  id: string;
  text: string;
  entities: MarkedEntity[];
}

export function loadRealTextSet(name: 'heldout' | 'tuning'): LabelledPassage[] {
  const file = new URL(`../test/fixtures/nlp/real-text/${name}.txt`, import.meta.url);
  const blocks = readFileSync(file, 'utf8').split(/^## /m).slice(1);
  return blocks.map((block) => {
    const [id, ...lines] = block.trim().split('\n');
    const marked = lines.join('\n').trim();
    const entities: MarkedEntity[] = [];
    let text = '';
    let cursor = 0;
    for (const m of marked.matchAll(/\[\[([POLDM])\|([^\]]+)\]\]/g)) {
      text += marked.slice(cursor, m.index);
      entities.push({ type: TYPES[m[1]!]!, start: text.length, end: text.length + m[2]!.length });
      text += m[2];
      cursor = m.index! + m[0].length;
    }
    text += marked.slice(cursor);
    const [doc, first] = id!.split(':');
    const source = brownPassage(doc!, Number(first));
    if (source !== text) throw new Error(`${name} ${id}: the marked text differs from the corpus:\n${source}\n${text}`);
    return { id: id!, text, entities };
  });
}
