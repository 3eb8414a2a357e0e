import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import { JOB_KIND } from '../temporal/search-attributes';
import { describeQueues, type QueueStats } from './queue-stats';

export interface Alert {
  rule: 'bottleneck' | 'dead_workers' | 'failure_rate';
  severity: 'warning' | 'critical';
  message: string;
  details: Record<string, unknown>;
}

const FAILED = ['Failed', 'Terminated', 'TimedOut'];

/** Tasks wait longer than the threshold: the queue's workers do not keep up. */
function bottlenecks(queues: QueueStats[], maxAgeSec: number): Alert[] {
  return queues
    .filter((q) => q.backlogAgeSec > maxAgeSec)
    .map((q) => ({
      rule: 'bottleneck',
      severity: 'warning',
      message: `${q.type} tasks on ${q.queue} wait ${Math.round(q.backlogAgeSec)} s (over ${maxAgeSec} s)`,
      details: { queue: q.queue, type: q.type, backlogCount: q.backlogCount, backlogAgeSec: q.backlogAgeSec, thresholdSec: maxAgeSec },
    }));
}

/** Work is waiting and nobody polls: every worker of the queue is down, so nothing will ever run. */
function deadWorkers(queues: QueueStats[]): Alert[] {
  return queues
    .filter((q) => q.backlogCount > 0 && q.pollers === 0)
    .map((q) => ({
      rule: 'dead_workers',
      severity: 'critical',
      message: `${q.backlogCount} ${q.type} tasks on ${q.queue} and no worker polling it`,
      details: { queue: q.queue, type: q.type, backlogCount: q.backlogCount, backlogAgeSec: q.backlogAgeSec },
    }));
}

/**
 * Share of jobs closed in the window that failed, per JobKind, from visibility. The kinds come from the
 * failures themselves (a kind without failures cannot alert), so a new job kind needs no list to update.
 */
async function failureRates(client: Client, cfg: Config): Promise<Alert[]> {
  const { failureRate, failureWindowMin, failureMinJobs } = cfg.monitoring.alerts;
  const since = new Date(Date.now() - failureWindowMin * 60_000).toISOString();
  const failedClause = `ExecutionStatus IN (${FAILED.map((s) => `'${s}'`).join(', ')})`;
  const kinds = new Set<string>();
  for await (const wf of client.workflow.list({ query: `CloseTime > '${since}' AND ${failedClause} AND JobKind IS NOT NULL`, pageSize: 1000 })) {
    const kind = wf.typedSearchAttributes.get(JOB_KIND);
    if (kind) kinds.add(kind);
    if (kinds.size >= 50) break;
  }
  const alerts: Alert[] = [];
  for (const kind of kinds) {
    const { count: closed, groups } = await client.workflow.count(`JobKind = '${kind}' AND CloseTime > '${since}' GROUP BY ExecutionStatus`);
    const failed = groups.filter((g) => FAILED.includes(String([g.groupValues[0]].flat()[0]))).reduce((n, g) => n + g.count, 0);
    const rate = closed ? failed / closed : 0;
    if (closed >= failureMinJobs && rate > failureRate) {
      alerts.push({
        rule: 'failure_rate',
        severity: 'critical',
        message: `${failed} of ${closed} ${kind} jobs failed in the last ${failureWindowMin} min (over ${failureRate * 100}%)`,
        details: { kind, failed, closed, rate, threshold: failureRate, windowMinutes: failureWindowMin },
      });
    }
  }
  return alerts;
}

/** Evaluates every alert rule now; the queue state it looked at comes back with the alerts. */
export async function evaluateAlerts(client: Client, cfg: Config): Promise<{ alerts: Alert[]; queues: QueueStats[] }> {
  const [queues, failures] = await Promise.all([describeQueues(client, cfg), failureRates(client, cfg)]);
  return { alerts: [...deadWorkers(queues), ...bottlenecks(queues, cfg.monitoring.alerts.backlogAgeSec), ...failures], queues };
}
