// Shared set-up of the end-to-end benchmarks: a Temporal dev server, a real PostgreSQL, the workers in their own
// process (so /proc shows what they and their children cost) and the API in the benchmark's process, plus the
// pieces every such benchmark measures with: an RSS sampler, CPU time by part, workflow history timings,
// percentiles, and a clean-up stack that runs on success, failure and Ctrl-C alike.
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { Config, QueueKind } from '../src/config';
import type { Db } from '../src/db';
import { resolveTemporalCli } from '../src/temporal/cli';
import { startDevServer } from '../src/temporal/dev-server';
import { PROJECT_ROOT } from '../src/tools/venv';
import { freePort } from '../test/support/ports';
import { startTestPostgres } from '../test/support/postgres';

// ---- clean-up -------------------------------------------------------------------------------------------------

const cleanups: (() => unknown)[] = [];

/** Registers a step to run at the end, in reverse order of registration. */
export function onCleanUp(step: () => unknown): void {
  cleanups.push(step);
}

async function cleanUp(): Promise<void> {
  // Popped one at a time: main may still be starting things while a crash cleans up, and those must stop too.
  for (let step; (step = cleanups.pop()); ) {
    try {
      await step();
    } catch (err) {
      console.error('cleanup failed:', err);
    }
  }
}

let exiting: Promise<void> | undefined;
const cleanUpAndExit = (code: number) => (exiting ??= cleanUp().finally(() => process.exit(code)));

/**
 * Runs a benchmark's main and exits: explicitly, since a stray handle (a gRPC channel, a pg socket) must not
 * keep a finished benchmark alive. Ctrl-C and a crash outside main clean up too, once.
 */
export async function runBenchmark(main: () => Promise<void>): Promise<void> {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => void cleanUpAndExit(130));
  process.on('uncaughtException', (err) => {
    console.error(err);
    void cleanUpAndExit(1);
  });
  // Output piped into `head` must not end the run half-way, with its servers left running: writes after EPIPE
  // are dropped, and the run finishes and cleans up as usual.
  for (const stream of [process.stdout, process.stderr]) stream.on('error', () => undefined);
  await main().then(
    () => cleanUpAndExit(0),
    (err) => {
      console.error(err);
      return cleanUpAndExit(1);
    },
  );
}

// ---- the system under test ----------------------------------------------------------------------------------

export interface WorkerProcess {
  pid: number;
  /** Date.now() when it was spawned. */
  spawnedAt: number;
  /** `work`, unless the worker dies first: then rejects with its last output, so nothing waits on a dead worker. */
  whileAlive<T>(work: Promise<T>): Promise<T>;
  /** From now on every line the worker prints passes through, not only its log lines: past start-up, any is news. */
  showAllOutput(): void;
  /** SIGKILL, as a crash would; resolves once the process is gone. */
  kill(): Promise<void>;
}

export interface E2e {
  baseUrl: string;
  apiKey: string;
  cfg: Config;
  db: Db;
  client: Client;
  worker: WorkerProcess;
  /** The worker's memory, sampled from its spawn on. */
  rss: RssSampler;
  /** fetch against the API as the benchmark's user. */
  api(route: string, init?: RequestInit): Promise<Response>;
  /** CPU seconds so far by part of the system under test, for `cpuMeter`. */
  cpuParts(): Record<CpuPart, number>;
  postgresPid?: number;
  temporalPid: number;
}

export type CpuPart = 'worker main thread' | 'worker other threads' | 'Temporal server' | 'PostgreSQL' | 'bench (API, client)';

/**
 * Starts Temporal, PostgreSQL, a worker process for `queues` and the API in this process. `env` is added to the
 * environment of both before any project module reads config(), which is parsed once per process.
 */
export async function startE2e(opts: { queues: QueueKind[]; env?: Record<string, string> }): Promise<E2e> {
  const cli = await resolveTemporalCli(process.env.TEMPORAL_CLI);
  const temporal = await startDevServer({ cli, port: await freePort(), uiPort: await freePort(), namespace: 'default', headless: true });
  onCleanUp(() => temporal.stop());
  const postgres = await startTestPostgres();
  onCleanUp(() => postgres.stop());
  // Shared with the worker: it reads the uploads the API writes here.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'itk-bench-'));
  onCleanUp(() => rmSync(dataDir, { recursive: true, force: true }));

  Object.assign(process.env, {
    TEMPORAL_ADDRESS: temporal.address,
    DATABASE_URL: postgres.url,
    TASK_QUEUE_PREFIX: `bench-${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: 'warn',
    LOG_FORMAT: 'json',
    DATA_DIR: dataDir,
    API_PORT: '0',
    // The SDK's Prometheus exporter would take the default port another running system may hold.
    METRICS_PORT: '0',
    // The benchmark's one client sends what a crowd would: the per-user limits would only measure themselves.
    RATE_LIMIT_JOBS_PER_MINUTE: '1000000',
    RATE_LIMIT_BURST: '100000',
    RATE_LIMIT_REQUESTS_PER_MINUTE: '1000000',
    RATE_LIMIT_REQUESTS_BURST: '100000',
    ...opts.env,
  });
  const worker = spawnProcess('worker', ['src/workers/main.ts', '--queues', opts.queues.join(',')]);
  const rss = sampleRss(worker.pid);

  const { config } = await import('../src/config');
  const { closeDb, getDb } = await import('../src/db');
  const { connectClient, temporalAddress } = await import('../src/temporal/connection');
  const { closeServer, listen } = await import('../src/api/server');
  const { createUser } = await import('../src/users');
  const cfg = config();
  const db = await getDb();
  onCleanUp(closeDb);
  const client = await connectClient(temporalAddress(cfg), cfg.temporal.namespace);
  onCleanUp(() => client.connection.close());
  const server = await listen({ client, db, cfg });
  onCleanUp(() => closeServer(server));
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const { apiKey } = await createUser(db, `bench-${Date.now()}`);
  const api = (route: string, init: RequestInit = {}) =>
    fetch(`${baseUrl}${route}`, { ...init, headers: { authorization: `Bearer ${apiKey}`, ...init.headers } });
  // PostgreSQL daemonises away from this process tree; its postmaster is known by its port.
  const pgPort = new URL(postgres.url).port;
  const postmaster = pidsWhere((cmdline) => cmdline.includes('postgres') && cmdline.includes(`-p\u0000${pgPort}`))[0];
  if (!postmaster) console.warn(`PostgreSQL's postmaster on port ${pgPort} was not found: its CPU will count as other`);
  const cpuParts = () => {
    const table = processTable();
    const tree = (root: number) => treeTicks(root, table);
    // The main thread runs workflow tasks, activity code and DB calls; the other threads are mostly the NLP pool,
    // and the worker's child processes (engines, ffmpeg) count there too.
    const [workerMain, workerTree, temporalTree] = [threadTicks(worker.pid, worker.pid), tree(worker.pid), tree(temporal.process.pid!)];
    const ticks: Record<CpuPart, number> = {
      'worker main thread': workerMain,
      'worker other threads': workerTree - workerMain,
      'Temporal server': temporalTree,
      PostgreSQL: postmaster ? tree(postmaster) : 0,
      'bench (API, client)': tree(process.pid) - workerTree - temporalTree,
    };
    return Object.fromEntries(Object.entries(ticks).map(([part, t]) => [part, t / TICKS_PER_SEC])) as Record<CpuPart, number>;
  };
  return { baseUrl, apiKey, cfg, db, client, worker, rss, api, cpuParts, postgresPid: postmaster, temporalPid: temporal.process.pid! };
}

/** CPU seconds a process and its descendants used so far (ended descendants count through the parent's cutime). */
export function cpuSecOfTree(root: number): number {
  return treeTicks(root, processTable()) / TICKS_PER_SEC;
}

function treeTicks(root: number, table: ProcessTable): number {
  return [root, ...descendants(root, table)].reduce((sum, pid) => sum + (table.get(pid)?.ticks ?? 0), 0);
}

/** A project script (`node --import tsx <args>`) as a child of the benchmark, stopped at clean-up. */
export function spawnProcess(name: string, args: string[], env: NodeJS.ProcessEnv = process.env): WorkerProcess {
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', ...args], {
    cwd: PROJECT_ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  onCleanUp(() => stopChild(child));
  // Its log lines (JSON, warn and above) pass through; the rest (bundler chatter) is kept only for a death notice.
  const tail: string[] = [];
  let allOutput = false;
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on('line', (line) => {
      if (allOutput || line.startsWith('{')) console.error(`[${name}] ${line}`);
      tail.push(line);
      if (tail.length > 40) tail.shift();
    });
  }
  const died = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => reject(new Error(`the ${name} exited early (code ${code}, signal ${signal}); its last output:\n${tail.join('\n')}`))),
  );
  died.catch(() => undefined); // only raced; the clean stop at the end is no failure
  const kill = () => {
    const gone = new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));
    child.kill('SIGKILL');
    return gone;
  };
  return { pid: child.pid!, spawnedAt, whileAlive: (work) => Promise.race([work, died]), showAllOutput: () => void (allOutput = true), kill };
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM'); // the worker drains its tasks and stops its own children
  const force = setTimeout(() => child.kill('SIGKILL'), 20_000);
  return exited.finally(() => clearTimeout(force));
}

/** Waits until the worker polls `queues` for both workflow and activity tasks, so a first job measures work, not start-up. */
export async function waitForPollers(e2e: E2e, queues: QueueKind[], timeoutMs = 120_000): Promise<void> {
  const { taskQueue } = await import('../src/config');
  const deadline = Date.now() + timeoutMs;
  for (const kind of queues) {
    for (const taskQueueType of [1, 2]) { // TASK_QUEUE_TYPE_WORKFLOW, TASK_QUEUE_TYPE_ACTIVITY
      for (;;) {
        const { pollers } = await e2e.client.workflowService.describeTaskQueue({
          namespace: e2e.cfg.temporal.namespace,
          taskQueue: { name: taskQueue(kind, e2e.cfg) },
          taskQueueType,
        });
        if ((pollers?.length ?? 0) > 0) break;
        if (Date.now() > deadline) throw new Error(`no worker polls ${kind} after ${timeoutMs} ms`);
        await e2e.worker.whileAlive(sleep(100));
      }
    }
  }
}

// ---- memory ---------------------------------------------------------------------------------------------------

export interface RssSample {
  /** Date.now(), comparable with Temporal history event times on this machine. */
  at: number;
  workerMb: number;
  /** Sum over every descendant of the worker (engine processes, ffmpeg, ...). */
  childrenMb: number;
  /** The same sum by command name, to tell which child it was. */
  byCommandMb: Record<string, number>;
}

export type RssSampler = ReturnType<typeof sampleRss>;

export const RSS_EVERY_MS = 250;

/** Samples VmRSS of `pid` and the sum of its descendants' every RSS_EVERY_MS until clean-up. */
function sampleRss(pid: number) {
  const samples: RssSample[] = [];
  const timer = setInterval(() => {
    const workerKb = vmRssKb(pid);
    if (workerKb === undefined) return;
    let childrenKb = 0;
    const byCommandMb: Record<string, number> = {};
    for (const child of descendants(pid, processTable())) {
      const kb = vmRssKb(child) ?? 0;
      const command = readProc(`/proc/${child}/comm`).trim() || '?';
      childrenKb += kb;
      byCommandMb[command] = round((byCommandMb[command] ?? 0) + kb / 1024);
    }
    samples.push({ at: Date.now(), workerMb: round(workerKb / 1024), childrenMb: round(childrenKb / 1024), byCommandMb });
  }, RSS_EVERY_MS);
  onCleanUp(() => clearInterval(timer));
  return {
    samples,
    /** Highest samples between two Date.now() times. */
    peak(from: number, to = Date.now()) {
      const window = samples.filter((s) => s.at >= from && s.at <= to);
      const byCommandMb: Record<string, number> = {};
      for (const s of window) for (const [command, mb] of Object.entries(s.byCommandMb)) byCommandMb[command] = Math.max(byCommandMb[command] ?? 0, mb);
      return { workerMb: Math.max(0, ...window.map((s) => s.workerMb)), childrenMb: Math.max(0, ...window.map((s) => s.childrenMb)), byCommandMb, samples: window.length };
    },
  };
}

/** VmRSS of a process in MB: resident memory of all its threads. */
export function rssMb(pid: number): number | undefined {
  const kb = vmRssKb(pid);
  return kb === undefined ? undefined : round(kb / 1024);
}

function vmRssKb(pid: number): number | undefined {
  const kb = /^VmRSS:\s+(\d+) kB/m.exec(readProc(`/proc/${pid}/status`))?.[1];
  return kb === undefined ? undefined : Number(kb);
}

type ProcessTable = Map<number, { ppid: number; ticks: number }>;

/** Every live process with its parent and its CPU ticks: utime + stime of all its threads, cutime + cstime of its reaped children. */
function processTable(): ProcessTable {
  const table: ProcessTable = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(`/proc/${entry}/stat`);
    if (fields) table.set(Number(entry), { ppid: Number(fields[1]), ticks: [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) });
  }
  return table;
}

function descendants(root: number, table: ProcessTable): number[] {
  const found: number[] = [];
  for (let frontier = [root]; frontier.length > 0; ) {
    frontier = [...table].filter(([, { ppid }]) => frontier.includes(ppid)).map(([pid]) => pid);
    found.push(...frontier);
  }
  return found;
}

function threadTicks(pid: number, tid: number): number {
  const fields = statFields(`/proc/${pid}/task/${tid}/stat`);
  return fields ? Number(fields[11]) + Number(fields[12]) : 0;
}

/** The fields of a stat file from the third on: the command name before them may hold spaces and parentheses. */
function statFields(file: string): string[] | undefined {
  const stat = readProc(file);
  return stat ? stat.slice(stat.lastIndexOf(')') + 2).split(' ') : undefined;
}

function pidsWhere(test: (cmdline: string) => boolean): number[] {
  return readdirSync('/proc').filter((e) => /^\d+$/.test(e) && test(readProc(`/proc/${e}/cmdline`))).map(Number);
}

// ---- CPU ----------------------------------------------------------------------------------------------------------

const TICKS_PER_SEC = 100; // USER_HZ, the same on every Linux

export interface CpuSpent<Part extends string> {
  wallSec: number;
  byPartSec: Record<Part, number>;
  ownSec: number;
  /** Busy CPU seconds of every other process on the machine. */
  otherSec: number;
}

/**
 * Starts counting CPU time; the returned function tells how many CPU seconds each of `parts()` used since and
 * how many went to everything else on the machine: other jobs competing for the same cores make a run slower,
 * and this says how much competition there was. Processes that ended meanwhile still count, through the
 * cutime/cstime of the parent that reaped them.
 */
export function cpuMeter<Part extends string>(parts: () => Record<Part, number>): () => CpuSpent<Part> {
  const busySec = () => {
    const [user, nice, system, , , irq, softirq, steal] = readProc('/proc/stat').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    return (user + nice + system + irq + softirq + steal) / TICKS_PER_SEC;
  };
  const [start, busy0, parts0] = [performance.now(), busySec(), parts()];
  return () => {
    const now = parts();
    const byPartSec = Object.fromEntries(Object.entries<number>(now).map(([part, sec]) => [part, sec - parts0[part as Part]])) as Record<Part, number>;
    const ownSec = Object.values<number>(byPartSec).reduce((sum, sec) => sum + sec, 0);
    return { wallSec: (performance.now() - start) / 1000, byPartSec, ownSec, otherSec: Math.max(0, busySec() - busy0 - ownSec) };
  };
}

/**
 * Waits (at most `maxWaitMs`) for a second in which other processes used under 10% of one core, so a measured
 * run does not start in the middle of someone else's test suite. Returns how long it waited.
 */
export async function waitForQuiet(parts: () => Record<string, number>, maxWaitMs = 120_000): Promise<number> {
  const start = Date.now();
  while (Date.now() - start < maxWaitMs) {
    const window = cpuMeter(parts);
    await sleep(1000);
    if (window().otherSec < 0.1) break;
  }
  return Date.now() - start;
}

function readProc(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return ''; // the process ended while we looked
  }
}

// ---- workflow history -----------------------------------------------------------------------------------------

export type HistoryEvent = NonNullable<Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>['events']>[number];

/** An event's server time as Date.now() milliseconds. */
export const eventMs = (e: HistoryEvent) => Number(e.eventTime?.seconds ?? 0) * 1000 + (e.eventTime?.nanos ?? 0) / 1e6;

export interface TaskTiming {
  /** The activity type, or WORKFLOW_TASK. */
  name: string;
  scheduled: number;
  started: number;
  completed: number;
}

export const WORKFLOW_TASK = '(workflow task)';

/** Completed activities and workflow tasks of a workflow with their server times, in order of completion. */
export async function taskTimings(client: Client, workflowId: string): Promise<{ events: HistoryEvent[]; tasks: TaskTiming[] }> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const byId = new Map(events.map((e) => [Number(e.eventId), e]));
  const tasks = events.flatMap((done) => {
    const attrs = done.activityTaskCompletedEventAttributes ?? done.workflowTaskCompletedEventAttributes;
    if (!attrs) return [];
    const scheduled = byId.get(Number(attrs.scheduledEventId))!;
    return [{
      name: scheduled.activityTaskScheduledEventAttributes?.activityType?.name ?? WORKFLOW_TASK,
      scheduled: eventMs(scheduled),
      started: eventMs(byId.get(Number(attrs.startedEventId))!),
      completed: eventMs(done),
    }];
  });
  return { events, tasks };
}

// ---- numbers --------------------------------------------------------------------------------------------------

export const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

/** Linear-interpolated quantile of ascending numbers. */
export function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  return sorted[lo] + (sorted[Math.min(lo + 1, sorted.length - 1)] - sorted[lo]) * (pos - lo);
}

export function spreadMs(xs: number[]): { p50Ms: number; p95Ms: number; maxMs: number } {
  const s = [...xs].sort((a, b) => a - b);
  return { p50Ms: round(quantile(s, 0.5)), p95Ms: round(quantile(s, 0.95)), maxMs: round(s.at(-1) ?? NaN) };
}

export const verdict = (ok: boolean) => (ok ? 'PASS' : 'MISS');
