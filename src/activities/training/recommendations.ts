import { Context } from '@temporalio/activity';
import { getDb } from '../../db';
import { relateInsight } from '../nlp/insight-stages';

const BATCH = 100;
const NO_INSIGHT = '00000000-0000-0000-0000-000000000000';

interface Progress {
  cursor: string;
  refreshed: number;
}

/**
 * Recomputes the `related_to` edges of every insight changed since `since` (all insights on a first run)
 * with the pipeline's own relate stage. The pipeline relates an insight only to those analysed before it,
 * so one analysed at the same moment, or changed later, is caught up here. The heartbeat carries the last
 * id done, so a retry resumes after it; the stage upserts its edges, so redoing one changes nothing.
 */
export async function refreshRecommendations(input: { since: string | null }): Promise<{ refreshed: number }> {
  const ctx = Context.current();
  const db = await getDb();
  let { cursor, refreshed } = (ctx.info.heartbeatDetails as Progress | undefined) ?? { cursor: NO_INSIGHT, refreshed: 0 };
  for (;;) {
    const batch = await db.query<{ id: string }>(
      `SELECT id FROM insights WHERE id > $1 AND embedding IS NOT NULL AND ($2::timestamptz IS NULL OR updated_at > $2::timestamptz)
       ORDER BY id LIMIT ${BATCH}`,
      [cursor, input.since],
    );
    if (batch.length === 0) return { refreshed };
    for (const { id } of batch) {
      await relateInsight({ insightId: id });
      refreshed += 1;
      cursor = id;
      ctx.heartbeat({ cursor, refreshed } satisfies Progress);
      ctx.cancellationSignal.throwIfAborted();
    }
  }
}
