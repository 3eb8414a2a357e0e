import { spawnSync } from 'node:child_process';
import { config } from '../config';
import { resolveTemporalCli } from './cli';
import { temporalAddress } from './connection';

/** `npm run temporal -- <args>`: the project's Temporal CLI, pointed at the configured server and namespace. */
const cfg = config();
const result = spawnSync(await resolveTemporalCli(cfg.temporal.cli), process.argv.slice(2), {
  stdio: 'inherit',
  env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress(cfg), TEMPORAL_NAMESPACE: cfg.temporal.namespace },
});
process.exit(result.status ?? 1);
