// `npm run bench:soak`: 10,000 insights (real ~200-word texts) through the real API, Temporal and PostgreSQL into
// one nlp worker process, with the worker's RSS read from /proc after every 500 completed jobs. The goal: after
// warm-up (the first 2,000 jobs) every reading stays within ±10% of the reading at the end of warm-up, so a
// worker that runs for weeks keeps the memory it settled at. Prints a table, writes bench/results/soak.json.
// `--jobs N` runs fewer (a quick look at a trend); the goal is judged only on a full run.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { round, rssMb, runBenchmark, startE2e, verdict, waitForPollers } from './e2e';
import { realTexts } from './real-texts';

const arg = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const JOBS = Number(arg('--jobs') ?? 10_000);
const EVERY = 500;
const WARM_UP = Math.min(2_000, JOBS / 2);
/** Jobs in flight at once: enough to keep both pool threads and every slot busy, bounded like a real client. */
const IN_FLIGHT = 24;
const GOAL = 0.1;

async function main(): Promise<void> {
  if (!Number.isInteger(JOBS) || JOBS < 2 * EVERY) throw new Error(`--jobs must be a whole number of at least ${2 * EVERY}`);
  const texts = realTexts(200, 400);
  const e2e = await startE2e({ queues: ['nlp'] });
  await waitForPollers(e2e, ['nlp']);

  const readings: { jobs: number; seconds: number; workerMb: number; jobsPerSecond: number }[] = [];
  const started = Date.now();
  let submitted = 0;
  let completed = 0;
  let failed = 0;
  let lastReadingAt = started;

  const runOne = async (i: number) => {
    const { text, source } = texts[i % texts.length]!;
    // Each text is made unique, so no stage can answer from a cache of an earlier, identical text.
    const res = await e2e.api('/api/insights', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: `${text}\n\nSoak note ${i} (${source}).`, title: `soak ${i}` }),
    });
    if (res.status !== 202) throw new Error(`POST /api/insights answered ${res.status}: ${await res.text()}`);
    const { jobId } = (await res.json()) as { jobId: string };
    const outcome = await e2e.worker.whileAlive(e2e.client.workflow.getHandle(jobId).result());
    if (outcome.status !== 'completed') failed++;
    completed++;
    if (completed % EVERY === 0) {
      const now = Date.now();
      readings.push({ jobs: completed, seconds: round((now - started) / 1000), workerMb: rssMb(e2e.worker.pid) ?? NaN, jobsPerSecond: round(EVERY / ((now - lastReadingAt) / 1000), 2) });
      lastReadingAt = now;
      const r = readings.at(-1)!;
      console.error(`  ${String(r.jobs).padStart(6)} jobs  ${String(r.workerMb).padStart(7)} MB  ${r.jobsPerSecond} jobs/s`);
    }
  };
  const lanes = Array.from({ length: IN_FLIGHT }, async () => {
    while (submitted < JOBS) await runOne(submitted++);
  });
  await Promise.all(lanes);

  const base = readings.find((r) => r.jobs === WARM_UP) ?? readings[0]!;
  const after = readings.filter((r) => r.jobs > base.jobs);
  const drifts = after.map((r) => (r.workerMb - base.workerMb) / base.workerMb);
  const maxDrift = Math.max(0, ...drifts.map(Math.abs));
  const full = JOBS >= 10_000;
  const result = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memoryGb: round(os.totalmem() / 2 ** 30) },
    jobs: JOBS,
    completed,
    failed,
    seconds: round((Date.now() - started) / 1000),
    warmUpJobs: base.jobs,
    baseMb: base.workerMb,
    readings: readings.map((r) => ({ ...r, drift: round((r.workerMb - base.workerMb) / base.workerMb, 3) })),
    maxDriftAfterWarmUp: round(maxDrift, 3),
    goal: { drift: GOAL, met: full ? maxDrift <= GOAL && failed === 0 : null },
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/soak.json', JSON.stringify(result, null, 2));

  console.log(`\nSoak: ${completed} insights (${failed} failed) in ${result.seconds} s, one nlp worker process\n`);
  console.log('  jobs   worker RSS MB   vs warm-up   jobs/s');
  for (const r of result.readings) {
    const mark = r.jobs === base.jobs ? '  <- warm-up ends' : '';
    console.log(`${String(r.jobs).padStart(6)}  ${String(r.workerMb).padStart(13)}  ${`${(r.drift * 100).toFixed(1)}%`.padStart(10)}  ${String(r.jobsPerSecond).padStart(7)}${mark}`);
  }
  const judged = full ? verdict(result.goal.met!) : 'not judged (fewer than 10,000 jobs)';
  console.log(`\nlargest drift after warm-up: ${(maxDrift * 100).toFixed(1)}% (goal within ±${GOAL * 100}%): ${judged}`);
  console.log('wrote bench/results/soak.json');
}

void runBenchmark(main);
