import { mkdirSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { rmdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { z } from 'zod';
import { acquireDirLock } from '../tools/dir-lock';
import { isAlive } from '../tools/process-alive';
import { DataDirInUseError, type DataDirHolder } from './errors';

const holderSchema = z.object({ pid: z.number().int().positive(), host: z.string(), startedAt: z.string() });

// A holder on another host cannot be asked whether it lives: it touches its file this often, and one untouched
// for STALE_MS is gone (a container recreated after a kill gets a new hostname, and must still start).
const HEARTBEAT_MS = 10_000;
const STALE_MS = 30_000;

/** The data directories this process holds: a second open of one of them is refused like another process's. */
const heldHere = new Set<string>();

export const holderFileOf = (dataDir: string) => `${dataDir}.holder.json`;

function read(file: string): DataDirHolder | undefined {
  try {
    return holderSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    return undefined;
  }
}

function stillHeld(file: string, holder: DataDirHolder, host: string): boolean {
  if (holder.host !== host) return Date.now() - statSync(file).mtimeMs < STALE_MS;
  // Our own pid in a file we do not hold: a predecessor that died, whose pid this process got (pid 1 in a container).
  return holder.pid !== process.pid && isAlive(holder.pid, 'node');
}

/**
 * PGlite has no guard of its own: two processes on one data directory would both write its files and corrupt
 * them. `<dataDir>.holder.json` names the process that has it open; any other process is refused with
 * DataDirInUseError before it touches a file. A holder that died without closing (SIGKILL, power loss) is
 * taken over: on this host, when its pid is no longer a live node process; from another host, when it has not
 * touched the file for 30 s. Returns the release, for the close.
 */
export async function holdDataDir(dataDir: string): Promise<() => void> {
  const key = path.resolve(dataDir);
  const file = holderFileOf(key);
  mkdirSync(path.dirname(file), { recursive: true });
  const mine: DataDirHolder = { pid: process.pid, host: os.hostname(), startedAt: new Date().toISOString() };
  const body = `${JSON.stringify(mine)}\n`;
  // Two starts at once: one checks and writes at a time, so the second sees the first's claim.
  const lock = `${key}.holder.lock`;
  await acquireDirLock(lock, { staleMs: 10_000, retryMs: 50 });
  try {
    if (heldHere.has(key)) throw new DataDirInUseError(dataDir, read(file) ?? mine);
    try {
      writeFileSync(file, body, { flag: 'wx' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = read(file);
      // Unreadable: its writer died between creating and writing it, under the lock, so it held nothing yet.
      if (holder && stillHeld(file, holder, mine.host)) throw new DataDirInUseError(dataDir, holder);
      writeFileSync(`${file}.${process.pid}`, body);
      renameSync(`${file}.${process.pid}`, file);
    }
    heldHere.add(key);
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
  const heartbeat = setInterval(() => {
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // removed under us (the data directory was deleted): nothing left to guard
    }
  }, HEARTBEAT_MS);
  heartbeat.unref();
  return () => {
    clearInterval(heartbeat);
    heldHere.delete(key);
    const holder = read(file);
    if (holder?.pid === mine.pid && holder.host === mine.host) rmSync(file, { force: true });
  };
}
