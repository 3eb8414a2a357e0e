import { getDb } from '../../db';
import { whileHeartbeating } from '../heartbeat';

export interface SearchIndexResult {
  index: string;
  method: 'hnsw' | 'ivfflat';
  created: boolean;
  pgvector: string;
}

// HNSW came with pgvector 0.5.0: no training step, so it can be built on an empty table and stays good as
// rows arrive. PGlite 0.3.8 ships pgvector 0.8.0 and the test PostgreSQL 16 (pgserver) 0.6.2; older servers
// get IVFFlat, whose lists are fixed at build time from the rows present (pgvector's advice: rows / 1000).
const HNSW_SINCE = [0, 5, 0];

function atLeast(version: string, min: number[]): boolean {
  const parts = version.split('.').map((p) => Number.parseInt(p, 10) || 0);
  for (let i = 0; i < min.length; i++) {
    if ((parts[i] ?? 0) !== min[i]) return (parts[i] ?? 0) > min[i]!;
  }
  return true;
}

/**
 * Creates the cosine-distance index on `insights.embedding` if it is missing, then refreshes the planner's
 * statistics for insights. On PostgreSQL the build runs CONCURRENTLY, so insights keep arriving during it; a
 * build that was interrupted leaves an invalid index, which is dropped and built again.
 */
export async function updateSearchIndex(): Promise<SearchIndexResult> {
  const db = await getDb();
  const [ext] = await db.query<{ extversion: string }>(`SELECT extversion FROM pg_extension WHERE extname = 'vector'`);
  const method = atLeast(ext.extversion, HNSW_SINCE) ? 'hnsw' : 'ivfflat';
  const index = `insights_embedding_${method}`;
  const concurrently = db.kind === 'postgres' ? 'CONCURRENTLY' : '';
  return whileHeartbeating({ index }, async () => {
    const [existing] = await db.query<{ valid: boolean }>(
      `SELECT x.indisvalid AS valid FROM pg_index x WHERE x.indexrelid = to_regclass($1)`,
      [index],
    );
    if (existing?.valid) {
      await db.query('ANALYZE insights');
      return { index, method, created: false, pgvector: ext.extversion };
    }
    if (existing) await db.query(`DROP INDEX ${concurrently} IF EXISTS ${index}`);
    if (method === 'hnsw') {
      await db.query(`CREATE INDEX ${concurrently} IF NOT EXISTS ${index} ON insights USING hnsw (embedding vector_cosine_ops)`);
    } else {
      const [{ rows }] = await db.query<{ rows: number }>('SELECT count(*)::int AS rows FROM insights WHERE embedding IS NOT NULL');
      const lists = Math.max(1, Math.round(rows / 1000));
      await db.query(`CREATE INDEX ${concurrently} IF NOT EXISTS ${index} ON insights USING ivfflat (embedding vector_cosine_ops) WITH (lists = ${lists})`);
    }
    await db.query('ANALYZE insights');
    return { index, method, created: true, pgvector: ext.extversion };
  });
}
