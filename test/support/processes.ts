import { readdirSync, readFileSync } from 'node:fs';

function parentOf(pid: number): number | undefined {
  try {
    // The command name in field 2 may hold spaces or brackets; the fields after its closing bracket do not.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return undefined;
  }
}

function descendsFromThisProcess(pid: number): boolean {
  for (let p = parentOf(pid); p !== undefined && p > 1; p = parentOf(p)) {
    if (p === process.pid) return true;
  }
  return false;
}

/**
 * Pids of live descendants of this test process whose command line contains `needle`: how a test sees a
 * child outlive its abort. Other processes on the machine (another suite, a benchmark) never count.
 */
export function pidsWithArg(needle: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
      const state = /^State:\s+(\w)/m.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1];
      if (cmdline.includes(needle) && state !== 'Z' && descendsFromThisProcess(Number(entry))) pids.push(Number(entry));
    } catch {
      // the process ended while we looked
    }
  }
  return pids;
}
