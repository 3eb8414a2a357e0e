import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { mkdir, open, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { config } from '../../config';
import { getDb, type Db } from '../../db';
import { findOnPath, runChild } from '../../tools/run-child';
import { invalidInput, misconfigured } from '../errors';
import { whileHeartbeating } from '../heartbeat';

// Backups of the app database into DATA_DIR/backups. Embedded mode: PGlite's data directory as a gzipped
// tarball (restore: `new PGlite({ loadDataDir })`). PostgreSQL mode: pg_dump's custom format (restore:
// `pg_restore -d <database> <file>`).

const FORMATS = {
  embedded: { format: 'pglite-datadir-tar-gz', ext: '.tar.gz', magic: Buffer.from([0x1f, 0x8b]) },
  postgres: { format: 'pg_dump-custom', ext: '.dump', magic: Buffer.from('PGDMP') },
} as const;
const NAME = /^itk-backup-\d{8}T\d{6}Z$/;
const FILE = /^itk-backup-\d{8}T\d{6}Z\.(tar\.gz|dump)$/;

export interface BackupResult {
  file: string;
  format: string;
  bytes: number;
  sha256: string;
  /** Older backups deleted to keep only the newest `keep`. */
  removed: string[];
}

/** Runs pg_dump into `file`; a missing or too old pg_dump fails for good, with what to install or set. */
export async function runPgDump(opts: { pgDump?: string; databaseUrl: string; file: string; signal?: AbortSignal }): Promise<void> {
  const bin = opts.pgDump ?? (await findOnPath('pg_dump'));
  if (!bin) {
    throw misconfigured(
      'pg_dump was not found on PATH: install the Debian package postgresql-client (of the server’s major version or newer) or set PG_DUMP to its path',
    );
  }
  // The password goes through the environment, so it never shows in the process list.
  const url = new URL(opts.databaseUrl);
  const password = decodeURIComponent(url.password);
  url.password = '';
  try {
    await runChild(bin, ['--format=custom', `--file=${opts.file}`, `--dbname=${url.href}`], {
      signal: opts.signal,
      env: password ? { ...process.env, PGPASSWORD: password } : process.env,
    });
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

async function writeDump(db: Db, file: string, signal: AbortSignal): Promise<void> {
  if (db.dumpDataDir) {
    await writeFile(file, Buffer.from(await (await db.dumpDataDir()).arrayBuffer()));
    return;
  }
  const cfg = config();
  await runPgDump({ pgDump: cfg.maintenance.pgDump, databaseUrl: cfg.databaseUrl!, file, signal });
}

/** Checks the file is non-empty and starts as its format must, then hashes it. */
async function verify(file: string, magic: Buffer): Promise<{ bytes: number; sha256: string }> {
  const handle = await open(file);
  try {
    const { size } = await handle.stat();
    const head = Buffer.alloc(magic.length);
    await handle.read(head, 0, magic.length, 0);
    if (size === 0 || !head.equals(magic)) throw new Error(`the backup ${path.basename(file)} is empty or not in the expected format`);
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
  const dir = path.join(config().dataDir, 'backups');
  await mkdir(dir, { recursive: true });
  const fileName = `${input.name}${ext}`;
  const file = path.join(dir, fileName);
  const partial = `${file}.partial`;

  const checked = await whileHeartbeating('dump', async (signal) => {
    try {
      await writeDump(db, partial, signal);
      const result = await verify(partial, magic);
      await rename(partial, file);
      return result;
    } catch (err) {
      await rm(partial, { force: true });
      throw err;
    }
  });

  await db.query(
    `INSERT INTO backups (file_name, format, size_bytes, sha256, job_id) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (file_name) DO UPDATE SET size_bytes = $3, sha256 = $4, job_id = $5, created_at = now(), removed_at = NULL`,
    [fileName, format, checked.bytes, checked.sha256, input.jobId],
  );

  // Names carry the time, so sorting them sorts by age.
  const old = (await readdir(dir)).filter((f) => FILE.test(f)).sort().reverse().slice(input.keep);
  for (const name of old) await rm(path.join(dir, name), { force: true });
  if (old.length > 0) {
    await db.query(`UPDATE backups SET removed_at = now() WHERE file_name IN (SELECT jsonb_array_elements_text($1::jsonb))`, [JSON.stringify(old)]);
  }
  return { file, format, ...checked, removed: old };
}
