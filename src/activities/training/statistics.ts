import { getDb } from '../../db';

export interface TrainingStatistics {
  users: number;
  /** Of labelled insights the active model classified, the share where it agrees with the label; null without any. */
  labelAgreement: number | null;
  labelsCompared: number;
}

/**
 * Rewrites the per-user counts by category (user_category_stats) in one transaction, and records on the
 * run how often the active model agrees with the users' labels. Insights not yet classified count under
 * 'unclassified'.
 */
export async function computeStatistics(input: { runId: string }): Promise<TrainingStatistics> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    const [active] = await tx.query<{ id: number }>('SELECT id FROM classifier_models WHERE active');
    await tx.query('DELETE FROM user_category_stats');
    await tx.query(
      `INSERT INTO user_category_stats (user_id, category, insights, labelled, agreeing, run_id)
       SELECT i.user_id, coalesce(i.category, 'unclassified'), count(*)::int, count(l.insight_id)::int,
         (count(*) FILTER (WHERE l.category = i.category AND i.classifier_model_id = $1))::int, $2
       FROM insights i LEFT JOIN insight_labels l ON l.insight_id = i.id
       GROUP BY i.user_id, coalesce(i.category, 'unclassified')`,
      [active?.id ?? null, input.runId],
    );
    const [{ users, compared, agreeing }] = await tx.query<{ users: number; compared: number; agreeing: number }>(
      `SELECT (SELECT count(DISTINCT user_id) FROM user_category_stats)::int AS users,
         count(*)::int AS compared, (count(*) FILTER (WHERE l.category = i.category))::int AS agreeing
       FROM insight_labels l JOIN insights i ON i.id = l.insight_id WHERE i.classifier_model_id = $1`,
      [active?.id ?? null],
    );
    const labelAgreement = compared > 0 ? agreeing / compared : null;
    await tx.query('UPDATE training_runs SET label_agreement = $2, labels_compared = $3 WHERE run_id = $1', [input.runId, labelAgreement, compared]);
    return { users, labelAgreement, labelsCompared: compared };
  });
}
