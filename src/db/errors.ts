/**
 * What keeps a process from opening its database, said in one line by startup-errors.ts: no module with side
 * effects is imported here, so startup-errors can import it before anything else.
 */

export interface DataDirHolder {
  pid: number;
  host: string;
  startedAt: string;
}

export class DataDirInUseError extends Error {
  constructor(readonly dataDir: string, readonly holder: DataDirHolder) {
    super(
      `the embedded database ${dataDir} is already open in process ${holder.pid} on host ${holder.host} (since ${holder.startedAt}); ` +
        'it takes one process at a time: stop that process, or run several processes on PostgreSQL by giving each the same DATABASE_URL',
    );
    this.name = 'DataDirInUseError';
  }
}

export class MissingExtensionError extends Error {
  constructor(readonly extension: string, where: string, reason: 'not installed' | 'not permitted') {
    const what = extension === 'vector' ? '"vector" extension (pgvector), which holds the embeddings' : `"${extension}" extension`;
    super(
      reason === 'not installed'
        ? `the PostgreSQL server of DATABASE_URL (${where}) lacks the ${what}: install it on that server ` +
            '(the postgresql-<major>-pgvector package, or the pgvector/pgvector image), or point DATABASE_URL at a server that has it'
        : `the PostgreSQL role of DATABASE_URL (${where}) may not create the ${what}: have a superuser run ` +
            `CREATE EXTENSION ${extension}; in that database once, then start again`,
    );
    this.name = 'MissingExtensionError';
  }
}

/** Where DATABASE_URL points, without its password. */
function serverOf(databaseUrl: string): string {
  try {
    const url = new URL(databaseUrl);
    return `${url.hostname}:${url.port || '5432'}${url.pathname}`;
  } catch {
    return 'as configured';
  }
}

/**
 * PostgreSQL's refusal of a migration's `CREATE EXTENSION` as the error that says what to install or who must
 * create it; undefined for any other error. No control file on the server: 0A000 "extension … is not available"
 * (PostgreSQL 15+), 58P01 "could not open extension control file" (older); 42501: the role may not create it.
 */
export function extensionError(err: unknown, databaseUrl: string): MissingExtensionError | undefined {
  const { code, message } = (err ?? {}) as { code?: unknown; message?: unknown };
  if (typeof message !== 'string') return undefined;
  const name = /extension "([^"]+)"/.exec(message)?.[1] ?? /extension control file "(?:[^"]*\/)?([^/"]+)\.control"/.exec(message)?.[1];
  if (!name) return undefined;
  if (code === '0A000' || code === '58P01') return new MissingExtensionError(name, serverOf(databaseUrl), 'not installed');
  if (code === '42501') return new MissingExtensionError(name, serverOf(databaseUrl), 'not permitted');
  return undefined;
}
