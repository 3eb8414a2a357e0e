import '../support/env';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { Client, ScheduleNotFoundError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { config, ConfigError } from '../../src/config';
import { ensureSchedules, periodicJobs } from '../../src/schedules';
import { connectClient, temporalAddress } from '../../src/temporal/connection';
import { createUser } from '../../src/users';
import { startStack, waitFor, type TestStack } from '../support/stack';

let stack: TestStack;
let admin: { userId: string; apiKey: string };
const jobs = periodicJobs(config());
const idOf = (name: string) => jobs.find((j) => j.id.endsWith(name))!.id;

async function deleteSchedules(client: Client): Promise<void> {
  for (const job of jobs) {
    await client.schedule
      .getHandle(job.id)
      .delete()
      .catch((err) => (err instanceof ScheduleNotFoundError ? undefined : Promise.reject(err)));
  }
}

before(async () => {
  stack = await startStack({ queues: ['maintenance'] });
  admin = await createUser(stack.db, 'admin', { admin: true });
});
after(async () => {
  if (stack) await deleteSchedules(stack.client);
  await stack?.stop();
});

describe('schedules created at start-up', () => {
  it('creates one schedule per periodic job, and a second creation is a no-op', async () => {
    const first = await ensureSchedules(stack.client, config());
    assert.deepEqual(Object.keys(first).sort(), jobs.map((j) => j.id).sort());
    assert.ok(Object.values(first).every((o) => o === 'created'), JSON.stringify(first));

    const second = await ensureSchedules(stack.client, config());
    assert.ok(Object.values(second).every((o) => o === 'unchanged'), JSON.stringify(second));

    const cleanup = await stack.client.schedule.getHandle(idOf('maintenance-cleanup')).describe();
    assert.equal(cleanup.policies.overlap, 'SKIP');
    assert.equal(cleanup.policies.catchupWindow, 3_600_000);
    assert.equal(cleanup.spec.intervals?.[0].every, 3_600_000, 'the default @every 1h');
    assert.equal(cleanup.action.taskQueue, `${config().taskQueuePrefix}-maintenance`);
    const nightly = await stack.client.schedule.getHandle(idOf('maintenance-nightly')).describe();
    assert.deepEqual(nightly.spec.calendars?.[0].hour, [{ start: 3, end: 3, step: 1 }], 'the default 0 3 * * *');
  });

  it('lets two processes create the schedules at once, both succeeding', async () => {
    await deleteSchedules(stack.client);
    // One client as `npm start` makes it, one over a worker's native connection as `npm run worker` does.
    const other = await connectClient(temporalAddress(config()), config().temporal.namespace);
    const native = await NativeConnection.connect({ address: temporalAddress(config()) });
    try {
      const [a, b] = await Promise.all([
        ensureSchedules(other, config()),
        ensureSchedules(new Client({ connection: native, namespace: config().temporal.namespace }), config()),
      ]);
      for (const job of jobs) assert.deepEqual([a[job.id], b[job.id]].sort(), ['created', 'unchanged'], job.id);
    } finally {
      await Promise.all([other.connection.close(), native.close()]);
    }
  });

  it('updates a schedule whose configured spec changed, keeping it paused', async () => {
    const id = idOf('maintenance-cleanup');
    await stack.client.schedule.getHandle(id).pause('held by an operator');
    const cfg = config();
    const changed = { ...cfg, maintenance: { ...cfg.maintenance, schedules: { ...cfg.maintenance.schedules, cleanup: '@every 2h' } } };

    const outcome = await ensureSchedules(stack.client, changed);
    assert.equal(outcome[id], 'updated');
    assert.equal(outcome[idOf('maintenance-backup')], 'unchanged');
    const updated = await stack.client.schedule.getHandle(id).describe();
    assert.equal(updated.spec.intervals?.[0].every, 7_200_000);
    assert.equal(updated.state.paused, true);
    assert.equal(updated.state.note, 'held by an operator');

    assert.equal((await ensureSchedules(stack.client, cfg))[id], 'updated');
    await stack.client.schedule.getHandle(id).unpause();
  });

  it('stops start-up with a configuration error naming the variable of a spec the server refuses', async () => {
    const cfg = config();
    const bad = { ...cfg, maintenance: { ...cfg.maintenance, schedules: { ...cfg.maintenance.schedules, backup: '99 2 * * *' } } };
    await assert.rejects(ensureSchedules(stack.client, bad), (err) => {
      assert.ok(err instanceof ConfigError, String(err));
      assert.match(err.problems[0], /^SCHEDULE_BACKUP: /);
      return true;
    });
    assert.equal((await stack.client.schedule.getHandle(idOf('maintenance-backup')).describe()).spec.calendars?.[0].minute[0].start, 30);
  });
});

describe('the schedule API', () => {
  it('is for admins only', async () => {
    const user = await stack.newUser();
    for (const [method, route] of [
      ['GET', '/api/schedules'],
      ['POST', `/api/schedules/${idOf('maintenance-backup')}/trigger`],
      ['POST', `/api/schedules/${idOf('maintenance-backup')}/pause`],
    ]) {
      const res = await stack.call(method, route, undefined, user.apiKey);
      assert.equal(res.status, 403, `${method} ${route}`);
      assert.equal(res.body.error.code, 'forbidden');
    }
  });

  it('lists every schedule with its spec, policy and next runs', async () => {
    const res = await stack.call('GET', '/api/schedules', undefined, admin.apiKey);
    assert.equal(res.status, 200);
    assert.deepEqual(res.body.schedules.map((s: { scheduleId: string }) => s.scheduleId).sort(), jobs.map((j) => j.id).sort());
    const backup = res.body.schedules.find((s: { scheduleId: string }) => s.scheduleId === idOf('maintenance-backup'));
    assert.equal(backup.exists, true);
    assert.equal(backup.workflowType, 'backupWorkflow');
    assert.equal(backup.spec, '30 2 * * *');
    assert.equal(backup.overlap, 'SKIP');
    assert.equal(backup.paused, false);
    assert.ok(backup.nextRuns.length > 0 && backup.nextRuns.every((t: string) => Date.parse(t) > Date.now()));
  });

  it('answers 404 for an unknown schedule and 400 naming a malformed id', async () => {
    const unknown = await stack.call('POST', '/api/schedules/no-such-schedule/trigger', undefined, admin.apiKey);
    assert.equal(unknown.status, 404);
    const malformed = await stack.call('POST', '/api/schedules/Bad%20Id/pause', undefined, admin.apiKey);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.details.fields[0].field, 'params.scheduleId');
    const badNote = await stack.call('POST', `/api/schedules/${idOf('maintenance-backup')}/pause`, { note: 5 }, admin.apiKey);
    assert.equal(badNote.status, 400);
    assert.equal(badNote.body.error.details.fields[0].field, 'body.note');
  });

  it('pauses and unpauses a schedule', async () => {
    const id = idOf('maintenance-report');
    const paused = await stack.call('POST', `/api/schedules/${id}/pause`, { note: 'maintenance window' }, admin.apiKey);
    assert.equal(paused.status, 200);
    assert.equal(paused.body.paused, true);
    assert.equal(paused.body.note, 'maintenance window');
    assert.equal((await stack.client.schedule.getHandle(id).describe()).state.paused, true);

    const unpaused = await stack.call('POST', `/api/schedules/${id}/unpause`, undefined, admin.apiKey);
    assert.equal(unpaused.body.paused, false);
    assert.equal((await stack.client.schedule.getHandle(id).describe()).state.paused, false);
  });

  it('triggers a schedule, whose workflow runs to completion', async () => {
    const id = idOf('maintenance-nightly');
    const res = await stack.call('POST', `/api/schedules/${id}/trigger`, undefined, admin.apiKey);
    assert.equal(res.status, 202);
    const workflowId = await waitFor(async () => {
      const { info } = await stack.client.schedule.getHandle(id).describe();
      return info.recentActions[0]?.action.workflow.workflowId;
    }, 10_000, 'the triggered run');
    assert.ok(workflowId.startsWith(`${id}-`), workflowId);
    const result = await stack.client.workflow.getHandle(workflowId).result();
    assert.equal(result.eventsPruned, 0);
    assert.ok(result.tablesAnalyzed >= 10, JSON.stringify(result));

    const listed = await stack.call('GET', `/api/schedules/${id}`, undefined, admin.apiKey);
    assert.equal(listed.body.recentRuns[0].workflowId, workflowId);
  });

  it('ends a report period at the time its run was due, so periods tile', async () => {
    const id = idOf('maintenance-report');
    // A backfill of the last week replays the one weekly run that was due in it, as after an outage.
    const now = Date.now();
    await stack.client.schedule.getHandle(id).backfill({ start: new Date(now - 7 * 86_400_000 + 1_000), end: new Date(now) });
    const action = await waitFor(async () => (await stack.client.schedule.getHandle(id).describe()).info.recentActions[0], 10_000, 'the run');
    assert.ok(action.scheduledAt.getTime() < now - 1_000, 'a run due in the past');
    const result = await stack.client.workflow.getHandle(action.action.workflow.workflowId).result();
    assert.equal(result.periodEnd, action.scheduledAt.toISOString());
  });
});
