import { readFileSync } from 'node:fs';

/** Alive, and (where /proc tells) still running `what`: a recycled pid of an unrelated process does not count. */
export function isAlive(pid: number, what: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return cmdline.includes(what) && state !== 'Z';
  } catch {
    return true;
  }
}
