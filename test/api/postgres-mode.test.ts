import '../support/use-postgres';
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startStack, waitFor, type TestStack } from '../support/stack';

let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: ['nlp'] });
});
after(() => stack?.stop());

it('runs the insight slice with PostgreSQL as the database', async () => {
  assert.equal(stack.db.kind, 'postgres');
  const { status, body } = await stack.call('POST', '/api/insights', { text: 'Stored in PostgreSQL.' });
  assert.equal(status, 202);
  const job = await waitFor(async () => {
    const res = await stack.call('GET', `/api/jobs/${body.jobId}`);
    return res.body.status === 'completed' ? res.body : undefined;
  });
  assert.equal(job.result.insightId, body.insightId);
  const rows = await stack.db.query('SELECT id FROM insights WHERE id = $1', [body.insightId]);
  assert.equal(rows.length, 1);
});
