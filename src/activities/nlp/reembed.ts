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

/** The insights whose vector came from a model other than the current one. */
export async function countStaleEmbeddings(): Promise<number> {
  const db = await getDb();
  const [{ count }] = await db.query<{ count: number }>(
    'SELECT count(*)::int AS count FROM insights WHERE embedding IS NOT NULL AND embedding_model IS DISTINCT FROM $1',
    [EMBEDDING_MODEL],
  );
  return count;
}

/**
 * Re-embeds up to `limit` insights whose vector another model made, with the current model, and rebuilds the
 * category centroids of their users. Each row is rewritten only if it is still stale, so a batch retried after
 * a crash, or run beside an insight's own pipeline, does no harm.
 */
export async function reembedBatch({ afterId, limit }: ReembedBatchInput): Promise<ReembedBatchResult> {
  const db = await getDb();
  const rows = await db.query<{ id: string; user_id: string; text: string }>(
    `SELECT id, user_id, coalesce(normalised_text, text) AS text FROM insights
     WHERE ($1::uuid IS NULL OR id > $1::uuid) AND embedding IS NOT NULL AND embedding_model IS DISTINCT FROM $2
     ORDER BY id LIMIT $3`,
    [afterId, EMBEDDING_MODEL, limit],
  );
  const pool = await nlpPool();
  const users = new Set<string>();
  let reembedded = 0;
  for (const row of rows) {
    const embedding = await whileHeartbeating({ insightId: row.id, reembedded }, (signal) => pool.embed(row.text, { signal }));
    const updated = await db.query(
      `UPDATE insights SET embedding = $2::vector, embedding_model = $3
       WHERE id = $1 AND embedding_model IS DISTINCT FROM $3 RETURNING id`,
      [row.id, JSON.stringify(embedding), EMBEDDING_MODEL],
    );
    reembedded += updated.length;
    users.add(row.user_id);
  }
  for (const userId of users) await rebuildCentroids(db, userId);
  return { lastId: rows.length === limit ? rows.at(-1)!.id : null, reembedded };
}
