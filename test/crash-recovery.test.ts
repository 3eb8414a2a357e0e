import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, it } from 'node:test';
import { PROJECT_ROOT } from '../src/tools/venv';
import { freePort } from './support/ports';
import { waitFor } from './support/stack';

/**
 * The whole `npm start` system (its own Temporal dev server on a SQLite file, workers, API) is killed
 * with SIGKILL mid-job and started again on the same data directory: the job must finish.
 */
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itk-crash-'));
after(() => rmSync(dataDir, { recursive: true, force: true }));

async function startSystem(ports: { api: number; temporal: number; ui: number }): Promise<ChildProcess> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    API_PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    ALLOW_TEST_HOOKS: 'true',
  };
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'TASK_QUEUE_PREFIX']) delete env[name];
  // Its own process group, so one kill reaches the Temporal server child too.
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: PROJECT_ROOT, env, detached: true, stdio: 'ignore' });
  await waitFor(async () => (await fetch(`http://127.0.0.1:${ports.api}/readyz`).catch(() => undefined))?.ok || undefined, 90_000, 'the system to be ready');
  return child;
}

it('a job in flight survives kill -9 of every process and completes after a restart', async () => {
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
  const first = await startSystem(ports);
  const apiKey = readFileSync(path.join(dataDir, 'dev-api-key'), 'utf8').trim();
  const call = async (method: string, route: string, body?: unknown) => {
    const res = await fetch(`http://127.0.0.1:${ports.api}${route}`, {
      method,
      headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return res.json() as Promise<any>;
  };

  const { jobId } = await call('POST', '/api/insights', { text: 'Survives a crash.', holdMs: 4_000 });
  await waitFor(async () => ((await call('GET', `/api/jobs/${jobId}`)).progress?.stage === 'hold' ? true : undefined), 30_000, 'the hold stage');

  process.kill(-first.pid!, 'SIGKILL');
  await new Promise((resolve) => first.once('exit', resolve));
  await assert.rejects(fetch(`http://127.0.0.1:${ports.api}/healthz`));

  const second = await startSystem(ports);
  try {
    const job = await waitFor(async () => {
      const body = await call('GET', `/api/jobs/${jobId}`);
      return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
    }, 60_000, 'the job to finish after the restart');
    assert.equal(job.status, 'completed');
  } finally {
    process.kill(-second.pid!, 'SIGTERM');
    const code = await new Promise((resolve) => second.once('exit', resolve));
    assert.equal(code, 0, 'an ordered shutdown exits 0');
  }
});
