import { patched, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { MaintenanceActivities } from '../activities';
import type { BackupResult } from '../activities/maintenance/backup';
import type { Removed } from '../activities/maintenance/cleanup';
import { SCHEDULED_START_TIME } from '../temporal/search-attributes';
import { notifySubscribers } from './event-delivery';
import { trackProgress } from './job';
import { queueFor } from './queues';
import { DEFAULT_RETRY } from './retry';

// The periodic jobs the schedules of src/schedules.ts start, on the maintenance queue. Each is one short
// pass that a later run repeats, so none of them needs the cancel signal of user jobs.

function maintenanceActivities(startToCloseTimeout: string) {
  return proxyActivities<MaintenanceActivities>({
    taskQueue: queueFor('maintenance'),
    startToCloseTimeout,
    heartbeatTimeout: '30s',
    retry: DEFAULT_RETRY,
  });
}

/** When this run was due: the schedule's time (so periods tile and a retry names the same file), else now. */
function dueTime(): Date {
  const due = workflowInfo().typedSearchAttributes.get(SCHEDULED_START_TIME) ?? new Date();
  return new Date(Math.floor(due.getTime() / 1000) * 1000);
}

export interface CleanupInput {
  workDirMaxAgeHours: number;
  uploadRetentionDays: number;
}

export interface CleanupReport {
  workDirs: Removed;
  uploads: Removed;
}

/** Removes audio working directories a lost job left, and old uploads of failed or cancelled audio jobs. */
export async function cleanupWorkflow(input: CleanupInput): Promise<CleanupReport> {
  const m = maintenanceActivities('10m');
  const report = trackProgress({ stage: 'cleanup', percent: 0 });
  const [workDirs, uploads] = await Promise.all([
    m.cleanupWorkDirs({ maxAgeHours: input.workDirMaxAgeHours }),
    m.cleanupUploads({ retentionDays: input.uploadRetentionDays }),
  ]);
  report({ stage: 'done', percent: 100 });
  return { workDirs, uploads };
}

export interface NightlyReport {
  eventsPruned: number;
  tablesAnalyzed: number;
  vacuumed: boolean;
}

/** Prunes old events, then refreshes planner statistics (and vacuums, in embedded mode). */
export async function nightlyMaintenanceWorkflow(input: { eventsRetentionDays: number }): Promise<NightlyReport> {
  const m = maintenanceActivities('1h');
  const report = trackProgress({ stage: 'prune events', percent: 0 });
  const { removed } = await m.pruneEvents({ retentionDays: input.eventsRetentionDays });
  report({ stage: 'analyze', percent: 50 });
  const { tables, vacuumed } = await m.analyzeTables();
  report({ stage: 'done', percent: 100 });
  return { eventsPruned: removed, tablesAnalyzed: tables, vacuumed };
}

/** One backup of the app database into BACKUP_DIR, verified by restoring it, keeping the newest `keep`. */
export async function backupWorkflow(input: { keep: number }): Promise<BackupResult> {
  const m = maintenanceActivities('2h');
  const report = trackProgress({ stage: 'backup', percent: 0 });
  const stamp = dueTime().toISOString().replace(/[-:]/g, '').replace('.000', '');
  const result = await m.backupDatabase({ name: `itk-backup-${stamp}`, keep: input.keep, jobId: workflowInfo().workflowId });
  report({ stage: 'done', percent: 100 });
  return result;
}

export interface ReportRun {
  periodStart: string;
  periodEnd: string;
  users: number;
}

/**
 * Stores each active user's report for the `periodDays` before this run was due, then tells each owner
 * (`report.ready`). Runs started before that event existed replay without it.
 */
export async function periodicReportWorkflow(input: { periodDays: number }): Promise<ReportRun> {
  const m = maintenanceActivities('1h');
  const report = trackProgress({ stage: 'reports', percent: 0 });
  const end = dueTime();
  const period = { periodStart: new Date(end.getTime() - input.periodDays * 86_400_000).toISOString(), periodEnd: end.toISOString() };
  const { users } = await m.buildReports({ ...period, jobId: workflowInfo().workflowId });
  if (patched('report-events')) {
    report({ stage: 'announce', percent: 90 });
    await m.announceReports({ ...period, jobId: workflowInfo().workflowId });
  }
  report({ stage: 'done', percent: 100 });
  return { ...period, users };
}

export interface AlertsRun {
  fired: string[];
  resolved: string[];
  firing: number;
  events: number;
}

/**
 * One evaluation of the alert rules (the SCHEDULE_ALERTS schedule runs it every minute): records what
 * fired or resolved since the last one, then starts the delivery of each admin's event.
 */
export async function alertsWorkflow(): Promise<AlertsRun> {
  const m = maintenanceActivities('1m');
  const { fired, resolved, events, firing } = await m.evaluateAndRecordAlerts();
  await Promise.all(events.map((e) => notifySubscribers(e.type, e.subjectId)));
  const name = (a: { rule: string; key: string }) => `${a.rule}:${a.key}`;
  return { fired: fired.map(name), resolved: resolved.map(name), firing, events: events.length };
}
