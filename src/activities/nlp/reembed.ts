import { getDb } from '../../db';
import { whileHeartbeating } from '../heartbeat';
import { nlpPool } from './compute';
import { EMBEDDING_MODEL } from './embeddings';
import { rebuildCentroids } from './user-categories';

export interface ReembedBatchInput {
  /** Keyset cursor: insights with a greater id (uuid order) are taken next. */
  afterId: string | null;
  limit: number;
}

export interface ReembedBatchResult {
  /** Cursor for the next batch; null when no vector of another model is left after this one. */
  lastId: string | null;
  reembedded: number;
}

// An insight whose vector came from a model other than the current one ($1).
const STALE = 'embedding IS NOT NULL AND embedding_model IS DISTINCT FROM $1';

export async function countStaleEmbeddings(): Promise<number> {
  const db = await getDb();
  const [{ count }] = await db.query<{ count: number }>(`SELECT count(*)::int AS count FROM insights WHERE ${STALE}`, [EMBEDDING_MODEL]);
  return count;
}

/**
 * Re-embeds up to `limit` insights whose vector another model made, with the current model, and rebuilds the
 * category centroids of their users. Each row is rewritten only if it is still stale, so a batch retried after
 * a crash, or run beside an insight's own pipeline, does no harm.
 */
export async function reembedBatch({ afterId, limit }: ReembedBatchInput): Promise<ReembedBatchResult> {
  const db = await getDb();
  const rows = await db.query<{ id: string; user_id: string; text: string; labelled: boolean }>(
    `SELECT id, user_id, coalesce(normalised_text, text) AS text,
       EXISTS (SELECT 1 FROM insight_labels l WHERE l.insight_id = insights.id) AS labelled
     FROM insights WHERE ${STALE} AND ($2::uuid IS NULL OR id > $2::uuid)
     ORDER BY id LIMIT $3`,
    [EMBEDDING_MODEL, afterId, limit],
  );
  const pool = await nlpPool();
  // All at once: the pool spreads them over its threads.
  const embeddings = await whileHeartbeating({ afterId, rows: rows.length }, (signal) => Promise.all(rows.map((row) => pool.embed(row.text, { signal }))));
  let reembedded = 0;
  for (const [i, row] of rows.entries()) {
    const updated = await db.query(
      `UPDATE insights SET embedding = $2::vector, embedding_model = $3
       WHERE id = $1 AND embedding_model IS DISTINCT FROM $3 RETURNING id`,
      [row.id, JSON.stringify(embeddings[i]), EMBEDDING_MODEL],
    );
    reembedded += updated.length;
  }
  // Centroids sum the labelled insights only: other users' centroids did not change.
  for (const userId of new Set(rows.filter((r) => r.labelled).map((r) => r.user_id))) await rebuildCentroids(db, userId);
  return { lastId: rows.length === limit ? rows.at(-1)!.id : null, reembedded };
}
