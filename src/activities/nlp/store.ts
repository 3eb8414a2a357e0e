import { log } from '@temporalio/activity';
import { getDb } from '../../db';

export interface StoreInsightInput {
  insightId: string;
  userId: string;
  jobId: string;
  text: string;
  title?: string;
  tags: string[];
}

export type InsightStatus = 'received' | 'processing' | 'processed' | 'unsupported_language' | 'failed' | 'cancelled';

/**
 * Idempotent: a retry or a replay after a crash finds the row already there and changes nothing. A new job
 * for the same insight (POST /api/jobs/:id/retry of a failed one) takes the row over.
 */
export async function storeInsight(input: StoreInsightInput): Promise<void> {
  const db = await getDb();
  await db.query(
    `INSERT INTO insights (id, user_id, job_id, title, text, tags, status)
     VALUES ($1, $2, $3, $4, $5, $6, 'processing')
     ON CONFLICT (id) DO UPDATE SET job_id = EXCLUDED.job_id, status = 'processing', updated_at = now()
       WHERE insights.job_id IS DISTINCT FROM EXCLUDED.job_id`,
    [input.insightId, input.userId, input.jobId, input.title ?? null, input.text, input.tags],
  );
  log.info('insight stored', { insightId: input.insightId, chars: input.text.length });
}

export async function setInsightStatus(input: { insightId: string; status: InsightStatus }): Promise<void> {
  const db = await getDb();
  await db.query('UPDATE insights SET status = $2, updated_at = now() WHERE id = $1', [input.insightId, input.status]);
}
