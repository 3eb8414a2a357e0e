import { getDb } from '../../db';

/**
 * Records the run as started (a retry finds it already there) and returns when the last completed run
 * started: what changed after that is what this run must catch up on.
 */
export async function beginTrainingRun(input: { runId: string; jobId: string }): Promise<{ since: string | null }> {
  const db = await getDb();
  await db.query('INSERT INTO training_runs (run_id, job_id) VALUES ($1, $2) ON CONFLICT (run_id) DO NOTHING', [input.runId, input.jobId]);
  const [last] = await db.query<{ started_at: Date }>(
    `SELECT started_at FROM training_runs WHERE status = 'completed' AND run_id <> $1 ORDER BY started_at DESC LIMIT 1`,
    [input.runId],
  );
  return { since: last ? last.started_at.toISOString() : null };
}

export async function finishTrainingRun(input: { runId: string; status: 'completed' | 'cancelled' | 'failed'; summary: unknown }): Promise<void> {
  const db = await getDb();
  await db.query('UPDATE training_runs SET status = $2, finished_at = now(), summary = $3 WHERE run_id = $1', [
    input.runId,
    input.status,
    JSON.stringify(input.summary),
  ]);
}
