import { getDb } from '../../db';
import { whileHeartbeating } from '../heartbeat';

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Refreshes the planner statistics of every app table. PGlite runs no autovacuum, so in embedded mode the
 * tables are vacuumed too; PostgreSQL's autovacuum does that itself.
 */
export async function analyzeTables(): Promise<{ tables: number; vacuumed: boolean }> {
  const db = await getDb();
  const tables = await db.query<{ name: string }>(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY tablename`,
  );
  const vacuumed = db.kind === 'embedded';
  for (const { name } of tables) {
    await whileHeartbeating(name, () => db.query(`${vacuumed ? 'VACUUM (ANALYZE)' : 'ANALYZE'} ${quoteIdent(name)}`));
  }
  return { tables: tables.length, vacuumed };
}

// Deleting in batches keeps each statement's locks and WAL short on a large table.
const PRUNE_BATCH = 5_000;

/** Deletes events older than `retentionDays`; returns how many. */
export async function pruneEvents(input: { retentionDays: number }): Promise<{ removed: number }> {
  const db = await getDb();
  let removed = 0;
  for (;;) {
    const [{ n }] = await whileHeartbeating({ removed }, () => db.query<{ n: number }>(
      `WITH gone AS (
         DELETE FROM events WHERE id IN (
           SELECT id FROM events WHERE created_at < now() - make_interval(days => $1::int) LIMIT $2)
         RETURNING 1)
       SELECT count(*)::int AS n FROM gone`,
      [input.retentionDays, PRUNE_BATCH],
    ));
    removed += n;
    if (n < PRUNE_BATCH) return { removed };
  }
}
