import '../support/low-rate-limit';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, waitFor, type TestStack } from '../support/stack';

// No workers: every job stays running, which is what the adaptive rule counts.
let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: [] });
});
after(() => stack?.stop());

const runningOf = (userId: string) => stack.client.workflow.count(`UserId = '${userId}' AND ExecutionStatus = 'Running'`).then((r) => r.count);
const priorityOf = async (jobId: string) => (await stack.client.workflow.getHandle(jobId).describe()).priority;

describe('per-user job limits and adaptive priority', () => {
  it('lowers the priority past the running-jobs threshold, then answers 429 with Retry-After and starts nothing', async () => {
    const user = await stack.newUser();
    const jobIds: string[] = [];
    for (let i = 1; i <= 4; i++) {
      // Visibility is eventually consistent: let it see the jobs already started before the adaptive rule counts them.
      await waitFor(async () => ((await runningOf(user.userId)) === i - 1 ? true : undefined), 10_000, `${i - 1} running jobs`);
      const res = await stack.call('POST', '/api/insights', { text: `Job number ${i}.` }, user.apiKey);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      jobIds.push(res.body.jobId);
    }
    assert.equal((await priorityOf(jobIds[0]))?.priorityKey, 3);
    assert.equal((await priorityOf(jobIds[2]))?.priorityKey, 3);
    assert.deepEqual(await priorityOf(jobIds[3]), { priorityKey: 4, fairnessKey: user.userId, fairnessWeight: 0 });

    const refused = await fetch(`${stack.baseUrl}/api/insights`, {
      method: 'POST',
      headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ text: 'One too many.' }),
    });
    assert.equal(refused.status, 429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    // 4 per window of 40 s (4 at 6 a minute): the window ends within 40 s.
    assert.ok(retryAfter >= 1 && retryAfter <= 40, `Retry-After ${retryAfter}`);
    const body = (await refused.json()) as any;
    assert.equal(body.error.code, 'rate_limited');
    assert.equal(body.error.details.retryAfterSeconds, retryAfter);

    await new Promise((r) => setTimeout(r, 500));
    assert.equal(await runningOf(user.userId), 4, 'the refused request started no workflow');
  });

  it('keeps one bucket per user', async () => {
    const other = await stack.newUser();
    const res = await stack.call('POST', '/api/insights', { text: 'Another user is not limited by the first.', priority: 'high' }, other.apiKey);
    assert.equal(res.status, 202);
    assert.equal((await priorityOf(res.body.jobId))?.priorityKey, 1);
  });
});
