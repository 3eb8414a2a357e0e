import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import pg from 'pg';
import { config } from '../config';
import { logger } from '../logging';
import { holdDataDir } from './data-dir-holder';
import { extensionError } from './errors';

/** The SQL surface the app uses; both PostgreSQL (pg) and the embedded PGlite speak it. */
export interface Db {
  readonly kind: 'postgres' | 'embedded';
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  transaction<T>(fn: (tx: Db) => Promise<T>): Promise<T>;
  close(): Promise<void>;
  /**
   * Embedded only: the whole data directory as a gzipped tarball that `new PGlite({ loadDataDir })` restores.
   * `atRest` runs in the same transaction just before the copy, so what it reads is what the tarball holds.
   */
  dumpDataDir?(atRest?: (tx: Db) => Promise<void>): Promise<Blob>;
  /** PostgreSQL only: the pool itself, for a library that takes one (the shared rate-limit store). */
  readonly pool?: pg.Pool;
}

/**
 * Every similarity query filters by user. An HNSW index scan (the training run builds one) returns only its
 * nearest candidates before that filter, so a user could get fewer results than asked; pgvector 0.8's
 * iterative scan keeps searching until the limit is met. Older pgvector ignores the setting (PostgreSQL
 * accepts any dotted name as a placeholder).
 */
const VECTOR_SEARCH_SETTING = 'hnsw.iterative_scan=strict_order';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Any fixed number: every process that migrates takes the same transaction-scoped lock.
const MIGRATION_LOCK_KEY = 7_311_042;

function postgresDb(url: string): Db {
  const pool = new pg.Pool({ connectionString: url, max: 10, options: `-c ${VECTOR_SEARCH_SETTING}` });
  pool.on('error', (err) => logger.error({ err }, 'idle PostgreSQL client failed'));
  const wrap = (client: pg.Pool | pg.PoolClient): Db => ({
    kind: 'postgres',
    async query(sql, params) {
      return (await client.query(sql, params as unknown[])).rows;
    },
    async transaction(fn) {
      if (client !== pool) return fn(wrap(client));
      const conn = await pool.connect();
      let broken: Error | undefined;
      // A checked-out client has no listener of the pool's: an error the server sends between two queries (it ended
      // the session) would be thrown at the whole process. The transaction's next query fails with it instead.
      const onError = (err: Error) => (broken = err);
      conn.on('error', onError);
      try {
        await conn.query('BEGIN');
        const result = await fn(wrap(conn));
        await conn.query('COMMIT');
        return result;
      } catch (err) {
        // A session the server ended cannot roll back (the server did): the first error is the one to report,
        // and the dead connection leaves the pool rather than failing the next query.
        await conn.query('ROLLBACK').catch((rollbackError: Error) => (broken = rollbackError));
        throw err;
      } finally {
        conn.off('error', onError);
        conn.release(broken);
      }
    },
    close: () => pool.end(),
  });
  return { ...wrap(pool), pool };
}

/** `release` gives up the claim on dataDir (data-dir-holder.ts) once PGlite has closed its files. */
function embeddedDb(dataDir: string, release: () => void): Db {
  mkdirSync(dataDir, { recursive: true });
  const lite = new PGlite(dataDir, { extensions: { vector } });
  type Queryable = Pick<PGlite, 'query'>;
  const wrap = (conn: Queryable, inTransaction: boolean): Db => ({
    kind: 'embedded',
    async query(sql, params) {
      return (await conn.query(sql, params as unknown[])).rows as never[];
    },
    transaction(fn) {
      if (inTransaction) return fn(wrap(conn, true));
      return lite.transaction((tx) => fn(wrap(tx, true)));
    },
    async close() {
      try {
        await lite.close();
      } finally {
        release();
      }
    },
  });
  return {
    ...wrap(lite, false),
    // Inside a transaction no other query runs, so the files are copied at rest, right after a checkpoint.
    dumpDataDir: (atRest) =>
      lite.transaction(async (tx) => {
        await atRest?.(wrap(tx, true));
        await tx.query('CHECKPOINT');
        return lite.dumpDataDir('gzip');
      }),
  };
}

export async function migrate(db: Db): Promise<string[]> {
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
    await tx.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const files = readdirSync(MIGRATIONS_DIR).filter((f) => f.endsWith('.sql')).sort();
  const applied: string[] = [];
  for (const file of files) {
    const version = file.replace(/\.sql$/, '');
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const done = await tx.query('SELECT 1 FROM schema_migrations WHERE version = $1', [version]);
      if (done.length > 0) return;
      for (const statement of splitStatements(readFileSync(path.join(MIGRATIONS_DIR, file), 'utf8'))) {
        await tx.query(statement);
      }
      await tx.query('INSERT INTO schema_migrations (version) VALUES ($1)', [version]);
      applied.push(version);
    });
  }
  if (applied.length > 0) logger.info({ applied }, 'database migrations applied');
  return applied;
}

/** Migrations are plain SQL files; statements end with a semicolon at the end of a line. */
function splitStatements(sql: string): string[] {
  return sql
    .split(/;\s*$/m)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

/**
 * Opens PostgreSQL when a URL is given, else the embedded database under dataDir (refused with
 * DataDirInUseError while another process has it open), and migrates it. A server without pgvector is
 * refused with MissingExtensionError.
 */
export async function openDb(opts: { databaseUrl?: string; dataDir: string }): Promise<Db> {
  const embeddedDir = path.join(opts.dataDir, 'pglite');
  const db = opts.databaseUrl ? postgresDb(opts.databaseUrl) : embeddedDb(embeddedDir, await holdDataDir(embeddedDir));
  try {
    await migrate(db);
  } catch (err) {
    // Closed, so a process that cannot migrate gives up its claim or pool and can exit.
    await db.close().catch(() => undefined);
    throw (opts.databaseUrl && extensionError(err, opts.databaseUrl)) || err;
  }
  // PGlite is one session: set once. PostgreSQL sessions get it at connect (postgresDb).
  if (db.kind === 'embedded') await db.query(`SET ${VECTOR_SEARCH_SETTING}`);
  return db;
}

let shared: Promise<Db> | undefined;

/** The process-wide database, opened and migrated on first use. */
export function getDb(): Promise<Db> {
  shared ??= openDb({ databaseUrl: config().databaseUrl, dataDir: config().dataDir });
  return shared;
}

export async function closeDb(): Promise<void> {
  if (!shared) return;
  const db = await shared;
  shared = undefined;
  await db.close();
}
