import { getDb } from '../../db';
import { invalidInput } from '../errors';
import type { EntityType } from './entities';
import { extractRelations } from './relations';

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
