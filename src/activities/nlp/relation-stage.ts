import { getDb } from '../../db';
import { invalidInput } from '../errors';
import type { EntityType } from './entities';
import { extractRelations, type Relation } from './relations';

/**
 * The insight pipeline's stage after entity extraction: the relations between the insight's named entities,
 * sentence by sentence, rewritten whole so a retry leaves the same rows.
 */
export async function extractInsightRelations({ insightId }: { insightId: string }): Promise<{ relations: number }> {
  const db = await getDb();
  const [row] = await db.query<{ text: string | null; language: string | null }>(
    'SELECT normalised_text AS text, language FROM insights WHERE id = $1',
    [insightId],
  );
  if (!row) throw invalidInput(`insight ${insightId} does not exist`);
  if (row.text === null) throw invalidInput(`insight ${insightId} has not been normalised`);
  const entities = await db.query<{ type: EntityType; text: string; value: unknown; start: number; end: number }>(
    `SELECT type, text, value, start_offset AS start, end_offset AS "end" FROM insight_entities
     WHERE insight_id = $1 AND type IN ('person', 'organization', 'place') ORDER BY start_offset`,
    [insightId],
  );
  // The relation rules read English verbs through wink's English part-of-speech tags: other languages get none.
  const relations = row.language === 'pt' ? [] : extractRelations(row.text, entities);
  await db.transaction(async (tx) => {
    // A local activity runs again when the worker died inside the workflow task that ran it: rows already
    // stored as this run would store them are left alone rather than deleted and inserted again.
    const stored = await tx.query<StoredRelation>(`SELECT ${STORED_COLUMNS} FROM insight_entity_relations WHERE insight_id = $1`, [insightId]);
    if (sameRows(stored.map(storedKey), uniqueByPosition(relations).map(relationKey))) return;
    await tx.query('DELETE FROM insight_entity_relations WHERE insight_id = $1', [insightId]);
    if (relations.length === 0) return;
    await tx.query(
      `INSERT INTO insight_entity_relations (insight_id, subject_key, subject_text, subject_start, relation, verb,
         object_key, object_text, object_start, sentence_start, sentence_end)
       SELECT $1, r->'subject'->>'key', r->'subject'->>'text', (r->'subject'->>'start')::int, r->>'relation', r->>'verb',
         r->'object'->>'key', r->'object'->>'text', (r->'object'->>'start')::int,
         (r->'sentence'->>'start')::int, (r->'sentence'->>'end')::int
       FROM jsonb_array_elements($2::jsonb) AS r
       ON CONFLICT DO NOTHING`,
      [insightId, JSON.stringify(relations)],
    );
  });
  return { relations: relations.length };
}

const STORED_COLUMNS = `subject_key, subject_text, subject_start, relation, verb, object_key, object_text, object_start,
  sentence_start, sentence_end`;

interface StoredRelation {
  subject_key: string;
  subject_text: string;
  subject_start: number;
  relation: string;
  verb: string;
  object_key: string;
  object_text: string;
  object_start: number;
  sentence_start: number;
  sentence_end: number;
}

const storedKey = (r: StoredRelation) =>
  JSON.stringify([r.subject_key, r.subject_text, r.subject_start, r.relation, r.verb, r.object_key, r.object_text, r.object_start, r.sentence_start, r.sentence_end]);

const relationKey = (r: Relation) =>
  JSON.stringify([r.subject.key, r.subject.text, r.subject.start, r.relation, r.verb, r.object.key, r.object.text, r.object.start, r.sentence.start, r.sentence.end]);

/** The rows the insert keeps: the first relation for each subject and object position (the table's key). */
function uniqueByPosition(relations: Relation[]): Relation[] {
  const seen = new Set<string>();
  return relations.filter((r) => {
    const position = `${r.subject.start}:${r.object.start}`;
    if (seen.has(position)) return false;
    seen.add(position);
    return true;
  });
}

function sameRows(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const sortedB = [...b].sort();
  return [...a].sort().every((key, i) => key === sortedB[i]);
}
