import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { QUEUE_KINDS, taskQueue, type Config } from '../config';
import { periodicJobs } from '../schedules';
import { JOB_KIND, SCHEDULED_BY_ID } from '../temporal/search-attributes';
import { describeQueues, type QueueStats } from './queue-stats';

export const ALERT_RULES = ['bottleneck', 'dead_workers', 'failure_rate', 'periodic_failure'] as const;
export type AlertRule = (typeof ALERT_RULES)[number];

export interface Alert {
  rule: AlertRule;
  /** With the rule, names the alert across evaluations (a queue and task type, a job kind, a schedule id). */
  key: string;
  severity: 'warning' | 'critical';
  message: string;
  details: Record<string, unknown>;
}

const FAILED = ['Failed', 'Terminated', 'TimedOut'];
const quoted = (values: string[]) => values.map((v) => `'${v}'`).join(', ');
const failedClause = `ExecutionStatus IN (${quoted(FAILED)})`;
/**
 * Only this deployment's workflows: TASK_QUEUE_PREFIX exists to share a namespace, and another
 * deployment's failures are not ours to report.
 */
const ourQueuesClause = (cfg: Config) => `TaskQueue IN (${quoted(QUEUE_KINDS.map((k) => taskQueue(k, cfg)))})`;

/** Tasks wait longer than the threshold: the queue's workers do not keep up. */
function bottlenecks(queues: QueueStats[], maxAgeSec: number): Alert[] {
  return queues
    .filter((q) => q.backlogAgeSec > maxAgeSec)
    .map((q) => ({
      rule: 'bottleneck',
      key: `${q.queue}/${q.type}`,
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
      key: `${q.queue}/${q.type}`,
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
  const scope = `CloseTime > '${since}' AND ${ourQueuesClause(cfg)}`;
  const kinds = new Set<string>();
  for await (const wf of client.workflow.list({ query: `${scope} AND ${failedClause} AND JobKind IS NOT NULL`, pageSize: 1000 })) {
    const kind = wf.typedSearchAttributes.get(JOB_KIND);
    if (kind) kinds.add(kind);
    if (kinds.size >= 50) break;
  }
  const alerts: Alert[] = [];
  for (const kind of kinds) {
    const { count: closed, groups } = await client.workflow.count(`JobKind = '${kind}' AND ${scope} GROUP BY ExecutionStatus`);
    const failed = groups.filter((g) => FAILED.includes(String([g.groupValues[0]].flat()[0]))).reduce((n, g) => n + g.count, 0);
    const rate = closed ? failed / closed : 0;
    if (closed >= failureMinJobs && rate > failureRate) {
      alerts.push({
        rule: 'failure_rate',
        key: kind,
        severity: 'critical',
        message: `${failed} of ${closed} ${kind} jobs failed in the last ${failureWindowMin} min (over ${failureRate * 100}%)`,
        details: { kind, failed, closed, rate, threshold: failureRate, windowMinutes: failureWindowMin },
      });
    }
  }
  return alerts;
}

/**
 * Schedules outside the configured periodic jobs (an operator's own, on this deployment's queues) are
 * found by their failed runs of the last day; the configured ones are always looked at, so a weekly job
 * whose one run failed keeps firing until a run succeeds.
 */
const OTHER_SCHEDULES_LOOKBACK_MS = 86_400_000;
// Ids go into visibility queries between quotes.
const SAFE_ID = /^[\w.-]+$/;
// A cancelled run (an operator's) or one continued as new says nothing about whether the job works.
const CONCLUSIVE = ['Completed', ...FAILED];
const STATUS_WORDS: Record<string, string> = { FAILED: 'failed', TIMED_OUT: 'timed out', TERMINATED: 'was terminated' };

async function latestConclusiveRun(client: Client, scheduleId: string): Promise<WorkflowExecutionInfo | undefined> {
  let latest: WorkflowExecutionInfo | undefined;
  let seen = 0;
  // Visibility lists the most recently closed first; a few more guard against ties and stores that order otherwise.
  for await (const wf of client.workflow.list({
    query: `TemporalScheduledById = '${scheduleId}' AND ExecutionStatus IN (${quoted(CONCLUSIVE)})`,
    pageSize: 10,
  })) {
    if (!latest || (wf.closeTime?.getTime() ?? 0) > (latest.closeTime?.getTime() ?? 0)) latest = wf;
    if (++seen >= 10) break;
  }
  return latest;
}

/**
 * A periodic job whose latest run failed or timed out, on its first failure: the failure-rate rule needs
 * several jobs in a short window, which a nightly job never has. Resolves when a later run succeeds.
 */
async function periodicFailures(client: Client, cfg: Config): Promise<Alert[]> {
  const ids = new Set(periodicJobs(cfg).map((j) => j.id));
  const since = new Date(Date.now() - OTHER_SCHEDULES_LOOKBACK_MS).toISOString();
  for await (const wf of client.workflow.list({
    query: `TemporalScheduledById IS NOT NULL AND ${ourQueuesClause(cfg)} AND ${failedClause} AND CloseTime > '${since}'`,
    pageSize: 1000,
  })) {
    const id = wf.typedSearchAttributes.get(SCHEDULED_BY_ID);
    if (id) ids.add(id);
    if (ids.size >= 100) break;
  }
  const latest = await Promise.all([...ids].filter((id) => SAFE_ID.test(id)).map(async (id) => [id, await latestConclusiveRun(client, id)] as const));
  return latest.flatMap(([scheduleId, run]): Alert[] => {
    if (!run || run.status.name === 'COMPLETED') return [];
    const closedAt = run.closeTime?.toISOString();
    return [
      {
        rule: 'periodic_failure',
        key: scheduleId,
        severity: 'critical',
        message: `the latest run of schedule ${scheduleId} (${run.type}) ${STATUS_WORDS[run.status.name] ?? run.status.name.toLowerCase()} at ${closedAt}`,
        details: { scheduleId, workflowType: run.type, workflowId: run.workflowId, runId: run.runId, status: run.status.name, closedAt },
      },
    ];
  });
}

/** Evaluates every alert rule now; the queue state it looked at comes back with the alerts. */
export async function evaluateAlerts(client: Client, cfg: Config): Promise<{ alerts: Alert[]; queues: QueueStats[] }> {
  const [queues, failures, periodic] = await Promise.all([describeQueues(client, cfg), failureRates(client, cfg), periodicFailures(client, cfg)]);
  return { alerts: [...deadWorkers(queues), ...bottlenecks(queues, cfg.monitoring.alerts.backlogAgeSec), ...failures, ...periodic], queues };
}
