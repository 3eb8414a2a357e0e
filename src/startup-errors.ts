import { ConfigError } from './config';
import { MissingToolError } from './tools/venv';

/**
 * Imported first by every entry point: a bad configuration or a missing tool ends the process with
 * its message alone (what to set or install), not a stack trace.
 */
function explain(err: unknown): void {
  const known = err instanceof ConfigError || err instanceof MissingToolError;
  console.error(known ? err.message : err);
  process.exit(1);
}
process.on('uncaughtException', explain);
process.on('unhandledRejection', explain);
