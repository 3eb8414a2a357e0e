// Counts, in the database itself, how often each insight stage wrote its result: column triggers fire whenever
// a stage's UPDATE names its column, even with the same value, so a stage run twice (after a crash, a stalled
// job, a retried task) shows as two rows. The same tables serve every system the benchmarks compare.
import type { Db } from '../src/db';

/** The column each stage sets on `insights`; storing is the INSERT. */
const STAGE_COLUMNS = {
  normalise: 'normalised_text',
  entities: 'keywords',
  embedding: 'embedding',
  classify: 'category',
  finish: 'processed_at',
} as const;

export const TRACKED_STAGES = ['store', ...Object.keys(STAGE_COLUMNS)];

export async function trackStageWrites(db: Db): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS bench_stage_writes (insight_id uuid NOT NULL, stage text NOT NULL, at timestamptz NOT NULL DEFAULT clock_timestamp())`);
  await db.query(`CREATE OR REPLACE FUNCTION bench_log_stage() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN INSERT INTO bench_stage_writes (insight_id, stage) VALUES (NEW.id, TG_ARGV[0]); RETURN NEW; END $$`);
  await db.query(`DROP TRIGGER IF EXISTS bench_store ON insights`);
  await db.query(`CREATE TRIGGER bench_store AFTER INSERT ON insights FOR EACH ROW EXECUTE FUNCTION bench_log_stage('store')`);
  for (const [stage, column] of Object.entries(STAGE_COLUMNS)) {
    await db.query(`DROP TRIGGER IF EXISTS bench_${stage} ON insights`);
    await db.query(`CREATE TRIGGER bench_${stage} AFTER UPDATE OF ${column} ON insights FOR EACH ROW EXECUTE FUNCTION bench_log_stage('${stage}')`);
  }
}

export interface StageWriteCount {
  /** Insights with every tracked stage written at least once. */
  complete: number;
  /** Stage results written more than once, summed over insights (one stage written three times counts 2). */
  extraWrites: number;
  /** Insights with at least one stage written more than once. */
  insightsWithRepeats: number;
}

export async function countStageWrites(db: Db, insightIds: string[]): Promise<StageWriteCount> {
  if (insightIds.length === 0) return { complete: 0, extraWrites: 0, insightsWithRepeats: 0 };
  const rows = await db.query<{ insight_id: string; stage: string; n: number }>(
    `SELECT insight_id, stage, count(*)::int AS n FROM bench_stage_writes WHERE insight_id = ANY($1::uuid[]) GROUP BY 1, 2`,
    [insightIds],
  );
  const stagesDone = new Map<string, number>();
  const repeated = new Set<string>();
  let extraWrites = 0;
  for (const r of rows) {
    stagesDone.set(r.insight_id, (stagesDone.get(r.insight_id) ?? 0) + 1);
    if (r.n > 1) {
      extraWrites += r.n - 1;
      repeated.add(r.insight_id);
    }
  }
  const complete = [...stagesDone.values()].filter((n) => n === TRACKED_STAGES.length).length;
  return { complete, extraWrites, insightsWithRepeats: repeated.size };
}
