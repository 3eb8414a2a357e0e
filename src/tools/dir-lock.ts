import { mkdir, rm, stat } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Takes a lock that several processes on one machine can race for: creating a directory is atomic. A lock
 * older than `staleMs` belonged to a process killed while it held it, and is broken.
 */
export async function acquireDirLock(lock: string, opts: { staleMs: number; retryMs: number }): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then((s) => Date.now() - s.mtimeMs, () => 0);
      if (age > opts.staleMs) await rm(lock, { recursive: true, force: true });
      else await sleep(opts.retryMs);
    }
  }
}
