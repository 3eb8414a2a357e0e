import '../support/fast-failure-alerts';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { config, taskQueue } from '../../src/config';
import { openDb } from '../../src/db';
import { DEFAULT_WEBHOOK_EVENTS } from '../../src/events';
import { recordAlerts } from '../../src/monitoring/alert-store';
import type { Alert } from '../../src/monitoring/alerts';
import { ensureSchedules, periodicJobs } from '../../src/schedules';
import { connectWorkerConnection, temporalAddress } from '../../src/temporal/connection';
import { createUser } from '../../src/users';
import { bundleWorkflows, createWorkers, runWorkers } from '../../src/workers/create';
import { alertsWorkflow } from '../../src/workflows';
import { startReceiver, type Receiver } from '../support/webhook-receiver';
import { startStack, submitInsight, waitFor, type TestStack } from '../support/stack';

// The maintenance worker evaluates, the notify worker delivers; nlp has no worker until a test starts one,
// so its queue is the one with a backlog nobody serves.
let stack: TestStack;
let admins: { userId: string; apiKey: string }[];
let receiver: Receiver;
let nlpWorkers: { stop: AbortController; done: Promise<void>; connection: NativeConnection } | undefined;
const cfg = config();
const nlpWorkflowKey = `${taskQueue('nlp')}/workflow`;
let firstJobId: string;

before(async () => {
  stack = await startStack({ queues: ['maintenance', 'notify'] });
  admins = [await createUser(stack.db, `admin-${randomUUID().slice(0, 8)}`, { admin: true }), await createUser(stack.db, `admin-${randomUUID().slice(0, 8)}`, { admin: true })];
  receiver = await startReceiver();
  // No events named: an admin's webhook gets alerts by default.
  const hook = await stack.call('POST', '/api/webhooks', { url: receiver.url }, admins[0].apiKey);
  assert.equal(hook.status, 201, JSON.stringify(hook.body));
  assert.deepEqual(hook.body.events, [...DEFAULT_WEBHOOK_EVENTS, 'alert.firing', 'alert.resolved']);
});
after(async () => {
  for (const job of periodicJobs(cfg)) {
    await stack?.client.schedule
      .getHandle(job.id)
      .delete()
      .catch((err) => (err instanceof ScheduleNotFoundError ? undefined : Promise.reject(err)));
  }
  if (nlpWorkers) {
    nlpWorkers.stop.abort();
    await nlpWorkers.done;
    await nlpWorkers.connection.close();
  }
  await receiver?.close();
  await stack?.stop();
});

const evaluate = () =>
  stack.client.workflow.execute(alertsWorkflow, { taskQueue: taskQueue('maintenance'), workflowId: `test-alerts-${randomUUID()}` });

async function alertsView(): Promise<{ firing: any[]; recent: any[]; alerts: any[] }> {
  const res = await stack.call('GET', '/api/alerts', undefined, admins[0].apiKey);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body;
}

/** Evaluates until the alert is in the state asked for, and returns its stored view. */
function until(rule: string, key: string, state: 'firing' | 'resolved', timeoutMs = 60_000): Promise<any> {
  return waitFor(
    async () => {
      await evaluate();
      const view = await alertsView();
      return (state === 'firing' ? view.firing : view.recent).find((a) => a.rule === rule && a.key === key);
    },
    timeoutMs,
    `${rule} ${key} to be ${state}`,
  );
}

async function alertEvents(userId: string, alertId: string): Promise<{ type: string; payload: any }[]> {
  return stack.db.query(`SELECT type, payload FROM events WHERE user_id = $1 AND payload->>'id' = $2 ORDER BY id`, [userId, alertId]);
}

describe('alerts on queues', () => {
  let deadWorkers: any;
  let bottleneck: any;

  it('fires dead_workers and bottleneck for a backlog nobody polls', async () => {
    const res = await stack.call('POST', '/api/insights', { text: 'Acme signed the contract in Berlin on Monday.' });
    assert.equal(res.status, 202);
    firstJobId = res.body.jobId;
    deadWorkers = await until('dead_workers', nlpWorkflowKey, 'firing');
    bottleneck = await until('bottleneck', nlpWorkflowKey, 'firing');
    assert.equal(deadWorkers.severity, 'critical');
    assert.equal(deadWorkers.details.queue, taskQueue('nlp'));
    assert.equal(deadWorkers.resolvedAt, null);
    assert.equal(bottleneck.severity, 'warning');
    assert.ok(bottleneck.details.backlogAgeSec > 1);
  });

  it('records a firing once however often and however many evaluators run', async () => {
    await Promise.all([evaluate(), evaluate(), evaluate()]);
    await evaluate();
    const rows = await stack.db.query(`SELECT id, last_seen_at FROM alerts WHERE rule = 'dead_workers' AND key = $1`, [nlpWorkflowKey]);
    assert.equal(rows.length, 1);
    const { firing } = await alertsView();
    const still = firing.find((a) => a.id === deadWorkers.id);
    assert.ok(Date.parse(still.lastSeenAt) > Date.parse(deadWorkers.lastSeenAt), 'each evaluation marks it seen');
    for (const admin of admins) {
      assert.deepEqual((await alertEvents(admin.userId, deadWorkers.id)).map((e) => e.type), ['alert.firing']);
    }
    const user = await stack.db.query(`SELECT 1 FROM events WHERE user_id = $1 AND type LIKE 'alert.%'`, [stack.userId]);
    assert.equal(user.length, 0, 'alerts go to admins only');
  });

  it('resolves both once a worker serves the queue', async () => {
    const connection = await connectWorkerConnection(temporalAddress(cfg));
    const workers = await createWorkers({ kinds: ['nlp'], connection, bundle: await bundleWorkflows(), cfg });
    const stop = new AbortController();
    nlpWorkers = { stop, done: runWorkers(workers, stop.signal), connection };

    const resolved = await until('dead_workers', nlpWorkflowKey, 'resolved', 120_000);
    assert.equal(resolved.id, deadWorkers.id);
    assert.equal(resolved.status, 'resolved');
    await until('bottleneck', nlpWorkflowKey, 'resolved', 60_000);
    const view = await alertsView();
    assert.ok(!view.firing.some((a) => a.key === nlpWorkflowKey));
    for (const admin of admins) {
      assert.deepEqual((await alertEvents(admin.userId, deadWorkers.id)).map((e) => e.type), ['alert.firing', 'alert.resolved']);
    }
  });
});

describe('the failure-rate rule', () => {
  it('fires when more than half the closed insight jobs failed, and resolves as successes dilute it', async () => {
    // One job has completed (the previous test's); two stopped by an operator make 2 of 3 failed.
    await stack.client.workflow.getHandle(firstJobId).result();
    for (let i = 0; i < 2; i++) {
      const res = await stack.call('POST', '/api/insights', { text: `Held job ${i}.`, holdMs: 60_000 });
      assert.equal(res.status, 202);
      await stack.client.workflow.getHandle(res.body.jobId).terminate('stopped by an operator in the test');
    }
    const fired = await until('failure_rate', 'insight', 'firing');
    assert.equal(fired.details.failed, 2);
    assert.equal(fired.details.closed, 3);

    // Two more successes: 2 of 5 failed, under half.
    for (const text of ['Globex opened an office in Paris.', 'Initech hired a new CFO.']) {
      const { job } = await submitInsight(stack, { text });
      assert.equal(job.status, 'completed');
    }
    const resolved = await until('failure_rate', 'insight', 'resolved');
    assert.equal(resolved.id, fired.id);
  });
});

describe('the periodic-failure rule', () => {
  const backupId = periodicJobs(cfg).find((j) => j.id.endsWith('maintenance-backup'))!.id;
  const backupsPath = () => path.join(cfg.dataDir, 'backups');

  async function triggerAndWait(): Promise<void> {
    const handle = stack.client.schedule.getHandle(backupId);
    const before = (await handle.describe()).info.recentActions.length;
    await handle.trigger();
    const workflowId = await waitFor(async () => {
      const { info } = await handle.describe();
      return info.recentActions.length > before ? info.recentActions.at(-1)!.action.workflow.workflowId : undefined;
    }, 10_000, 'the triggered run');
    await stack.client.workflow.getHandle(workflowId).result().catch(() => undefined);
  }

  it('fires on the first failed run of a periodic job and resolves when a later run succeeds', async () => {
    await ensureSchedules(stack.client, cfg);
    // A file where the backups directory should be: every attempt of the nightly backup fails.
    writeFileSync(backupsPath(), 'in the way');
    await triggerAndWait();
    const fired = await until('periodic_failure', backupId, 'firing');
    assert.equal(fired.details.status, 'FAILED');
    assert.equal(fired.details.workflowType, 'backupWorkflow');
    assert.match(fired.message, /failed/);

    rmSync(backupsPath());
    await triggerAndWait();
    const resolved = await until('periodic_failure', backupId, 'resolved');
    assert.equal(resolved.id, fired.id);
  });

  it('is evaluated by the alerts schedule itself, every minute by default', async () => {
    const alertsId = periodicJobs(cfg).find((j) => j.id.endsWith('maintenance-alerts'))!.id;
    const described = await stack.client.schedule.getHandle(alertsId).describe();
    assert.equal(described.spec.intervals?.[0].every, 60_000);
    assert.equal(described.action.type === 'startWorkflow' && described.action.workflowType, 'alertsWorkflow');
    await stack.client.schedule.getHandle(alertsId).trigger();
    const run = await waitFor(async () => (await stack.client.schedule.getHandle(alertsId).describe()).info.recentActions.at(-1), 10_000, 'a run');
    const result = await stack.client.workflow.getHandle(run.action.workflow.workflowId).result();
    assert.equal(typeof result.firing, 'number');
  });
});

describe('delivery to admins', () => {
  it('sends alert.firing and alert.resolved to an admin webhook and lists them in the admin events', async () => {
    const types = () =>
      receiver.received.map((r) => JSON.parse(r.body)).filter((e) => e.data.rule === 'dead_workers' && e.data.key === nlpWorkflowKey);
    const delivered = await waitFor(async () => (types().length >= 2 ? types() : undefined), 30_000, 'both alert events at the webhook');
    assert.deepEqual(delivered.map((e) => e.type).sort(), ['alert.firing', 'alert.resolved']);
    const firing = delivered.find((e) => e.type === 'alert.firing')!;
    assert.equal(firing.data.status, 'firing');
    assert.equal(firing.data.severity, 'critical');
    const resolved = delivered.find((e) => e.type === 'alert.resolved')!;
    assert.equal(resolved.data.status, 'resolved');
    assert.ok(resolved.data.resolvedAt);

    const listed = await waitFor(async () => {
      const res = await stack.call('GET', '/api/events?limit=100', undefined, admins[1].apiKey);
      const alerts = res.body.events.filter((e: any) => e.type.startsWith('alert.'));
      return alerts.length >= 2 ? alerts : undefined;
    }, 10_000, 'the second admin\'s alert events');
    assert.ok(listed.some((e: any) => e.type === 'alert.firing' && e.data.rule === 'dead_workers'));
  });

  it('refuses alert events on a webhook of a user who is not an admin', async () => {
    const res = await stack.call('POST', '/api/webhooks', { url: receiver.url, events: ['alert.firing'] });
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details.fields[0].field, 'body.events');
    const plain = await stack.call('POST', '/api/webhooks', { url: receiver.url });
    assert.deepEqual(plain.body.events, DEFAULT_WEBHOOK_EVENTS);
  });
});

describe('retention', () => {
  it('deletes alerts resolved longer ago than EVENTS_RETENTION_DAYS and keeps recent ones', async () => {
    const row = (resolvedDaysAgo: number) =>
      stack.db.query<{ id: string }>(
        `INSERT INTO alerts (id, rule, key, severity, message, fired_at, resolved_at)
         VALUES ($1, 'bottleneck', $2, 'warning', 'old', now() - make_interval(days => $3::int + 1), now() - make_interval(days => $3::int))
         RETURNING id`,
        [randomUUID(), `retention-${resolvedDaysAgo}`, resolvedDaysAgo],
      );
    const [old] = await row(cfg.maintenance.eventsRetentionDays + 1);
    const [kept] = await row(1);
    await evaluate();
    const left = await stack.db.query<{ id: string }>('SELECT id FROM alerts WHERE id IN ($1, $2)', [old.id, kept.id]);
    assert.deepEqual(left.map((r) => r.id), [kept.id]);
  });
});

describe('evaluators at once on PostgreSQL', () => {
  // PGlite runs one transaction at a time; PostgreSQL's are concurrent, so this is where a race would show.
  it('record one firing and one resolution when five evaluate together', async () => {
    const pg = await openDb({ databaseUrl: process.env.TEST_DATABASE_URL, dataDir: cfg.dataDir });
    const admin = await createUser(pg, `admin-${randomUUID().slice(0, 8)}`, { admin: true });
    const alert: Alert = { rule: 'dead_workers', key: `race-${randomUUID()}`, severity: 'critical', message: 'raced', details: {} };
    const ours = (views: { key: string }[]) => views.filter((a) => a.key === alert.key);
    try {
      const firings = await Promise.all(Array.from({ length: 5 }, () => recordAlerts(pg, [alert])));
      assert.equal(ours(firings.flatMap((t) => t.fired)).length, 1);
      const resolutions = await Promise.all(Array.from({ length: 5 }, () => recordAlerts(pg, [])));
      assert.equal(ours(resolutions.flatMap((t) => t.resolved)).length, 1);
      const rows = await pg.query('SELECT resolved_at FROM alerts WHERE key = $1', [alert.key]);
      assert.equal(rows.length, 1);
      const events = await pg.query<{ type: string }>(`SELECT type FROM events WHERE user_id = $1 AND payload->>'key' = $2 ORDER BY id`, [admin.userId, alert.key]);
      assert.deepEqual(events.map((e) => e.type), ['alert.firing', 'alert.resolved']);
    } finally {
      await pg.query('DELETE FROM alerts WHERE key = $1', [alert.key]);
      await pg.query('DELETE FROM users WHERE id = $1', [admin.userId]);
      await pg.close();
    }
  });
});
