import '../support/env';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import { retryJobId } from '../../src/api/dead-letters';
import { config } from '../../src/config';
import { ensureSchedules, periodicJobs } from '../../src/schedules';
import { createUser } from '../../src/users';
import { startStack, submitInsight, waitFor, type TestStack } from '../support/stack';

let stack: TestStack;
let admin: { userId: string; apiKey: string };
const schedules = periodicJobs(config());

before(async () => {
  stack = await startStack();
  admin = await createUser(stack.db, `admin-${stack.userId.slice(0, 8)}`, { admin: true });
});
after(async () => {
  for (const job of schedules) {
    await stack?.client.schedule
      .getHandle(job.id)
      .delete()
      .catch((err) => (err instanceof ScheduleNotFoundError ? undefined : Promise.reject(err)));
  }
  await stack?.stop();
});

const JUNK = Buffer.from(Array.from({ length: 400 }, (_, i) => 1 + ((i * 7919) % 255))).toString('latin1');

async function jobOnceIn(jobId: string, statuses: string[], apiKey?: string) {
  return waitFor(async () => {
    const { body } = await stack.call('GET', `/api/jobs/${jobId}`, undefined, apiKey);
    return statuses.includes(body.status) ? body : undefined;
  }, 60_000, `job ${jobId} to reach ${statuses.join('|')}`);
}

async function listed(route: string, jobId: string, apiKey?: string) {
  return waitFor(async () => {
    const res = await stack.call('GET', route, undefined, apiKey);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.jobs.find((j: { jobId: string }) => j.jobId === jobId);
  }, 20_000, `${jobId} in ${route}`);
}

/** A job an operator ended (a terminate from the Web UI or CLI): a dead letter whose input is still good. */
async function terminatedInsight(): Promise<{ insightId: string; jobId: string }> {
  const { body } = await stack.call('POST', '/api/insights', { text: 'Acme Corp opened an office in Lisbon.', holdMs: 8_000 });
  await jobOnceIn(body.jobId, ['running']);
  await stack.client.workflow.getHandle(body.jobId).terminate('worker stuck, ended by the operator');
  return body;
}

describe('failed jobs (dead letters)', () => {
  it('lists a failed insight job with its last error and attempts', async () => {
    const { job } = await submitInsight(stack, { text: JUNK });
    assert.equal(job.status, 'failed');
    const row = await listed('/api/jobs?status=failed', job.jobId);
    assert.equal(row.status, 'failed');
    assert.equal(row.kind, 'insight');
    assert.match(row.error.message, /no readable words/);
    assert.equal(row.error.type, 'InvalidInputError');
    assert.equal(row.attempts, 1, 'an input error is not retried');
    const completed = await stack.call('GET', '/api/jobs?status=completed');
    assert.ok(!completed.body.jobs.some((j: { jobId: string }) => j.jobId === job.jobId));
  });

  it('retries a failed job as a new linked job that completes', async () => {
    const { insightId, jobId } = await terminatedInsight();
    const failed = await listed('/api/jobs?status=failed', jobId);
    assert.equal(failed.error.message, 'worker stuck, ended by the operator');
    assert.ok(failed.attempts >= 1);

    const retry = await stack.call('POST', `/api/jobs/${jobId}/retry`);
    assert.equal(retry.status, 202, JSON.stringify(retry.body));
    assert.equal(retry.body.retryOf, jobId);
    assert.match(retry.body.jobId, new RegExp(`^${jobId}-retry-[0-9a-z]+$`));

    const done = await jobOnceIn(retry.body.jobId, ['completed', 'failed']);
    assert.equal(done.status, 'completed', JSON.stringify(done));
    assert.equal(done.retryOf, jobId);
    assert.equal(done.kind, 'insight');
    assert.equal(done.result.insightId, insightId);
    const [row] = await stack.db.query<{ status: string; job_id: string }>('SELECT status, job_id FROM insights WHERE id = $1', [insightId]);
    assert.deepEqual(row, { status: 'processed', job_id: retry.body.jobId });

    const again = await stack.call('POST', `/api/jobs/${retry.body.jobId}/retry`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'job_not_failed');
  });

  it('names a retry of a retry after the root job, not a growing chain', () => {
    const id = retryJobId('insight-abc-retry-k2x9');
    assert.match(id, /^insight-abc-retry-[0-9a-z]+$/);
    assert.notEqual(id, 'insight-abc-retry-k2x9');
  });

  it('answers 409 job_not_failed for a completed job', async () => {
    const { job } = await submitInsight(stack, { text: 'Globex hired two engineers in Porto.' });
    assert.equal(job.status, 'completed');
    const res = await stack.call('POST', `/api/jobs/${job.jobId}/retry`);
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'job_not_failed');
    assert.match(res.body.error.message, /completed/);
  });

  it('answers 409 input_gone naming why when the insight was deleted since', async () => {
    const { insightId, job } = await submitInsight(stack, { text: JUNK });
    await stack.db.query('DELETE FROM insights WHERE id = $1', [insightId]);
    const res = await stack.call('POST', `/api/jobs/${job.jobId}/retry`);
    assert.equal(res.status, 409);
    assert.equal(res.body.error.code, 'input_gone');
    assert.match(res.body.error.message, new RegExp(`insight ${insightId} was deleted`));
  });

  it('answers 409 input_gone when a failed audio job’s upload was cleaned up', async () => {
    const form = new FormData();
    const corrupt = Buffer.from(Array.from({ length: 50_000 }, (_, i) => (i * 7919) % 251));
    form.append('file', new Blob([corrupt], { type: 'audio/wav' }), 'corrupt.wav');
    const res = await fetch(`${stack.baseUrl}/api/audio`, { method: 'POST', headers: { authorization: `Bearer ${stack.apiKey}` }, body: form });
    assert.equal(res.status, 202);
    const { jobId, audioId } = (await res.json()) as { jobId: string; audioId: string };
    const job = await jobOnceIn(jobId, ['failed', 'completed', 'cancelled']);
    assert.equal(job.status, 'failed');
    // What the cleanup job does to an expired upload: the large object goes, the recording row stays.
    await stack.db.query('UPDATE audio_recordings SET upload_oid = NULL WHERE id = $1', [audioId]);
    const retry = await stack.call('POST', `/api/jobs/${jobId}/retry`);
    assert.equal(retry.status, 409);
    assert.equal(retry.body.error.code, 'input_gone');
    assert.match(retry.body.error.message, /upload/);
  });

  it("answers 404 for another user's job and for an unknown one", async () => {
    const { jobId } = await terminatedInsight();
    const other = await stack.newUser();
    const res = await stack.call('POST', `/api/jobs/${jobId}/retry`, undefined, other.apiKey);
    assert.equal(res.status, 404);
    assert.equal(res.body.error.code, 'not_found');
    const unknown = await stack.call('POST', '/api/jobs/insight-nothing/retry');
    assert.equal(unknown.status, 404);
    const body = await stack.call('POST', `/api/jobs/${jobId}/retry`, { colour: 'red' });
    assert.equal(body.status, 400);
  });
});

describe('every job, for admins (scope=all)', () => {
  it('refuses scope=all to a non-admin with 403', async () => {
    const res = await stack.call('GET', '/api/jobs?scope=all');
    assert.equal(res.status, 403);
    assert.equal(res.body.error.code, 'forbidden');
    const bad = await stack.call('GET', '/api/jobs?scope=everyone', undefined, admin.apiKey);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.fields[0].field, 'query.scope');
  });

  it("shows an admin other users' jobs and the scheduled runs, and lets them retry one", async () => {
    const { job } = await submitInsight(stack, { text: 'Initech moved its head office to Leeds.' });
    const mine = await listed('/api/jobs?scope=all&kind=insight', job.jobId, admin.apiKey);
    assert.equal(mine.userId, stack.userId);
    const own = await stack.call('GET', '/api/jobs', undefined, admin.apiKey);
    assert.ok(!own.body.jobs.some((j: { jobId: string }) => j.jobId === job.jobId), 'without scope=all, only the admin’s own');

    await ensureSchedules(stack.client, config());
    const cleanup = schedules.find((s) => s.id.endsWith('maintenance-cleanup'))!;
    const trigger = await stack.call('POST', `/api/schedules/${cleanup.id}/trigger`, undefined, admin.apiKey);
    assert.equal(trigger.status, 202, JSON.stringify(trigger.body));
    const run = await waitFor(async () => {
      const res = await stack.call('GET', '/api/jobs?scope=all&kind=maintenance&limit=100', undefined, admin.apiKey);
      return res.body.jobs.find((j: { scheduleId?: string }) => j.scheduleId === cleanup.id);
    }, 20_000, 'the scheduled run in the listing');
    assert.equal(run.userId, null);
    assert.match(run.jobId, new RegExp(`^${cleanup.id}-`));
    const view = await stack.call('GET', `/api/jobs/${run.jobId}`, undefined, admin.apiKey);
    assert.equal(view.status, 200);
    const hidden = await stack.call('GET', `/api/jobs/${run.jobId}`);
    assert.equal(hidden.status, 404, 'a scheduled run is no ordinary user’s job');

    const { jobId } = await terminatedInsight();
    const retry = await stack.call('POST', `/api/jobs/${jobId}/retry`, undefined, admin.apiKey);
    assert.equal(retry.status, 202, JSON.stringify(retry.body));
    const done = await jobOnceIn(retry.body.jobId, ['completed', 'failed']);
    assert.equal(done.status, 'completed', 'the retried job still belongs to its user');
  });
});
