import type { Client } from '@temporalio/client';
import type { Config, QueueKind } from '../config';
import { logger } from '../logging';
import { describeQueues, type QueueStats } from './queue-stats';

/** One queue at one moment: workflow and activity task queues taken together, as a person reads a queue. */
export interface QueueSample {
  at: number;
  backlog: number;
  oldestWaitSec: number;
  pollers: number;
}

const KEEP_MS = 24 * 60 * 60_000;
const SAMPLE_MS = 15_000;

/**
 * Backlog, oldest wait and pollers exist only as "now" in Temporal (DescribeTaskQueue), so their past is
 * what this process saw: a sample every 15 s while the API runs, plus every /metrics scrape and dashboard
 * call, kept for a day. A restarted API starts with no past; another API process keeps its own.
 */
class QueueHistory {
  private readonly samples = new Map<QueueKind, QueueSample[]>();

  record(stats: QueueStats[], at = Date.now()): void {
    const byKind = new Map<QueueKind, QueueSample>();
    for (const s of stats) {
      const sample = byKind.get(s.kind) ?? { at, backlog: 0, oldestWaitSec: 0, pollers: 0 };
      sample.backlog += s.backlogCount;
      sample.oldestWaitSec = Math.max(sample.oldestWaitSec, s.backlogAgeSec);
      // A worker polls both task types; the higher count is the number of workers.
      sample.pollers = Math.max(sample.pollers, s.pollers);
      byKind.set(s.kind, sample);
    }
    for (const [kind, sample] of byKind) {
      const list = this.samples.get(kind) ?? [];
      list.push(sample);
      while (list.length > 0 && list[0].at < at - KEEP_MS) list.shift();
      this.samples.set(kind, list);
    }
  }

  since(kind: QueueKind, from: number): QueueSample[] {
    return (this.samples.get(kind) ?? []).filter((s) => s.at >= from);
  }
}

export const queueHistory = new QueueHistory();

/** Samples the queues now and then, until the returned function is called (the API server's close). */
export function sampleQueues(client: Client, cfg: Config): () => void {
  const take = () =>
    describeQueues(client, cfg).then(
      (stats) => queueHistory.record(stats),
      (err: unknown) => logger.debug({ err }, 'queue sample failed'),
    );
  const timer = setInterval(() => void take(), SAMPLE_MS);
  timer.unref();
  void take();
  return () => clearInterval(timer);
}
