import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite/vector';
import { PROJECT_ROOT } from '../src/tools/venv';
import { freePort } from './support/ports';
import { speak, speechText, tempDir } from './support/speech';
import { waitFor } from './support/stack';

/**
 * The whole `npm start` system (its own Temporal dev server on a SQLite file, workers, API) is killed
 * with SIGKILL mid-job and started again on the same data directory: the job must finish.
 */
interface System {
  process: ChildProcess;
  call(method: string, route: string, body?: unknown): Promise<any>;
}

async function startSystem(dataDir: string, ports: { api: number; temporal: number; ui: number }): Promise<System> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    API_PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    ALLOW_TEST_HOOKS: 'true',
  };
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'TASK_QUEUE_PREFIX']) delete env[name];
  // Its own process group, so one kill reaches the Temporal server child too. Its output goes to a file in
  // DATA_DIR, quoted when a call fails, so a system that died says why.
  const logFile = path.join(dataDir, `npm-start-${Date.now()}.log`);
  const log = openSync(logFile, 'a');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: PROJECT_ROOT, env, detached: true, stdio: ['ignore', log, log] });
  closeSync(log);
  const base = `http://127.0.0.1:${ports.api}`;
  await waitFor(async () => (await fetch(`${base}/readyz`).catch(() => undefined))?.ok || undefined, 120_000, 'the system to be ready');
  const apiKey = readFileSync(path.join(dataDir, 'dev-api-key'), 'utf8').trim();
  return {
    process: child,
    async call(method, route, body) {
      const form = body instanceof FormData;
      const res = await fetch(`${base}${route}`, {
        method,
        headers: { authorization: `Bearer ${apiKey}`, ...(body && !form ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : form ? body : JSON.stringify(body),
      }).catch((err: Error) => {
        const tail = readFileSync(logFile, 'utf8').split('\n').filter((l) => !l.includes('"msg":"request"')).slice(-15).join('\n');
        throw new Error(`${method} ${route}: ${err.message}; npm start exit code ${child.exitCode}, its last log lines:\n${tail}`);
      });
      return res.json();
    },
  };
}

async function kill(system: System, signal: NodeJS.Signals): Promise<number | null> {
  const exited = new Promise<number | null>((resolve) => system.process.once('exit', resolve));
  process.kill(-system.process.pid!, signal);
  return exited;
}

async function runUntilCrash(system: System, jobId: string, inFlight: (job: any) => boolean): Promise<void> {
  let last: unknown;
  try {
    await waitFor(async () => (inFlight((last = await system.call('GET', `/api/jobs/${jobId}`))) ? true : undefined), 60_000, 'the job in flight');
  } catch (err) {
    // Stopped either way: a system left running would load the machine for every later test.
    await kill(system, 'SIGKILL');
    throw new Error(`${(err as Error).message}; the job was ${JSON.stringify(last)}`, { cause: err });
  }
  await kill(system, 'SIGKILL');
}

async function finish(system: System, jobId: string): Promise<any> {
  return waitFor(async () => {
    const body = await system.call('GET', `/api/jobs/${jobId}`);
    return ['completed', 'failed', 'cancelled'].includes(body.status) ? body : undefined;
  }, 120_000, 'the job to finish after the restart');
}

it('an insight job in flight survives kill -9 of every process and completes after a restart', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itk-crash-'));
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
  try {
    const first = await startSystem(dataDir, ports);
    const { jobId } = await first.call('POST', '/api/insights', { text: 'Survives a crash.', holdMs: 4_000 });
    await runUntilCrash(first, jobId, (job) => job.progress?.stage === 'hold');
    await assert.rejects(fetch(`http://127.0.0.1:${ports.api}/healthz`));

    const second = await startSystem(dataDir, ports);
    try {
      const job = await finish(second, jobId);
      assert.equal(job.status, 'completed');
    } finally {
      assert.equal(await kill(second, 'SIGTERM'), 0, 'an ordered shutdown exits 0');
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

const pidFile = (dataDir: string) => JSON.parse(readFileSync(path.join(dataDir, 'npm-start.pid.json'), 'utf8'));
const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
};

it('kill -9 of the main process alone: the next npm start stops the dev server it left, comes up, and the job in flight finishes', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itk-crash-'));
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
  try {
    const first = await startSystem(dataDir, ports);
    const { mainPid, devServerPid } = pidFile(dataDir);
    assert.equal(mainPid, first.process.pid);
    const { jobId } = await first.call('POST', '/api/insights', { text: 'Survives losing its main process.', holdMs: 4_000 });
    await waitFor(async () => ((await first.call('GET', `/api/jobs/${jobId}`)).progress?.stage === 'hold' ? true : undefined), 60_000, 'the job in flight');
    const exited = new Promise((resolve) => first.process.once('exit', resolve));
    process.kill(first.process.pid!, 'SIGKILL');
    await exited;
    assert.ok(alive(devServerPid), 'the orphaned dev server is still running: this is the case to recover from');

    const second = await startSystem(dataDir, ports);
    try {
      assert.ok(!alive(devServerPid), 'the leftover dev server was stopped');
      assert.equal(pidFile(dataDir).mainPid, second.process.pid);
      const job = await finish(second, jobId);
      assert.equal(job.status, 'completed', JSON.stringify(job));
    } finally {
      assert.equal(await kill(second, 'SIGTERM'), 0, 'an ordered shutdown exits 0');
    }
    assert.throws(() => pidFile(dataDir), /ENOENT/, 'an ordered shutdown removes the pid file');
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('a second npm start on the same data directory says it is already running, exits non-zero, and leaves the first alone', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itk-crash-'));
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
  try {
    const first = await startSystem(dataDir, ports);
    try {
      const { devServerPid } = pidFile(dataDir);
      const env: NodeJS.ProcessEnv = { ...process.env, DATA_DIR: dataDir, API_PORT: String(ports.api), TEMPORAL_PORT: String(ports.temporal), TEMPORAL_UI_PORT: String(ports.ui) };
      for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'TASK_QUEUE_PREFIX']) delete env[name];
      const again = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'ignore', 'pipe'] });
      let stderr = '';
      again.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
      const code = await new Promise<number | null>((resolve) => again.once('exit', resolve));
      assert.notEqual(code, 0);
      assert.match(stderr, new RegExp(`already running \\(pid ${first.process.pid}\\)`));
      assert.ok(alive(first.process.pid!) && alive(devServerPid), 'the first one and its dev server still run');
      assert.equal(pidFile(dataDir).mainPid, first.process.pid);
      const { jobId } = await first.call('POST', '/api/insights', { text: 'Acme Corp signed with Globex in Berlin.' });
      assert.equal((await finish(first, jobId)).status, 'completed');
    } finally {
      assert.equal(await kill(first, 'SIGTERM'), 0);
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});

it('an audio job killed mid-transcription resumes: finished chunks are not transcribed again', async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itk-crash-'));
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
  const wav = path.join(await tempDir(), 'long.wav');
  await speak(await speechText(30), wav);
  try {
    const first = await startSystem(dataDir, ports);
    const form = new FormData();
    form.set('engine', 'pocketsphinx');
    form.set('file', new Blob([await readFile(wav)], { type: 'audio/wav' }), 'long.wav');
    const { jobId, audioId } = await first.call('POST', '/api/audio', form);
    await runUntilCrash(first, jobId, (job) => job.progress?.chunksDone >= 2 && job.progress.chunksDone < job.progress.chunksTotal - 1);

    const second = await startSystem(dataDir, ports);
    let job: any;
    try {
      job = await finish(second, jobId);
      assert.equal(job.status, 'completed', JSON.stringify(job));
      assert.ok(job.result.words > 200, 'the whole recording was transcribed');
    } finally {
      await kill(second, 'SIGTERM');
    }
    // Stopped, its embedded database can be read: each chunk's transcript was stored once, so none finished before
    // the crash ran again (whether the restarted host took its chunks back or the job was prepared again).
    const db = new PGlite(path.join(dataDir, 'pglite'), { extensions: { vector } });
    try {
      const { rows } = await db.query<{ transcriptions: number }>('SELECT transcriptions FROM audio_chunk_transcripts WHERE audio_id = $1', [audioId]);
      assert.equal(rows.length, job.result.chunks, 'one stored transcript per chunk');
      assert.ok(rows.every((r) => r.transcriptions === 1), `no chunk transcribed twice: ${JSON.stringify(rows)}`);
    } finally {
      await db.close();
    }
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
});
