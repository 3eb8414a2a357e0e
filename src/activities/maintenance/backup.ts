import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { gunzip } from 'node:zlib';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { ApplicationFailure } from '@temporalio/common';
import pg from 'pg';
import { config } from '../../config';
import { getDb, type Db } from '../../db';
import { logger } from '../../logging';
import { findOnPath, runChild } from '../../tools/run-child';
import { invalidInput, misconfigured } from '../errors';
import { whileHeartbeating } from '../heartbeat';

// Backups of the app database into BACKUP_DIR (default DATA_DIR/backups). Embedded mode: PGlite's data
// directory as a gzipped tarball (restore: `new PGlite({ loadDataDir })`). PostgreSQL mode: pg_dump's custom
// format (restore: `pg_restore -d <database> <file>`). Each one is restored before it counts as a backup: into
// a fresh in-memory PGlite, or a scratch database on the same server, and its rows per table compared with
// the source's, counted in the very snapshot the dump was taken from.

const FORMATS = {
  embedded: { format: 'pglite-datadir-tar-gz', ext: '.tar.gz', magic: Buffer.from([0x1f, 0x8b]) },
  postgres: { format: 'pg_dump-custom', ext: '.dump', magic: Buffer.from('PGDMP') },
} as const;
const NAME = /^itk-backup-\d{8}T\d{6}Z$/;
const FILE = /^itk-backup-\d{8}T\d{6}Z\.(tar\.gz|dump)$/;

/** Rows per table of the public schema, and `LARGE_OBJECTS` (pg_dump carries them too). */
export type RowCounts = Record<string, number>;
export const LARGE_OBJECTS = '(large objects)';

export interface BackupResult {
  file: string;
  format: string;
  bytes: number;
  sha256: string;
  /** Rows per table the restored backup holds, equal to the source's when it was taken. */
  rows: RowCounts;
  /** Older backups deleted to keep only the newest `keep`. */
  removed: string[];
}

const gunzipAsync = promisify(gunzip);

type Query = (sql: string) => Promise<Record<string, unknown>[]>;

/** Counts every table's rows with exact `count(*)`: a backup is checked once, and estimates would not do. */
export async function countRows(query: Query): Promise<RowCounts> {
  const tables = await query(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
  const counts: RowCounts = {};
  for (const { tablename } of tables) {
    const name = String(tablename);
    const [row] = await query(`SELECT count(*)::int AS n FROM public."${name.replace(/"/g, '""')}"`);
    counts[name] = Number(row.n);
  }
  const [lo] = await query('SELECT count(*)::int AS n FROM pg_largeobject_metadata');
  counts[LARGE_OBJECTS] = Number(lo.n);
  return counts;
}

/** The name a backup file will have: checks run on its `.partial` before the rename. */
const backupName = (file: string) => path.basename(file).replace(/\.partial$/, '');

function verificationFailed(message: string): ApplicationFailure {
  // Not retried: the same dump of the same snapshot would fail the same way, and a broken backup must not wait
  // unnoticed behind retries. The schedule's next run takes a new one.
  return ApplicationFailure.create({ message, type: 'BackupVerificationError', nonRetryable: true });
}

/** Fails unless `restored` holds exactly the tables and rows of `source`. */
export function compareRows(fileName: string, source: RowCounts, restored: RowCounts): void {
  const differences = [...new Set([...Object.keys(source), ...Object.keys(restored)])]
    .sort()
    .filter((t) => source[t] !== restored[t])
    .map((t) => `${t}: ${source[t] ?? 'no table'} in the database, ${restored[t] ?? 'no table'} restored`);
  if (differences.length > 0) {
    throw verificationFailed(`the backup ${fileName} does not restore what was dumped (${differences.join('; ')}); it was removed`);
  }
}

/** The pg_restore that goes with the configured pg_dump, or a non-retryable failure saying what to set. */
async function findPgRestore(cfg: { pgDump?: string; pgRestore?: string }): Promise<string> {
  const bin = cfg.pgRestore ?? (cfg.pgDump ? path.join(path.dirname(cfg.pgDump), 'pg_restore') : await findOnPath('pg_restore'));
  if (!bin) {
    throw misconfigured(
      'pg_restore was not found on PATH, and every backup is verified by restoring it: install the Debian package postgresql-client (of the server’s major version or newer) or set PG_RESTORE to its path',
    );
  }
  return bin;
}

/** The URL without its password, which goes to a child through the environment (never the process list). */
function childConnection(databaseUrl: string): { url: URL; env: NodeJS.ProcessEnv } {
  const url = new URL(databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  return { url, env: password ? { ...process.env, PGPASSWORD: password } : process.env };
}

/**
 * Restores a pg_dump file into a scratch database made for it on the same server and counts its rows; the
 * scratch database is dropped whatever happens.
 */
export async function restoreIntoScratch(opts: {
  db: Db;
  databaseUrl: string;
  pgRestore: string;
  file: string;
  signal?: AbortSignal;
}): Promise<RowCounts> {
  const scratch = `itk_verify_${randomBytes(6).toString('hex')}`;
  try {
    // template0: the scratch database holds only what the dump creates.
    await opts.db.query(`CREATE DATABASE ${scratch} TEMPLATE template0`);
  } catch (err) {
    if ((err as { code?: string }).code === '42501') {
      throw misconfigured(
        'the database role may not create databases, and every backup is verified by restoring it into a scratch database that is then dropped: grant it CREATEDB (ALTER ROLE … CREATEDB)',
      );
    }
    throw err;
  }
  try {
    const { url, env } = childConnection(opts.databaseUrl);
    url.pathname = `/${scratch}`;
    try {
      await runChild(opts.pgRestore, ['--exit-on-error', '--no-owner', '--no-privileges', `--dbname=${url.href}`, opts.file], { signal: opts.signal, env });
    } catch (err) {
      if (opts.signal?.aborted) throw err;
      const message = (err as Error).message;
      if (/is not installed/.test(message)) {
        throw misconfigured(`pg_restore was looked for at ${opts.pgRestore}, which does not exist or cannot run: set PG_RESTORE to its path`);
      }
      throw verificationFailed(`the backup ${backupName(opts.file)} does not restore (${message}); it was removed`);
    }
    const target = new URL(opts.databaseUrl);
    target.pathname = `/${scratch}`;
    const client = new pg.Client({ connectionString: target.href });
    await client.connect();
    try {
      return await countRows(async (sql) => (await client.query(sql)).rows);
    } finally {
      await client.end();
    }
  } finally {
    // FORCE: a pg_restore killed by a cancel may still hold a connection.
    await opts.db.query(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`).catch((err: unknown) => {
      logger.error({ err, database: scratch }, 'could not drop the scratch database of a backup check; drop it by hand');
    });
  }
}

/** Loads a PGlite tarball into a fresh in-memory PGlite and counts its rows. */
export async function restoreIntoPglite(file: string): Promise<RowCounts> {
  let lite: PGlite | undefined;
  try {
    // Unzipped here: PGlite's own gunzip throws a damaged stream's error where nothing can catch it, which
    // would end the worker process; a damaged tar it rejects properly.
    const tar = await gunzipAsync(await readFile(file));
    lite = await PGlite.create({ loadDataDir: new Blob([tar], { type: 'application/x-tar' }), extensions: { vector } });
    const restored = lite;
    return await countRows(async (sql) => (await restored.query<Record<string, unknown>>(sql)).rows);
  } catch (err) {
    if (err instanceof ApplicationFailure) throw err;
    throw verificationFailed(`the backup ${backupName(file)} does not load into PGlite (${(err as Error).message}); it was removed`);
  } finally {
    await lite?.close().catch(() => undefined);
  }
}

/** Runs pg_dump into `file`; a missing or too old pg_dump fails for good, with what to install or set. */
export async function runPgDump(opts: {
  pgDump?: string;
  databaseUrl: string;
  file: string;
  /** An exported snapshot (`pg_export_snapshot()`) to dump, held open by the caller's transaction. */
  snapshot?: string;
  signal?: AbortSignal;
}): Promise<void> {
  const bin = opts.pgDump ?? (await findOnPath('pg_dump'));
  if (!bin) {
    throw misconfigured(
      'pg_dump was not found on PATH: install the Debian package postgresql-client (of the server’s major version or newer) or set PG_DUMP to its path',
    );
  }
  const { url, env } = childConnection(opts.databaseUrl);
  const snapshot = opts.snapshot ? [`--snapshot=${opts.snapshot}`] : [];
  try {
    await runChild(bin, ['--format=custom', ...snapshot, `--file=${opts.file}`, `--dbname=${url.href}`], { signal: opts.signal, env });
  } catch (err) {
    if (opts.signal?.aborted) throw err;
    const message = (err as Error).message;
    if (/server version mismatch/.test(message)) {
      const detail = /server version: [^;]+; pg_dump version: [^\n(]+/.exec(message)?.[0].trim() ?? 'version mismatch';
      throw misconfigured(
        `${bin} is older than the PostgreSQL server and cannot dump it (${detail}): install a pg_dump of the server’s major version or newer and set PG_DUMP to it`,
      );
    }
    if (/is not installed/.test(message)) throw misconfigured(`PG_DUMP is set to ${bin}, which does not exist or cannot run`);
    throw err;
  }
}

/**
 * Writes the dump and returns the source's rows per table in the same snapshot. Embedded: counted inside the
 * transaction the tarball is copied in. PostgreSQL: a REPEATABLE READ transaction exports its snapshot, counts
 * in it, and stays open while pg_dump dumps that snapshot (`--snapshot`), so writes that land meanwhile are
 * in neither.
 */
async function writeDump(db: Db, file: string, signal: AbortSignal): Promise<RowCounts> {
  let counts: RowCounts = {};
  if (db.dumpDataDir) {
    const tarball = await db.dumpDataDir(async (tx) => {
      counts = await countRows((sql) => tx.query(sql));
    });
    await writeFile(file, Buffer.from(await tarball.arrayBuffer()));
    return counts;
  }
  const cfg = config();
  const conn = await db.pool!.connect();
  try {
    await conn.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    const { rows } = await conn.query<{ snapshot: string }>('SELECT pg_export_snapshot() AS snapshot');
    counts = await countRows(async (sql) => (await conn.query(sql)).rows);
    await runPgDump({ pgDump: cfg.maintenance.pgDump, databaseUrl: cfg.databaseUrl!, file, snapshot: rows[0].snapshot, signal });
    await conn.query('COMMIT');
    return counts;
  } catch (err) {
    await conn.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    conn.release();
  }
}

/** Restores the file where it can be read back and fails unless it holds exactly `source`'s rows. */
async function verifyRestore(db: Db, file: string, source: RowCounts, signal: AbortSignal): Promise<RowCounts> {
  let restored: RowCounts;
  if (db.kind === 'embedded') {
    restored = await restoreIntoPglite(file);
  } else {
    const cfg = config();
    const pgRestore = await findPgRestore(cfg.maintenance);
    restored = await restoreIntoScratch({ db, databaseUrl: cfg.databaseUrl!, pgRestore, file, signal });
  }
  compareRows(backupName(file), source, restored);
  return restored;
}

/** Checks the file is non-empty and starts as its format must, then hashes it. */
async function checkFile(file: string, magic: Buffer): Promise<{ bytes: number; sha256: string }> {
  const handle = await open(file);
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(magic.length);
    await handle.read(head, 0, magic.length, 0);
    if (size === 0 || !head.equals(magic)) throw verificationFailed(`the backup ${backupName(file)} is empty or not in the expected format; it was removed`);
    const hash = createHash('sha256');
    await pipeline(createReadStream(file), hash);
    return { bytes: size, sha256: hash.digest('hex') };
  } finally {
    await handle.close();
  }
}

/**
 * Writes one backup named `name` (the workflow derives it from its scheduled time, so a retry rewrites the
 * same file), verifies and records it, then deletes all but the newest `keep` backups.
 */
export async function backupDatabase(input: { name: string; keep: number; jobId: string }): Promise<BackupResult> {
  if (!NAME.test(input.name)) throw invalidInput(`backup name ${input.name} is not itk-backup-<yyyymmddThhmmssZ>`);
  const db = await getDb();
  const { format, ext, magic } = FORMATS[db.kind];
  const dir = config().maintenance.backupDir;
  await mkdir(dir, { recursive: true });
  const fileName = `${input.name}${ext}`;
  const file = path.join(dir, fileName);
  const partial = `${file}.partial`;

  // Only a file that restored is renamed into place and recorded: a bad one never counts as a backup.
  const checked = await whileHeartbeating('dump', async (signal) => {
    try {
      const source = await writeDump(db, partial, signal);
      const result = await checkFile(partial, magic);
      const rows = await verifyRestore(db, partial, source, signal);
      await rename(partial, file);
      return { ...result, rows };
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  });

  await db.query(
    `INSERT INTO backups (file_name, format, size_bytes, sha256, job_id, row_counts) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (file_name) DO UPDATE SET size_bytes = $3, sha256 = $4, job_id = $5, row_counts = $6, created_at = now(), removed_at = NULL`,
    [fileName, format, checked.bytes, checked.sha256, input.jobId, JSON.stringify(checked.rows)],
  );

  // Names carry the time, so sorting them sorts by age.
  const old = (await readdir(dir)).filter((f) => FILE.test(f)).sort().reverse().slice(input.keep);
  for (const name of old) await rm(path.join(dir, name), { force: true });
  if (old.length > 0) {
    await db.query(`UPDATE backups SET removed_at = now() WHERE file_name IN (SELECT jsonb_array_elements_text($1::jsonb))`, [JSON.stringify(old)]);
  }
  return { file, format, bytes: checked.bytes, sha256: checked.sha256, rows: checked.rows, removed: old };
}
