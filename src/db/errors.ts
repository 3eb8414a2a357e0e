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
