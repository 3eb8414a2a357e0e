// `npm run bench:peer`: the same insight stages (the same functions, models and PostgreSQL) run three ways on this
// machine, one after another: through this project (API -> Temporal -> nlp worker process), as one BullMQ job per
// stage chained by a BullMQ flow, and as one BullMQ job running every stage; the BullMQ ones on a real Redis
// (Debian redis-server, AOF fsync every second, as BullMQ's production guide asks). For each: POST-to-completed
// p50/p95 one after another, throughput all at once, CPU per insight by process, and a SIGKILL of the worker
// process during a burst (completed, lost, stage results written twice). Prints tables, writes bench/results/peer.json.
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { setTimeout as sleep } from 'node:timers/promises';
import { FlowProducer, Queue, QueueEvents, type FlowJob } from 'bullmq';
import { Redis } from 'ioredis';
import type { insightWorkflow } from '../src/workflows';
import { cpuMeter, cpuSecOfTree, onCleanUp, round, runBenchmark, spawnProcess, spreadMs, startE2e, waitForPollers, type E2e, type WorkerProcess } from './e2e';
import { variant, wordCount, fixtureText } from './nlp-stages';
import { PEER_QUEUES, PEER_STAGES } from './peer-queues';
import { countStageWrites, trackStageWrites, type StageWriteCount } from './stage-writes';
import { freePort } from '../test/support/ports';

const { values: args } = parseArgs({
  options: {
    sequential: { type: 'string', default: '100' },
    burst: { type: 'string', default: '200' },
    crash: { type: 'string', default: '100', short: 'c' },
  },
});
const SEQUENTIAL = Number(args.sequential);
const BURST = Number(args.burst);
const CRASH_BURST = Number(args.crash);
/** How long a crashed run may take to finish before what is left counts as lost. */
const CRASH_DEADLINE_MS = 5 * 60_000;

/** One way of running the pipeline: submit a text, learn when it is done, and the processes to meter and kill. */
interface System {
  name: string;
  /** Resolves when the insight is completed; `submitted` once the system has accepted it. */
  run(text: string): { insightId: string; submitted: Promise<void>; done: Promise<void> };
  cpuParts(): Record<'server' | 'worker' | 'PostgreSQL' | 'bench (API, client)', number>;
  killWorker(): Promise<void>;
  restartWorker(): Promise<void>;
}

interface Measured {
  sequential: { texts: number; p50Ms: number; p95Ms: number; maxMs: number; cpuMsPerInsight: Record<string, number> };
  burst: { texts: number; seconds: number; insightsPerSecond: number; p50Ms: number; p95Ms: number; cpuMsPerInsight: Record<string, number> };
  crash: { texts: number; killedAfter: number; completed: number; lost: number; seconds: number } & StageWriteCount;
}

async function measure(system: System, e2e: E2e): Promise<Measured> {
  const once = async () => {
    const t = performance.now();
    const { insightId, done } = system.run(variant(Math.floor(Math.random() * 1e9)));
    await done;
    return { insightId, ms: performance.now() - t };
  };
  console.log(`[${system.name}] warm-up`);
  await Promise.all(Array.from({ length: 8 }, once));

  const cpuPerInsight = (cpu: ReturnType<ReturnType<typeof cpuMeter>>, n: number) => ({
    ...Object.fromEntries(Object.entries(cpu.byPartSec).map(([part, sec]) => [part, round((sec * 1000) / n)])),
    'other processes': round((cpu.otherSec * 1000) / n),
  });

  console.log(`[${system.name}] ${SEQUENTIAL} one after another`);
  let meter = cpuMeter(system.cpuParts);
  const sequential: number[] = [];
  for (let i = 0; i < SEQUENTIAL; i++) sequential.push((await once()).ms);
  const sequentialCpu = cpuPerInsight(meter(), SEQUENTIAL);

  console.log(`[${system.name}] ${BURST} at once`);
  meter = cpuMeter(system.cpuParts);
  const burst = await Promise.all(Array.from({ length: BURST }, once));
  const burstSpent = meter();

  console.log(`[${system.name}] ${CRASH_BURST} at once, the worker SIGKILLed and restarted a quarter of the way`);
  const started = performance.now();
  const runs = Array.from({ length: CRASH_BURST }, () => system.run(variant(Math.floor(Math.random() * 1e9))));
  await Promise.all(runs.map((r) => r.submitted));
  let completed = 0;
  const finished = runs.map((r) => r.done.then(() => void completed++));
  const killAt = Math.ceil(CRASH_BURST / 4);
  while (completed < killAt) await sleep(20);
  const killedAfter = completed;
  await system.killWorker();
  await system.restartWorker();
  await Promise.race([Promise.allSettled(finished), sleep(CRASH_DEADLINE_MS)]);
  const seconds = round((performance.now() - started) / 1000, 1);
  const writes = await countStageWrites(e2e.db, runs.map((r) => r.insightId));

  return {
    sequential: { texts: SEQUENTIAL, ...spreadMs(sequential), cpuMsPerInsight: sequentialCpu },
    burst: {
      texts: BURST,
      seconds: round(burstSpent.wallSec, 2),
      insightsPerSecond: round(BURST / burstSpent.wallSec, 2),
      ...spreadMs(burst.map((b) => b.ms)),
      cpuMsPerInsight: cpuPerInsight(burstSpent, BURST),
    },
    crash: { texts: CRASH_BURST, killedAfter, completed, lost: CRASH_BURST - completed, seconds, ...writes },
  };
}

/** This project: POST /api/insights, then the workflow's result. */
function temporalSystem(e2e: E2e): System {
  let worker: WorkerProcess = e2e.worker;
  return {
    name: 'this project (Temporal)',
    run(text) {
      const submit = e2e.api('/api/insights', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ text }) }).then(async (res) => {
        if (res.status !== 202) throw new Error(`POST /api/insights answered ${res.status}: ${await res.text()}`);
        return (await res.json()) as { insightId: string; jobId: string };
      });
      const ids = { insightId: '' };
      const done = submit.then(async ({ insightId, jobId }) => {
        ids.insightId = insightId;
        const outcome = await e2e.client.workflow.getHandle<typeof insightWorkflow>(jobId).result();
        if (outcome.status !== 'completed') throw new Error(`${jobId} ended ${JSON.stringify(outcome)}`);
      });
      return {
        get insightId() {
          return ids.insightId;
        },
        submitted: submit.then(() => undefined),
        done,
      };
    },
    cpuParts() {
      const [server, workerSec, all] = [cpuSecOfTree(e2e.temporalPid), cpuSecOfTree(worker.pid), cpuSecOfTree(process.pid)];
      return { server, worker: workerSec, PostgreSQL: e2e.postgresPid ? cpuSecOfTree(e2e.postgresPid) : 0, 'bench (API, client)': all - server - workerSec };
    },
    killWorker: () => worker.kill(),
    async restartWorker() {
      worker = spawnProcess('worker', ['src/workers/main.ts', '--queues', 'nlp']);
    },
  };
}

async function startRedis(): Promise<{ port: number; pid: number }> {
  const port = await freePort();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'itk-redis-'));
  onCleanUp(() => rmSync(dir, { recursive: true, force: true }));
  // BullMQ's production guide: persistence on (AOF, fsync every second) and no eviction of its keys.
  const redis = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--appendonly', 'yes', '--appendfsync', 'everysec', '--save', '', '--maxmemory-policy', 'noeviction'], {
    stdio: 'ignore',
  });
  onCleanUp(() => {
    redis.kill('SIGTERM');
  });
  const probe = new Redis(port, '127.0.0.1', { lazyConnect: true, maxRetriesPerRequest: 0 });
  probe.on('error', () => undefined); // refused until the server listens; connect() rejects as well
  for (let i = 0; ; i++) {
    try {
      await probe.connect();
      await probe.ping();
      break;
    } catch (err) {
      if (i > 100) throw err;
      probe.disconnect();
      await sleep(100);
    }
  }
  probe.disconnect();
  return { port, pid: redis.pid! };
}

/** BullMQ's recommended job options: retries with exponential backoff, and finished jobs removed so Redis stays small. */
const JOB_OPTIONS = { attempts: 6, backoff: { type: 'exponential', delay: 1000 }, removeOnComplete: { age: 3600 }, removeOnFail: { age: 24 * 3600 } } as const;

async function bullmqSystems(e2e: E2e, userId: string): Promise<{ flows: System; oneJob: System }> {
  const redis = await startRedis();
  const connection = { port: redis.port, host: '127.0.0.1' };
  const env = { ...process.env, PEER_REDIS_PORT: String(redis.port) };
  const stageQueue = new Queue(PEER_QUEUES.stage, { connection });
  const insightQueue = new Queue(PEER_QUEUES.insight, { connection });
  const flows = new FlowProducer({ connection });
  const stageEvents = new QueueEvents(PEER_QUEUES.stage, { connection });
  const insightEvents = new QueueEvents(PEER_QUEUES.insight, { connection });
  const handles = [stageQueue, insightQueue, flows, stageEvents, insightEvents];
  // Every waiting insight listens on these at once.
  for (const h of handles) h.setMaxListeners(0);
  onCleanUp(() => Promise.all(handles.map((h) => h.close())));
  await Promise.all([stageEvents.waitUntilReady(), insightEvents.waitUntilReady()]);

  let worker: WorkerProcess;
  const startWorker = async () => {
    worker = spawnProcess('peer worker', ['bench/peer-worker.ts'], env);
    const deadline = Date.now() + 120_000;
    while ((await stageQueue.getWorkersCount()) === 0 || (await insightQueue.getWorkersCount()) === 0) {
      if (Date.now() > deadline) throw new Error('the peer worker did not connect within 120 s');
      await sleep(200);
    }
  };
  await startWorker();

  const input = (text: string) => ({ insightId: randomUUID(), userId, jobId: `peer-${randomUUID()}`, text, tags: [] as string[] });
  const common = {
    cpuParts() {
      const [server, workerSec, all] = [cpuSecOfTree(redis.pid), cpuSecOfTree(worker.pid), cpuSecOfTree(process.pid)];
      // The Temporal server and its worker are still up, idle: their CPU counts nowhere here.
      const idleTemporal = cpuSecOfTree(e2e.temporalPid) + cpuSecOfTree(e2e.worker.pid);
      return { server, worker: workerSec, PostgreSQL: e2e.postgresPid ? cpuSecOfTree(e2e.postgresPid) : 0, 'bench (API, client)': all - server - workerSec - idleTemporal };
    },
    killWorker: () => worker.kill(),
    restartWorker: startWorker,
  };

  const flowSystem: System = {
    name: 'BullMQ flow (job per stage)',
    ...common,
    run(text) {
      const data = input(text);
      // A flow runs children before their parent: the first stage is the deepest child, the last one the root.
      const tree = PEER_STAGES.reduce<FlowJob | undefined>(
        (child, stage) => ({ name: stage, queueName: PEER_QUEUES.stage, data, opts: JOB_OPTIONS, children: child ? [child] : undefined }),
        undefined,
      )!;
      const submitted = flows.add(tree);
      const done = submitted.then(({ job }) => job.waitUntilFinished(stageEvents)).then(() => undefined);
      return { insightId: data.insightId, submitted: submitted.then(() => undefined), done };
    },
  };
  const oneJobSystem: System = {
    name: 'BullMQ one job (all stages)',
    ...common,
    run(text) {
      const data = input(text);
      const submitted = insightQueue.add('insight', data, JOB_OPTIONS);
      const done = submitted.then((job) => job.waitUntilFinished(insightEvents)).then(() => undefined);
      return { insightId: data.insightId, submitted: submitted.then(() => undefined), done };
    },
  };
  return { flows: flowSystem, oneJob: oneJobSystem };
}

async function main() {
  console.log(`peer benchmark: ${wordCount(fixtureText)}-word texts, ${SEQUENTIAL} in a row, ${BURST} at once, ${CRASH_BURST} with a worker crash; ${os.availableParallelism()} cores`);
  const e2e = await startE2e({ queues: ['nlp'] });
  await trackStageWrites(e2e.db);
  const { createUser } = await import('../src/users');
  const { userId } = await createUser(e2e.db, 'peer');
  await waitForPollers(e2e, ['nlp']);

  const ours = await measure(temporalSystem(e2e), e2e);
  const peers = await bullmqSystems(e2e, userId);
  const flows = await measure(peers.flows, e2e);
  const oneJob = await measure(peers.oneJob, e2e);

  const systems = { 'this project': ours, 'BullMQ flow': flows, 'BullMQ one job': oneJob };
  const ratio = (a: number, b: number) => (b === 0 ? null : round(a / b, 2));
  const row = (m: Measured) => ({
    'seq p50 ms': m.sequential.p50Ms,
    'seq p95 ms': m.sequential.p95Ms,
    'burst /s': m.burst.insightsPerSecond,
    'burst p95 ms': m.burst.p95Ms,
    'server CPU ms': m.burst.cpuMsPerInsight.server,
    'worker CPU ms': m.burst.cpuMsPerInsight.worker,
    'PG CPU ms': m.burst.cpuMsPerInsight.PostgreSQL,
    'crash: done': m.crash.completed,
    lost: m.crash.lost,
    'written twice': m.crash.extraWrites,
  });
  console.log('\nPOST (or enqueue) to completed; CPU per insight in the burst; a worker SIGKILL during a burst');
  console.table(Object.fromEntries(Object.entries(systems).map(([name, m]) => [name, row(m)])));
  const ratios = Object.fromEntries(
    (['BullMQ flow', 'BullMQ one job'] as const).map((peer) => [
      `this project / ${peer}`,
      {
        'seq p50': ratio(ours.sequential.p50Ms, systems[peer].sequential.p50Ms),
        'seq p95': ratio(ours.sequential.p95Ms, systems[peer].sequential.p95Ms),
        'burst throughput': ratio(ours.burst.insightsPerSecond, systems[peer].burst.insightsPerSecond),
        'server CPU': ratio(ours.burst.cpuMsPerInsight.server, systems[peer].burst.cpuMsPerInsight.server),
        'worker CPU': ratio(ours.burst.cpuMsPerInsight.worker, systems[peer].burst.cpuMsPerInsight.worker),
      },
    ]),
  );
  console.table(ratios);
  console.log('\nCPU ms per insight by process, one after another and at once');
  console.table(Object.fromEntries(Object.entries(systems).flatMap(([name, m]) => [[`${name}, sequential`, m.sequential.cpuMsPerInsight], [`${name}, burst`, m.burst.cpuMsPerInsight]])));

  const results = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, availableParallelism: os.availableParallelism(), node: process.version },
    texts: { words: wordCount(fixtureText), sequential: SEQUENTIAL, burst: BURST, crash: CRASH_BURST },
    peerSetup: {
      redis: 'Debian redis-server, appendonly yes, appendfsync everysec, maxmemory-policy noeviction',
      jobOptions: JOB_OPTIONS,
      flow: `one job per stage, chained (${PEER_STAGES.join(' -> ')}); BullMQ defaults for stalled jobs (30 s check, 1 stall allowed)`,
      workerConcurrency: e2e.cfg.queues.nlp.maxConcurrentActivities,
      completionMeasuredBy: 'Job.waitUntilFinished(QueueEvents), from before the enqueue; ours: WorkflowHandle.result() from before the POST',
    },
    systems,
    ratios,
  };
  mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
  const out = new URL('./results/peer.json', import.meta.url);
  writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
  console.log(`\nwrote ${out.pathname}`);
}

await runBenchmark(main);
