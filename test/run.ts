import { spawn, spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { resolveTemporalCli } from '../src/temporal/cli';
import { startDevServer } from '../src/temporal/dev-server';
import { PROJECT_ROOT } from '../src/tools/venv';
import { freePort } from './support/ports';
import { startTestPostgres } from './support/postgres';

/**
 * `npm test`: type-checks and lints the tree (`npm run check`), starts one real Temporal dev server and one
 * real PostgreSQL for the whole run, then runs every test file with node's test runner (one file at a time;
 * each file isolates itself with its own task-queue prefix and data directory). Arguments narrow the run to
 * matching file paths and skip the static checks, for a quick loop while working.
 */
function testFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return testFiles(full);
    return name.endsWith('.test.ts') ? [full] : [];
  });
}

const filters = process.argv.slice(2);
const files = testFiles(path.join(PROJECT_ROOT, 'test'))
  .filter((f) => filters.length === 0 || filters.some((part) => f.includes(part)))
  .sort();

if (filters.length === 0) {
  const check = spawnSync('npm', ['run', '--silent', 'check'], { cwd: PROJECT_ROOT, stdio: 'inherit' });
  if (check.status !== 0) {
    console.log('0 passed, 1 failed');
    console.error('[test] npm run check failed (type errors, lint errors or an import cycle): fix them first');
    process.exit(1);
  }
}

const cli = await resolveTemporalCli(process.env.TEMPORAL_CLI);
const temporal = await startDevServer({
  cli,
  port: await freePort(),
  uiPort: await freePort(),
  namespace: 'default',
  headless: true,
  // Stopping the server with workflows still open makes it log errors about closing task queues.
  logLevel: 'never',
});
const postgres = await startTestPostgres().catch(async (err) => {
  await temporal.stop();
  throw err;
});
console.log(`[test] Temporal at ${temporal.address}, PostgreSQL at ${postgres.url}, ${files.length} test files`);

const child = spawn(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', ...files], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: {
    ...process.env,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_CLI: cli,
    TEST_DATABASE_URL: postgres.url,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
    LOG_FORMAT: 'json',
  },
});
// The runner's totals are repeated as the very last line, after the servers have stopped and said goodbye.
// A test cancelled (its suite's before hook failed, or its file died) counts as failed: it proved nothing.
const totals = { pass: 0, fail: 0, cancelled: 0 };
child.stdout!.on('data', (chunk: Buffer) => {
  process.stdout.write(chunk);
  for (const [, key, n] of chunk.toString().matchAll(/^# (pass|fail|cancelled) (\d+)$/gm)) totals[key as keyof typeof totals] = Number(n);
});
const code = await new Promise<number>((resolve) => child.once('close', (c) => resolve(c ?? 1)));
await temporal.stop();
postgres.stop();
console.log(`${totals.pass} passed, ${totals.fail + totals.cancelled} failed`);
process.exit(code);
