import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  type Workflow,
} from '@temporalio/client';
import { ConfigError, taskQueue, type Config, type QueueKind } from './config';
import { logger } from './logging';
import { JOB_KIND } from './temporal/search-attributes';
import { prefixed, type JobKind } from './workflows/identity';
import { alertsWorkflow, backupWorkflow, cleanupWorkflow, nightlyMaintenanceWorkflow, periodicReportWorkflow, trainingWorkflow } from './workflows';

/**
 * The periodic jobs, as Temporal Schedules (what Celery Beat did). Every schedule skips a run while the
 * previous one is still going (SKIP): each job is a whole pass, so a second one at once would only
 * compete with the first. After an outage, a missed run still starts if the server is back within the
 * job's catch-up window; older misses are dropped, since the next regular run does the same work.
 */
export interface PeriodicJob {
  /** The Temporal schedule id: stable, `temporal schedule trigger --schedule-id <id>` works with it. */
  id: string;
  description: string;
  /** The config variable the spec comes from, and its value: a cron line or `@every …`. */
  specVariable: string;
  spec: string;
  catchupWindow: string;
  action: ScheduleOptionsStartWorkflowAction<Workflow>;
}

const OVERLAP = ScheduleOverlapPolicy.SKIP;
const MEMO_KEY = 'scheduleDefinition';

export function periodicJobs(cfg: Config): PeriodicJob[] {
  const m = cfg.maintenance;
  const job = <W extends Workflow>(def: {
    name: string;
    description: string;
    specVariable: string;
    spec: string;
    catchupWindow: string;
    workflow: W;
    args: Parameters<W>;
    kind: Exclude<JobKind, 'insight' | 'audio'>;
    /** The queue the workflow runs on; maintenance unless the job has a queue of its own. */
    queue?: QueueKind;
    /** Bounds a stuck run, which would otherwise make SKIP drop every later one. */
    executionTimeout: string;
  }): PeriodicJob => {
    const id = prefixed(cfg.taskQueuePrefix, def.name);
    return {
      id,
      description: def.description,
      specVariable: def.specVariable,
      spec: def.spec,
      catchupWindow: def.catchupWindow,
      action: {
        type: 'startWorkflow',
        workflowType: def.workflow,
        workflowId: id,
        taskQueue: taskQueue(def.queue ?? 'maintenance', cfg),
        args: def.args,
        typedSearchAttributes: [{ key: JOB_KIND, value: def.kind }],
        workflowExecutionTimeout: def.executionTimeout,
      },
    };
  };
  return [
    job({
      name: 'maintenance-cleanup',
      description: 'removes stale audio working directories and old uploads of failed or cancelled audio jobs',
      specVariable: 'SCHEDULE_CLEANUP',
      spec: m.schedules.cleanup,
      catchupWindow: '1h',
      workflow: cleanupWorkflow,
      args: [{ workDirMaxAgeHours: m.workDirMaxAgeHours, uploadRetentionDays: m.uploadRetentionDays }],
      kind: 'maintenance',
      executionTimeout: '1h',
    }),
    job({
      name: 'maintenance-nightly',
      description: 'prunes old events and refreshes database statistics',
      specVariable: 'SCHEDULE_NIGHTLY',
      spec: m.schedules.nightly,
      catchupWindow: '6h',
      workflow: nightlyMaintenanceWorkflow,
      args: [{ eventsRetentionDays: m.eventsRetentionDays }],
      kind: 'maintenance',
      executionTimeout: '3h',
    }),
    job({
      name: 'maintenance-backup',
      description: 'backs up the app database into BACKUP_DIR, verified by restoring it',
      specVariable: 'SCHEDULE_BACKUP',
      spec: m.schedules.backup,
      catchupWindow: '12h',
      workflow: backupWorkflow,
      args: [{ keep: m.backupKeep }],
      kind: 'maintenance',
      executionTimeout: '6h',
    }),
    job({
      name: 'maintenance-report',
      description: 'stores each active user’s periodic report',
      specVariable: 'SCHEDULE_REPORT',
      spec: m.schedules.report,
      catchupWindow: '1d',
      workflow: periodicReportWorkflow,
      args: [{ periodDays: m.reportPeriodDays }],
      kind: 'report',
      executionTimeout: '3h',
    }),
    job({
      name: 'maintenance-alerts',
      description: 'evaluates the alert rules and sends each alert that fires or resolves to the admins',
      specVariable: 'SCHEDULE_ALERTS',
      spec: m.schedules.alerts,
      // A missed evaluation is worth nothing once the next one is due.
      catchupWindow: '1m',
      workflow: alertsWorkflow,
      args: [],
      kind: 'maintenance',
      executionTimeout: '5m',
    }),
    job({
      name: 'training-nightly',
      description: 'retrains the classifier on users’ labels, promotes it if no worse, and refreshes categories, search index, recommendations and statistics',
      specVariable: 'SCHEDULE_TRAINING',
      spec: cfg.training.schedule,
      catchupWindow: '6h',
      workflow: trainingWorkflow,
      args: [{ minImprovement: cfg.training.minImprovement, labelWeight: cfg.training.labelWeight }],
      kind: 'training',
      queue: 'training',
      executionTimeout: '12h',
    }),
  ];
}

/**
 * What the schedule must be, and a fingerprint of it. The server rewrites a cron line into calendar specs,
 * so a described schedule cannot be compared with the config directly; the fingerprint travels in the
 * action's memo instead, and a differing (or missing) one means the schedule is updated.
 */
function desired(job: PeriodicJob): Omit<ScheduleOptions, 'state' | 'memo'> & { fingerprint: string } {
  const policies = { overlap: OVERLAP, catchupWindow: job.catchupWindow };
  const fingerprint = createHash('sha256')
    .update(JSON.stringify({ spec: job.spec, policies, action: { ...job.action, workflowType: workflowName(job) } }))
    .digest('hex')
    .slice(0, 16);
  return {
    scheduleId: job.id,
    spec: { cronExpressions: [job.spec] },
    action: { ...job.action, memo: { [MEMO_KEY]: fingerprint } },
    policies,
    fingerprint,
  };
}

export const workflowName = (job: PeriodicJob): string => (typeof job.action.workflowType === 'string' ? job.action.workflowType : job.action.workflowType.name);

export type EnsureOutcome = 'created' | 'updated' | 'unchanged';

/**
 * Creates the schedule when missing, updates it when its definition changed (keeping a pause and its note),
 * and leaves it alone otherwise. Several processes may run this at once: whoever loses the creation race
 * finds the winner's schedule, identical, and does nothing.
 */
async function ensureSchedule(client: Client, job: PeriodicJob): Promise<EnsureOutcome> {
  try {
    return await createOrUpdate(client, job);
  } catch (err) {
    // The SDK turns the server's "invalid schedule spec" into a TypeError: a configuration mistake.
    if (err instanceof TypeError) throw new ConfigError([`${job.specVariable}: ${err.message}`]);
    throw err;
  }
}

async function createOrUpdate(client: Client, job: PeriodicJob): Promise<EnsureOutcome> {
  const { fingerprint, ...options } = desired(job);
  const handle = client.schedule.getHandle(job.id);
  for (let attempt = 1; ; attempt++) {
    try {
      await client.schedule.create(options);
      return 'created';
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err;
    }
    try {
      const current = await handle.describe();
      if (current.action.memo?.[MEMO_KEY] === fingerprint) return 'unchanged';
      await handle.update((prev) => ({ spec: options.spec, action: options.action, policies: options.policies, state: prev.state }));
      return 'updated';
    } catch (err) {
      // Deleted between our create and describe: create it again.
      if (!(err instanceof ScheduleNotFoundError) || attempt >= 3) throw err;
      await sleep(200 * attempt);
    }
  }
}

/** Makes every periodic job's schedule match the config; called at start by `npm start` and maintenance workers. */
export async function ensureSchedules(client: Client, cfg: Config): Promise<Record<string, EnsureOutcome>> {
  const jobs = periodicJobs(cfg);
  const outcomes = await Promise.all(jobs.map((job) => ensureSchedule(client, job)));
  const byId = Object.fromEntries(jobs.map((job, i) => [job.id, outcomes[i]]));
  logger.info({ schedules: byId }, 'periodic job schedules in place');
  return byId;
}
