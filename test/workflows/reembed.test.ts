import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { cosine, EMBEDDING_MODEL } from '../../src/activities/nlp/embeddings';
import { config, taskQueue } from '../../src/config';
import { startReembedding } from '../../src/reembedding';
import { reembedWorkflow } from '../../src/workflows/reembed';
import { startStack, submitInsight, type TestStack } from '../support/stack';

const NOTES = {
  part: 'The conveyor in hall 3 stopped again. Maintenance ordered replacement bearing ZX-4471 from the supplier.',
  cake: 'My grandmother bakes an excellent lemon cake with fresh eggs and plenty of butter.',
  hiring: 'Next quarter we will recruit about forty new engineers to staff our data center in Lisbon.',
};
const OLD_MODEL = 'test-previous-model';

let stack: TestStack;
const ids: Record<string, string> = {};
const vectors: Record<string, number[]> = {};

const search = async (q: string) => {
  const res = await stack.call('GET', `/api/insights?q=${encodeURIComponent(q)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.body.insights as { id: string; textRank: number | null; vectorRank: number | null }[];
};

/** Makes the note's vector look as if an older model had written it: another model's id and another vector. */
async function makeStale(name: string): Promise<void> {
  const other = vectors.hiring!.map((x) => -x);
  await stack.db.query('UPDATE insights SET embedding = $2::vector, embedding_model = $3 WHERE id = $1', [ids[name], JSON.stringify(other), OLD_MODEL]);
}

async function storedVector(name: string): Promise<{ vector: number[]; model: string }> {
  const [row] = await stack.db.query<{ embedding: string; embedding_model: string }>(
    'SELECT embedding::text, embedding_model FROM insights WHERE id = $1',
    [ids[name]],
  );
  return { vector: JSON.parse(row!.embedding), model: row!.embedding_model };
}

before(async () => {
  stack = await startStack({ queues: ['nlp'] });
  for (const [name, text] of Object.entries(NOTES)) {
    const { insightId, job } = await submitInsight(stack, { text });
    assert.equal(job.status, 'completed', JSON.stringify(job));
    ids[name] = insightId;
  }
  for (const name of Object.keys(NOTES)) vectors[name] = (await storedVector(name)).vector;
});
after(() => stack?.stop());

test('vectors of another model are never compared with a query: those notes are found by their words meanwhile', async () => {
  await makeStale('part');
  await makeStale('cake');
  const exact = (await search('ZX-4471')).find((r) => r.id === ids.part);
  assert.deepEqual({ textRank: exact?.textRank, vectorRank: exact?.vectorRank }, { textRank: 1, vectorRank: null });
  const paraphrase = await search('a dessert my granny makes');
  assert.ok(!paraphrase.some((r) => r.id === ids.cake && r.vectorRank !== null), JSON.stringify(paraphrase));
});

test('the re-embedding job rewrites every stale vector with the current model, and then there is nothing to start', async () => {
  const jobId = await startReembedding(stack.client, config());
  assert.ok(jobId);
  const result = await stack.client.workflow.getHandle(jobId).result();
  assert.deepEqual(result, { model: EMBEDDING_MODEL, reembedded: 2 });
  for (const name of ['part', 'cake']) {
    const stored = await storedVector(name);
    assert.equal(stored.model, EMBEDDING_MODEL);
    assert.ok(cosine(stored.vector, vectors[name]!) > 0.999, `${name} got its own vector back`);
  }
  const paraphrase = await search('a dessert my granny makes');
  assert.equal(paraphrase[0]?.id, ids.cake);
  assert.notEqual(paraphrase[0]?.vectorRank, null);
  assert.equal(await startReembedding(stack.client, config()), null);
});

test('a long re-embedding continues as new with its cursor and still rewrites each stale vector once', async () => {
  for (const name of Object.keys(NOTES)) await makeStale(name);
  const handle = await stack.client.workflow.start(reembedWorkflow, {
    workflowId: `reembed-continued-${Date.now()}`,
    taskQueue: taskQueue('nlp', config()),
    args: [{ model: EMBEDDING_MODEL, batchSize: 1, batchesPerRun: 1, total: 3 }],
  });
  assert.deepEqual(await handle.result(), { model: EMBEDDING_MODEL, reembedded: 3 });
  const latest = await stack.client.workflow.getHandle(handle.workflowId).describe();
  assert.notEqual(latest.runId, handle.firstExecutionRunId, 'the job ran in more than one run');
  for (const name of Object.keys(NOTES)) assert.equal((await storedVector(name)).model, EMBEDDING_MODEL);
});
