import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, waitFor, type TestStack } from '../support/stack';

let stack: TestStack;
before(async () => {
  stack = await startStack();
});
after(() => stack?.stop());

async function jobOnceIn(jobId: string, statuses: string[], apiKey?: string) {
  return waitFor(async () => {
    const { body } = await stack.call('GET', `/api/jobs/${jobId}`, undefined, apiKey);
    return statuses.includes(body.status) ? body : undefined;
  }, 30_000, `job ${jobId} to reach ${statuses.join('|')}`);
}

describe('insight jobs over HTTP', () => {
  it('accepts an insight, runs its workflow and reports it completed', async () => {
    const res = await stack.call('POST', '/api/insights', { text: 'Acme Corp opened an office in Lisbon.', title: 'Acme', tags: ['expansion'] });
    assert.equal(res.status, 202);
    assert.match(res.body.insightId, /^[0-9a-f-]{36}$/);
    assert.equal(res.body.jobId, `insight-${res.body.insightId}`);

    const job = await jobOnceIn(res.body.jobId, ['completed', 'failed']);
    assert.equal(job.status, 'completed');
    assert.equal(job.kind, 'insight');
    assert.deepEqual(job.progress, { stage: 'done', percent: 100 });
    assert.equal(job.result.insightId, res.body.insightId);

    const [row] = await stack.db.query<{ status: string; user_id: string; tags: string[] }>(
      'SELECT status, user_id, tags FROM insights WHERE id = $1',
      [res.body.insightId],
    );
    assert.equal(row.user_id, stack.userId);
    assert.deepEqual(row.tags, ['expansion']);
    assert.equal(row.status, 'processed');
  });

  it('reports progress while running and cancels through the signal', async () => {
    const { body } = await stack.call('POST', '/api/insights', { text: 'A long job.', holdMs: 60_000 });
    const running = await jobOnceIn(body.jobId, ['running']);
    assert.equal(running.progress.stage, 'hold');

    const cancel = await stack.call('POST', `/api/jobs/${body.jobId}/cancel`, { reason: 'changed my mind' });
    assert.equal(cancel.status, 202);
    const cancelled = await jobOnceIn(body.jobId, ['cancelled', 'completed', 'failed'], undefined);
    assert.equal(cancelled.status, 'cancelled');
    assert.equal(cancelled.error.message, 'changed my mind');
    const [row] = await stack.db.query<{ status: string }>('SELECT status FROM insights WHERE id = $1', [body.insightId]);
    assert.equal(row.status, 'cancelled');

    const again = await stack.call('POST', `/api/jobs/${body.jobId}/cancel`);
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'job_closed');
  });

  it('treats a cancel from Temporal itself (Web UI, CLI) like the API cancel', async () => {
    const { body } = await stack.call('POST', '/api/insights', { text: 'Cancelled from the Web UI.', holdMs: 60_000 });
    await jobOnceIn(body.jobId, ['running']);
    await stack.client.workflow.getHandle(body.jobId).cancel();
    const job = await jobOnceIn(body.jobId, ['cancelled', 'completed', 'failed']);
    assert.equal(job.status, 'cancelled');
    const [row] = await stack.db.query<{ status: string }>('SELECT status FROM insights WHERE id = $1', [body.insightId]);
    assert.equal(row.status, 'cancelled');
  });

  it("answers 404 for another user's job, and hides it from their list", async () => {
    const { body } = await stack.call('POST', '/api/insights', { text: 'Private note.' });
    const other = await stack.newUser();
    const get = await stack.call('GET', `/api/jobs/${body.jobId}`, undefined, other.apiKey);
    assert.equal(get.status, 404);
    assert.equal(get.body.error.code, 'not_found');
    const cancel = await stack.call('POST', `/api/jobs/${body.jobId}/cancel`, undefined, other.apiKey);
    assert.equal(cancel.status, 404);
    const list = await stack.call('GET', '/api/jobs', undefined, other.apiKey);
    assert.deepEqual(list.body.jobs, []);
  });

  it('lists the user’s jobs by status and kind through visibility', async () => {
    const { body } = await stack.call('POST', '/api/insights', { text: 'Listed note.' });
    await jobOnceIn(body.jobId, ['completed']);
    const listed = await waitFor(async () => {
      const res = await stack.call('GET', '/api/jobs?status=completed&kind=insight');
      return res.body.jobs.some((j: { jobId: string }) => j.jobId === body.jobId) ? res.body.jobs : undefined;
    }, 15_000, 'the job in the completed list');
    assert.ok(listed.every((j: { status: string; kind: string }) => j.status === 'completed' && j.kind === 'insight'));
    const running = await stack.call('GET', '/api/jobs?status=running');
    assert.ok(!running.body.jobs.some((j: { jobId: string }) => j.jobId === body.jobId));
    const bad = await stack.call('GET', '/api/jobs?status=done');
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.fields[0].field, 'query.status');
  });
});

describe('bad requests', () => {
  const cases: [string, unknown, string][] = [
    ['missing text', { title: 'no text' }, 'body.text'],
    ['text of the wrong type', { text: 42 }, 'body.text'],
    ['whitespace text', { text: ' \n\t ' }, 'body.text'],
    ['text over the limit', { text: 'a'.repeat(200_001) }, 'body.text'],
    ['text with NUL characters', { text: 'binary\u0000junk' }, 'body.text'],
    ['tags of the wrong type', { text: 'ok', tags: 'one' }, 'body.tags'],
    ['an unknown field', { text: 'ok', colour: 'red' }, 'body'],
  ];
  for (const [name, body, field] of cases) {
    it(`rejects ${name} with a 400 naming ${field}`, async () => {
      const res = await stack.call('POST', '/api/insights', body);
      assert.equal(res.status, 400);
      assert.equal(res.body.error.code, 'invalid_request');
      assert.ok(res.body.error.details.fields.some((f: { field: string }) => f.field === field), JSON.stringify(res.body));
    });
  }

  it('rejects malformed JSON and oversized bodies without a stack trace', async () => {
    const malformed = await stack.call('POST', '/api/insights', '{"text": ');
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'invalid_request');
    const huge = await stack.call('POST', '/api/insights', { text: 'a'.repeat(2_000_000) });
    assert.equal(huge.status, 413);
    assert.equal(huge.body.error.code, 'payload_too_large');
    assert.doesNotMatch(JSON.stringify(huge.body), /at .*\.(ts|js):\d+/);
  });

  it('refuses requests without a valid API key', async () => {
    const res = await fetch(`${stack.baseUrl}/api/jobs`);
    assert.equal(res.status, 401);
    const wrong = await stack.call('GET', '/api/jobs', undefined, 'itk_not-a-key');
    assert.equal(wrong.status, 401);
    assert.equal(wrong.body.error.code, 'unauthorized');
  });

  it('answers unknown routes and jobs with 404 in the same error shape', async () => {
    const route = await stack.call('GET', '/api/nothing-here');
    assert.equal(route.status, 404);
    const job = await stack.call('GET', '/api/jobs/insight-does-not-exist');
    assert.equal(job.status, 404);
    assert.deepEqual(Object.keys(job.body.error).sort(), ['code', 'details', 'message']);
  });
});

describe('health', () => {
  it('is alive and ready when Temporal and the database answer', async () => {
    assert.equal((await fetch(`${stack.baseUrl}/healthz`)).status, 200);
    const ready = await fetch(`${stack.baseUrl}/readyz`);
    assert.equal(ready.status, 200);
  });
});

describe('job events', () => {
  it('streams progress as server-sent events and ends with the final state', async () => {
    const { body } = await stack.call('POST', '/api/insights', { text: 'Streamed.', holdMs: 2_500 });
    const res = await fetch(`${stack.baseUrl}/api/jobs/${body.jobId}/events`, { headers: { authorization: `Bearer ${stack.apiKey}` } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
    const text = await res.text();
    const events = [...text.matchAll(/event: (\w+)\ndata: (.*)\n\n/g)].map((m) => ({ event: m[1], data: JSON.parse(m[2]) }));
    assert.ok(events.some((e) => e.event === 'progress' && e.data.progress.stage === 'hold'), text);
    const last = events.at(-1)!;
    assert.equal(last.event, 'completed');
    assert.equal(last.data.progress.percent, 100);
  });

  it("answers 404 for another user's job events", async () => {
    const { body } = await stack.call('POST', '/api/insights', { text: 'Mine.' });
    const other = await stack.newUser();
    const res = await fetch(`${stack.baseUrl}/api/jobs/${body.jobId}/events`, { headers: { authorization: `Bearer ${other.apiKey}` } });
    assert.equal(res.status, 404);
  });
});
