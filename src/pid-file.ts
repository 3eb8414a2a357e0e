import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { z } from 'zod';
import { acquireDirLock } from './tools/dir-lock';
import { isAlive } from './tools/process-alive';

/**
 * `DATA_DIR/npm-start.pid.json`: which `npm start` owns this data directory, and the Temporal dev server
 * it started. A main process killed with SIGKILL cannot stop its child, so the next start reads this file
 * to tell "still running" (refuse to start) from "died and left its dev server" (stop that server first).
 */
const pidFileSchema = z.object({ mainPid: z.number().int().positive(), devServerPid: z.number().int().positive().optional() });
type PidFile = z.infer<typeof pidFileSchema>;

export class AlreadyRunningError extends Error {
  constructor(readonly pid: number, dataDir: string) {
    super(`Insight Tracker is already running (pid ${pid}) on ${dataDir}; stop it first (kill ${pid}), or give this one its own DATA_DIR`);
    this.name = 'AlreadyRunningError';
  }
}

const fileIn = (dataDir: string) => path.join(dataDir, 'npm-start.pid.json');

function read(dataDir: string): PidFile | undefined {
  try {
    return pidFileSchema.parse(JSON.parse(readFileSync(fileIn(dataDir), 'utf8')));
  } catch {
    return undefined;
  }
}

async function stopProcess(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let waited = 0; waited < 10_000; waited += 100) {
    if (!isAlive(pid, '')) return;
    await sleep(100);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // it ended just now
  }
}

export interface StartClaim {
  /** Records the dev server this process started, for the next start to find should this one be killed. */
  recordDevServer(pid: number): void;
  /** Removes the file at an ordered shutdown. */
  release(): void;
}

/**
 * Claims `dataDir` for this process. Throws AlreadyRunningError while the previous owner lives; stops the
 * dev server a dead owner left behind (it holds the port and the SQLite file) before writing the claim.
 * `found` says what a dead owner left, for the caller's log.
 */
export async function claimDataDir(dataDir: string): Promise<{ claim: StartClaim; found?: string }> {
  await mkdir(dataDir, { recursive: true });
  // Two starts at the same moment: the lock makes one read-then-write at a time, so the second sees the first.
  const lock = path.join(dataDir, 'npm-start.lock');
  // A start killed while it held the lock (the claim takes milliseconds, stopping a dev server up to 10 s).
  await acquireDirLock(lock, { staleMs: 30_000, retryMs: 100 });
  try {
    return await claimLocked(dataDir);
  } finally {
    await rmdir(lock).catch(() => undefined);
  }
}


async function claimLocked(dataDir: string): Promise<{ claim: StartClaim; found?: string }> {
  const previous = read(dataDir);
  let found: string | undefined;
  if (previous && previous.mainPid !== process.pid) {
    if (isAlive(previous.mainPid, 'main.ts')) throw new AlreadyRunningError(previous.mainPid, dataDir);
    if (previous.devServerPid && isAlive(previous.devServerPid, 'start-dev')) {
      found = `the previous start (pid ${previous.mainPid}) died and left its Temporal dev server (pid ${previous.devServerPid}) running; stopped it`;
      await stopProcess(previous.devServerPid);
    }
  }
  const state: PidFile = { mainPid: process.pid };
  const write = () => writeFileSync(fileIn(dataDir), `${JSON.stringify(state)}\n`);
  write();
  return {
    found,
    claim: {
      recordDevServer(pid) {
        state.devServerPid = pid;
        write();
      },
      release() {
        if (read(dataDir)?.mainPid === process.pid) rmSync(fileIn(dataDir), { force: true });
      },
    },
  };
}
