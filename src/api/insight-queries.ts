import type { Db } from '../db';
import { embed, EMBEDDING_MODEL } from '../activities/nlp/embeddings';
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

// Reciprocal rank fusion (Cormack et al. 2009; Elasticsearch and OpenSearch use the same k): each list adds
// 1 / (k + rank) per insight, so a top hit in either list ranks high without calibrating one score to the other.
const RRF_K = 60;
// Each list contributes at least this many candidates, so fusion sees more than the requested page.
const MIN_CANDIDATES = 50;

/**
 * Lists the user's insights, newest first, or with `q` ranked by hybrid search: PostgreSQL full-text ranking
 * (the generated search_vector, English stemming; like Elasticsearch's match query with minimum_should_match
 * 50%: at least half the query's words must occur, more matching words rank higher) fused with embedding similarity by reciprocal rank fusion. Exact
 * words such as a part code are found by the text list even when the embedding misses them, paraphrases by
 * the vector list; an insight still in the pipeline (no embedding yet) is found by its words. `entity` and
 * `category` filter.
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
  if (!search.q) {
    params.push(search.limit, search.offset);
    return db.query(
      `SELECT ${SUMMARY_COLUMNS}, NULL::real AS score FROM insights i WHERE ${where.join(' AND ')}
       ORDER BY i.created_at DESC, i.id LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
  }
  params.push(search.q);
  const q = `$${params.length}`;
  params.push(JSON.stringify(await embed(search.q)));
  const vector = `$${params.length}::vector`;
  // Vectors of an older model are being re-embedded: until then those insights are found by their words.
  params.push(EMBEDDING_MODEL);
  const model = `$${params.length}`;
  params.push(Math.max(MIN_CANDIDATES, search.offset + search.limit), search.limit, search.offset);
  const [candidates, limit, offset] = [`$${params.length - 2}`, `$${params.length - 1}`, `$${params.length}`];
  const filter = where.join(' AND ');
  return db.query(
    `WITH query AS (
       SELECT replace(plainto_tsquery('english', ${q})::text, ' & ', ' | ')::tsquery AS words,
         tsvector_to_array(to_tsvector('english', ${q})) AS lexemes
     ), by_text AS (
       SELECT i.id, row_number() OVER (ORDER BY ts_rank_cd(i.search_vector, query.words) DESC, i.id) AS rank
       FROM insights i, query WHERE ${filter} AND i.search_vector @@ query.words
         AND (SELECT count(*) FROM unnest(query.lexemes) AS w WHERE w = ANY (tsvector_to_array(i.search_vector)))
           >= ceil(cardinality(query.lexemes) / 2.0)
       ORDER BY rank LIMIT ${candidates}
     ), by_vector AS (
       SELECT i.id, row_number() OVER (ORDER BY i.embedding <=> ${vector}, i.id) AS rank
       FROM insights i WHERE ${filter} AND i.embedding IS NOT NULL AND i.embedding_model = ${model}
       ORDER BY rank LIMIT ${candidates}
     ), fused AS (
       SELECT coalesce(t.id, v.id) AS id, t.rank AS text_rank, v.rank AS vector_rank,
         coalesce(1.0 / (${RRF_K} + t.rank), 0) + coalesce(1.0 / (${RRF_K} + v.rank), 0) AS score
       FROM by_text t FULL JOIN by_vector v ON v.id = t.id
     )
     SELECT ${SUMMARY_COLUMNS}, f.score::real AS score, f.text_rank::int AS "textRank", f.vector_rank::int AS "vectorRank"
     FROM fused f JOIN insights i ON i.id = f.id
     ORDER BY f.score DESC, i.id LIMIT ${limit} OFFSET ${offset}`,
    params,
  );
}

/**
 * Stores the user's category for an insight (a second label replaces the first) and, in the same
 * transaction, updates the user's own category model, so the user's next insight is classified with it.
 */
export async function labelInsight(db: Db, userId: string, insightId: string, category: string): Promise<boolean> {
  return labelAndLearn(db, userId, insightId, category);
}
