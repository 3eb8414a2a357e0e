import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { QUEUE_KINDS, taskQueue, type Config, type QueueKind } from '../config';
import { JOB_STATUS } from '../temporal/search-attributes';
import { queueHistory } from './queue-history';
import { describeQueues, type QueueStats } from './queue-stats';

/** One value per time bucket; null where nothing was seen (a gap in the chart, not a zero). */
type Series = (number | null)[];

export interface QueueSeries {
  backlog: Series;
  oldestWaitSec: Series;
  pollers: Series;
  /** Workflows of the queue running at the bucket's end. */
  running: Series;
  completedPerMin: Series;
  failedPerMin: Series;
  /** Job time (start to close) of the workflows that completed in the bucket, in seconds. */
  p50Sec: Series;
  p95Sec: Series;
}

export interface DashboardSeries {
  from: string;
  to: string;
  stepSec: number;
  /** Bucket ends, in Unix seconds (uPlot's x values). */
  t: number[];
  queues: Record<QueueKind, { queue: string; now: QueueStats[]; series: QueueSeries }>;
  /** More executions in the window than were read: the counts are a lower bound. */
  truncated: boolean;
}

/** Executions read from visibility per request at most: enough for a busy hour, bounded for a busy day. */
const MAX_EXECUTIONS = 20_000;
const MAX_POINTS = 120;

const FAILED = new Set(['FAILED', 'TERMINATED', 'TIMED_OUT']);

function quantile(sorted: number[], q: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return Math.round(sorted[i] * 1000) / 1000;
}

async function executions(client: Client, query: string, budget: { left: number }): Promise<WorkflowExecutionInfo[]> {
  const found: WorkflowExecutionInfo[] = [];
  for await (const wf of client.workflow.list({ query, pageSize: 1000 })) {
    if (budget.left-- <= 0) break;
    found.push(wf);
  }
  return found;
}

/**
 * The dashboard's charts for the last `minutes`: per queue, completed and failed workflows per minute and
 * the p50/p95 of their job time (from visibility: CloseTime, StartTime, ExecutionStatus, TaskQueue), the
 * workflows running at each moment (StartTime and CloseTime of those closed in the window and of those still
 * running), and backlog, oldest wait and pollers from this process's queue samples (queue-history.ts).
 */
export async function dashboardSeries(client: Client, cfg: Config, minutes: number): Promise<DashboardSeries> {
  const now = Date.now();
  const stepMin = Math.max(1, Math.ceil(minutes / MAX_POINTS));
  const stepMs = stepMin * 60_000;
  const buckets = Math.ceil(minutes / stepMin);
  // Buckets end on whole steps, so a refresh moves the charts along instead of reshuffling them.
  const lastEnd = Math.ceil(now / stepMs) * stepMs;
  const firstStart = lastEnd - buckets * stepMs;
  const ends = Array.from({ length: buckets }, (_, i) => firstStart + (i + 1) * stepMs);
  const bucketOf = (ms: number) => Math.floor((ms - firstStart) / stepMs);

  const names = new Map(QUEUE_KINDS.map((kind) => [taskQueue(kind, cfg), kind]));
  const inQueues = `TaskQueue IN (${[...names.keys()].map((q) => `'${q}'`).join(', ')})`;
  const budget = { left: MAX_EXECUTIONS };
  const [stats, closed, running] = await Promise.all([
    describeQueues(client, cfg),
    executions(client, `${inQueues} AND CloseTime > '${new Date(firstStart).toISOString()}'`, budget),
    executions(client, `${inQueues} AND ExecutionStatus = 'Running'`, budget),
  ]);
  queueHistory.record(stats, now);

  const empty = (): Series => Array<number | null>(buckets).fill(null);
  const zeros = (): Series => Array<number | null>(buckets).fill(0);
  const out = {} as DashboardSeries['queues'];
  const durations = new Map<QueueKind, number[][]>();
  for (const kind of QUEUE_KINDS) {
    out[kind] = {
      queue: taskQueue(kind, cfg),
      now: stats.filter((s) => s.kind === kind),
      series: { backlog: empty(), oldestWaitSec: empty(), pollers: empty(), running: zeros(), completedPerMin: zeros(), failedPerMin: zeros(), p50Sec: empty(), p95Sec: empty() },
    };
    durations.set(kind, Array.from({ length: buckets }, () => []));
    for (const sample of queueHistory.since(kind, firstStart)) {
      const b = bucketOf(sample.at);
      if (b < 0 || b >= buckets) continue;
      // The last sample in a bucket stands for it, as a gauge's value at the bucket's end would.
      const s = out[kind].series;
      s.backlog[b] = sample.backlog;
      s.oldestWaitSec[b] = Math.round(sample.oldestWaitSec * 10) / 10;
      s.pollers[b] = sample.pollers;
    }
  }

  for (const wf of [...closed, ...running]) {
    const kind = names.get(wf.taskQueue);
    if (!kind) continue;
    const s = out[kind].series;
    const start = wf.startTime.getTime();
    const close = wf.closeTime?.getTime();
    ends.forEach((end, i) => {
      if (start <= end && (close === undefined || close > end)) s.running[i] = (s.running[i] ?? 0) + 1;
    });
    if (close === undefined) continue;
    const b = bucketOf(close);
    if (b < 0 || b >= buckets) continue;
    if (FAILED.has(wf.status.name)) s.failedPerMin[b] = (s.failedPerMin[b] ?? 0) + 1;
    else if (wf.status.name === 'COMPLETED' && wf.typedSearchAttributes.get(JOB_STATUS) !== 'cancelled') {
      s.completedPerMin[b] = (s.completedPerMin[b] ?? 0) + 1;
      durations.get(kind)![b].push((close - start) / 1000);
    }
  }

  for (const kind of QUEUE_KINDS) {
    const s = out[kind].series;
    s.completedPerMin = s.completedPerMin.map((n) => (n ?? 0) / stepMin);
    s.failedPerMin = s.failedPerMin.map((n) => (n ?? 0) / stepMin);
    durations.get(kind)!.forEach((list, b) => {
      list.sort((x, y) => x - y);
      s.p50Sec[b] = quantile(list, 0.5);
      s.p95Sec[b] = quantile(list, 0.95);
    });
  }

  return {
    from: new Date(firstStart).toISOString(),
    to: new Date(lastEnd).toISOString(),
    stepSec: stepMs / 1000,
    t: ends.map((e) => e / 1000),
    queues: out,
    truncated: budget.left < 0,
  };
}
