// `npm run bench:startup`: how long `npm start` takes to answer, cold (an empty DATA_DIR: database created,
// workflow bundle built) and warm (the same DATA_DIR after an ordered stop: what a restart after a crash
// costs). Each run starts `node --import tsx src/main.ts` as npm start does (without the dependency check
// of prestart), with its own ports, and times from spawn to the first 200 of /healthz, of /readyz, and to
// the log line saying every worker polls. Prints a table, writes bench/results/startup.json. The goal
// (warm /readyz within 10 s on 2 cores) is measured and reported, never asserted.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { PROJECT_ROOT } from '../src/tools/venv';
import { freePort } from '../test/support/ports';
import { onCleanUp, round, runBenchmark } from './e2e';

const WARM_RUNS = Number(process.env.BENCH_WARM_RUNS ?? 3);

interface Timing {
  healthzMs: number;
  readyzMs: number;
  /** Until "Insight Tracker is up": every worker polls and the schedules exist. */
  allWorkersMs: number;
}

async function firstOk(url: string, child: ChildProcess, started: number): Promise<number> {
  for (;;) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode} before ${url} answered`);
    const ok = await fetch(url)
      .then((r) => r.ok)
      .catch(() => false);
    if (ok) return performance.now() - started;
    await sleep(50);
  }
}

async function startOnce(dataDir: string): Promise<Timing> {
  const ports = { api: await freePort(), temporal: await freePort(), ui: await freePort() };
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    API_PORT: String(ports.api),
    TEMPORAL_PORT: String(ports.temporal),
    TEMPORAL_UI_PORT: String(ports.ui),
    METRICS_PORT: '0',
    LOG_FORMAT: 'json',
    LOG_LEVEL: 'info',
  };
  for (const name of ['TEMPORAL_ADDRESS', 'DATABASE_URL', 'TASK_QUEUE_PREFIX']) delete env[name];
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  onCleanUp(stop);
  const up = new Promise<number>((resolve) => {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      if (line.includes('"Insight Tracker is up"')) resolve(performance.now() - started);
    });
  });
  const base = `http://127.0.0.1:${ports.api}`;
  const [healthzMs, readyzMs, allWorkersMs] = await Promise.all([firstOk(`${base}/healthz`, child, started), firstOk(`${base}/readyz`, child, started), up]);
  await stop();
  return { healthzMs: round(healthzMs), readyzMs: round(readyzMs), allWorkersMs: round(allWorkersMs) };
}

await runBenchmark(async () => {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itk-bench-startup-'));
  onCleanUp(() => rmSync(dataDir, { recursive: true, force: true }));
  const cold = await startOnce(dataDir);
  console.log(`cold: ${JSON.stringify(cold)}`);
  const warm: Timing[] = [];
  for (let i = 0; i < WARM_RUNS; i++) {
    warm.push(await startOnce(dataDir));
    console.log(`warm ${i + 1}: ${JSON.stringify(warm.at(-1))}`);
  }
  const median = (key: keyof Timing) => [...warm.map((w) => w[key])].sort((a, b) => a - b)[Math.floor(warm.length / 2)]!;
  const warmMedian: Timing = { healthzMs: median('healthzMs'), readyzMs: median('readyzMs'), allWorkersMs: median('allWorkersMs') };

  console.log('\nnpm start, ms from spawn       /healthz   /readyz   all workers polling');
  for (const [label, t] of [['cold (empty DATA_DIR)', cold], [`warm (median of ${warm.length})`, warmMedian]] as const) {
    console.log(`${label.padEnd(31)}${String(t.healthzMs).padStart(9)}${String(t.readyzMs).padStart(10)}${String(t.allWorkersMs).padStart(22)}`);
  }
  const results = {
    when: new Date().toISOString(),
    machine: { cpus: os.availableParallelism(), loadavg: os.loadavg().map((l) => round(l)) },
    goal: 'warm /readyz within 10 s',
    cold,
    warm,
    warmMedian,
  };
  const out = new URL('./results/startup.json', import.meta.url);
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${out.pathname}`);
});
