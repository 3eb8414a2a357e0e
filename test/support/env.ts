import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/**
 * Imported before any project module: config() is read once per process, so each test file's own data
 * directory and task-queue prefix must be in the environment first. A file that wants the PostgreSQL
 * mode imports ./use-postgres before this.
 */
Object.assign(process.env, {
  DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'itk-test-')),
  TASK_QUEUE_PREFIX: `t${randomUUID().slice(0, 8)}`,
  ALLOW_TEST_HOOKS: 'true',
  API_PORT: '0',
});
// The SDK's Prometheus exporter would bind the same port in every test process; a test that wants it sets a port first.
process.env.METRICS_PORT ??= '0';
// The tests' webhook receivers listen on 127.0.0.1; a file that tests the address check turns it off first.
process.env.WEBHOOK_ALLOW_PRIVATE ??= 'true';

/**
 * An unhandled rejection in a test process (the API and workers run inside it) is a bug even when it
 * happens between tests, where node's runner would not pin it on one: say where it came from and make
 * the file fail.
 */
process.on('unhandledRejection', (reason) => {
  console.error('[test] unhandled rejection, failing this test file:', reason);
  process.exitCode = 1;
});
