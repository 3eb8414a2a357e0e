import type { Db } from '../db';
import { embed } from '../activities/nlp/embeddings';
import { labelAndLearn } from '../activities/nlp/user-categories';

// Reads of insights for the API. Every query is scoped to the user, so another user's insight is
// indistinguishable from a missing one.

const SUMMARY_COLUMNS = `i.id, i.title, i.tags, i.status, i.job_id AS "jobId", i.language, i.category,
  i.category_confidence AS "categoryConfidence", i.category_source AS "categorySource", i.created_at AS "createdAt", i.processed_at AS "processedAt"`;

export async function getInsight(db: Db, userId: string, insightId: string) {
  const [insight] = await db.query(
    `SELECT ${SUMMARY_COLUMNS}, i.text, i.keywords, i.sentiment FROM insights i WHERE i.id = $1 AND i.user_id = $2`,
    [insightId, userId],
  );
  if (!insight) return undefined;
  const [entities, related, label] = await Promise.all([
    db.query(
      `SELECT type, text, value, start_offset AS start, end_offset AS "end" FROM insight_entities
       WHERE insight_id = $1 ORDER BY start_offset, end_offset`,
      [insightId],
    ),
    db.query(
      `SELECT r.related_id AS id, o.title, r.score, r.reason FROM insight_relations r
       JOIN insights o ON o.id = r.related_id AND o.user_id = $2
       WHERE r.insight_id = $1 AND r.kind = 'related_to' ORDER BY r.score DESC`,
      [insightId, userId],
    ),
    db.query<{ category: string }>('SELECT category FROM insight_labels WHERE insight_id = $1', [insightId]),
  ]);
  return { ...insight, entities, related, label: label[0]?.category ?? null };
}

export interface InsightSearch {
  q?: string;
  entity?: string;
  category?: string;
  limit: number;
  offset: number;
}

/**
 * Lists the user's insights: ranked by meaning when `q` is given (cosine distance between embeddings,
 * not word match), newest first otherwise; `entity` and `category` filter.
 */
export async function searchInsights(db: Db, userId: string, search: InsightSearch) {
  const params: unknown[] = [userId];
  const where = ['i.user_id = $1'];
  if (search.category) {
    params.push(search.category);
    where.push(`i.category = $${params.length}`);
  }
  if (search.entity) {
    params.push(search.entity.toLowerCase());
    where.push(`EXISTS (SELECT 1 FROM insight_entities e WHERE e.insight_id = i.id
      AND (lower(e.text) = $${params.length} OR split_part(e.key, ':', 2) = $${params.length}))`);
  }
  let score = 'NULL::real';
  let order = 'i.created_at DESC, i.id';
  if (search.q) {
    params.push(JSON.stringify(await embed(search.q)));
    score = `1 - (i.embedding <=> $${params.length}::vector)`;
    order = `i.embedding <=> $${params.length}::vector, i.id`;
    where.push('i.embedding IS NOT NULL');
  }
  params.push(search.limit, search.offset);
  const rows = await db.query(
    `SELECT ${SUMMARY_COLUMNS}, ${score} AS score FROM insights i WHERE ${where.join(' AND ')}
     ORDER BY ${order} LIMIT $${params.length - 1} OFFSET $${params.length}`,
    params,
  );
  return rows;
}

/**
 * Stores the user's category for an insight (a second label replaces the first) and, in the same
 * transaction, updates the user's own category model, so the user's next insight is classified with it.
 */
export async function labelInsight(db: Db, userId: string, insightId: string, category: string): Promise<boolean> {
  return labelAndLearn(db, userId, insightId, category);
}
