import '../support/env';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { classify, loadModel } from '../../src/activities/nlp/classifier';
import { activeClassifier } from '../../src/activities/nlp/classifier-store';
import { EMBEDDING_MODEL } from '../../src/activities/nlp/embeddings';
import { createUser } from '../../src/users';
import { startStack, waitFor, type TestStack } from '../support/stack';

let stack: TestStack;
let admin: { userId: string; apiKey: string };
let starterId: number;

before(async () => {
  stack = await startStack({ queues: ['training'] });
  admin = await createUser(stack.db, 'admin', { admin: true });
  starterId = (await activeClassifier(stack.db)).id;
});
after(() => stack?.stop());

// A topic no Brown document is about, in words no Brown document uses: the starter model cannot call it
// finance, and a model that learned the users' labels can.
const MADE_UP = ['quorvex', 'blintar', 'zephcoin', 'marlox', 'vendrik', 'trulcap', 'oskary', 'plimbex', 'gramdo', 'fennix'];
let seed = 7;
const random = () => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647);
const pick = <T>(items: T[]) => items[Math.floor(random() * items.length)]!;

function madeUpText(): string {
  const words = Array.from({ length: 12 }, () => pick(MADE_UP));
  return `The ${words[0]} desk moved ${words[1]} and ${words[2]} again. ${words.slice(3, 8).join(' ')} closed higher, ${words.slice(8).join(' ')} lower.`;
}

// Embeddings near one direction, so the made-up insights are each other's nearest neighbours.
function embeddingNear(axis: number): number[] {
  return Array.from({ length: 512 }, (_, i) => (i === axis ? 1 : 0) + random() * 0.05);
}

/** An insight as the pipeline leaves it, classified by the starter model. */
async function insight(text: string, opts: { label?: string; userId?: string } = {}): Promise<string> {
  const id = randomUUID();
  const userId = opts.userId ?? stack.userId;
  const starter = loadModel((await activeClassifier(stack.db)).model);
  const { category, confidence } = classify(starter, text);
  await stack.db.query(
    `INSERT INTO insights (id, user_id, text, normalised_text, status, job_id, category, category_confidence, classifier_model_id, embedding, embedding_model, processed_at)
     VALUES ($1, $2, $3, $3, 'processed', $4, $5, $6, $7, $8::vector, $9, now())`,
    [id, userId, text, `insight-${id}`, category, confidence, starterId, JSON.stringify(embeddingNear(3)), EMBEDDING_MODEL],
  );
  if (opts.label) await stack.db.query('INSERT INTO insight_labels (insight_id, user_id, category) VALUES ($1, $2, $3)', [id, userId, opts.label]);
  return id;
}

async function finishedJob(jobId: string) {
  return waitFor(async () => {
    const res = await stack.call('GET', `/api/jobs/${jobId}`, undefined, admin.apiKey);
    return ['completed', 'failed', 'cancelled'].includes(res.body.status) ? res.body : undefined;
  }, 40_000, `training job ${jobId}`);
}

async function startRun(body: object = {}) {
  const res = await stack.call('POST', '/api/training/runs', body, admin.apiKey);
  assert.equal(res.status, 202, JSON.stringify(res.body));
  return res.body.jobId as string;
}

const unlabelled: string[] = [];

describe('the training API', () => {
  it('is for admins only and names a bad field', async () => {
    const user = await stack.newUser();
    for (const [method, route] of [['POST', '/api/training/runs'], ['GET', '/api/models']]) {
      const res = await stack.call(method, route, method === 'POST' ? {} : undefined, user.apiKey);
      assert.equal(res.status, 403, `${method} ${route}`);
      assert.equal(res.body.error.code, 'forbidden');
    }
    const bad = await stack.call('POST', '/api/training/runs', { minImprovement: 2 }, admin.apiKey);
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.fields[0].field, 'body.minImprovement');
  });
});

describe('training run', () => {
  before(async () => {
    const other = await stack.newUser();
    for (let i = 0; i < 40; i++) await insight(madeUpText(), { label: 'finance', userId: i % 4 === 0 ? other.userId : undefined });
    for (let i = 0; i < 5; i++) unlabelled.push(await insight(madeUpText()));
    const [{ n }] = await stack.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM insights WHERE category = 'finance'`);
    assert.equal(n, 0, 'the starter model knows no finance');
  });

  it('keeps the active model when the candidate does not beat it by the margin, and records the candidate', async () => {
    const job = await finishedJob(await startRun({ minImprovement: 1 }));
    assert.equal(job.status, 'completed', JSON.stringify(job));
    const result = job.result;
    assert.equal(result.promoted, false);
    assert.equal(result.activeModelId, starterId);
    assert.ok(result.candidateAccuracy > result.activeAccuracy, 'the candidate was better, just not by 1');
    assert.equal(result.reclassified, 0);
    assert.equal((await activeClassifier(stack.db)).id, starterId);

    const models = await stack.call('GET', '/api/models', undefined, admin.apiKey);
    assert.equal(models.status, 200);
    const [candidate, starter] = models.body.models;
    assert.equal(candidate.id, result.candidateModelId);
    assert.deepEqual([candidate.source, candidate.active, starter.source, starter.active], ['training', false, 'starter', true]);
    assert.equal(candidate.metrics.decision.promoted, false);
    assert.match(candidate.metrics.decision.reason, /margin 1/);
    assert.ok(candidate.labels.includes('finance'));
    assert.ok(candidate.metrics.labelled.total > 0 && candidate.metrics.starter.total > 300, JSON.stringify(candidate.metrics.labelled));

    const [index] = await stack.db.query<{ indexdef: string }>(`SELECT indexdef FROM pg_indexes WHERE indexname = 'insights_embedding_hnsw'`);
    assert.match(index.indexdef, /USING hnsw \(embedding vector_cosine_ops\)/);
    assert.deepEqual(result.searchIndex, { index: 'insights_embedding_hnsw', method: 'hnsw', created: true, pgvector: '0.8.0' });
    assert.equal(result.recommendationsRefreshed, 45, 'a first run relates every insight');
    const [{ edges }] = await stack.db.query<{ edges: number }>(`SELECT count(*)::int AS edges FROM insight_relations WHERE kind = 'related_to'`);
    assert.ok(edges >= 45, `${edges} edges`);
    assert.deepEqual(result.statistics, { users: 2, labelAgreement: 0, labelsCompared: 40 });
  });

  it('promotes a model that learned the labels, re-classifies older insights, and refuses a second run meanwhile', async () => {
    const jobId = await startRun({ holdMs: 1_500 });
    const second = await stack.call('POST', '/api/training/runs', {}, admin.apiKey);
    assert.equal(second.status, 409);
    assert.equal(second.body.error.code, 'already_running');
    const progress = await stack.call('GET', `/api/jobs/${jobId}`, undefined, admin.apiKey);
    assert.ok(['queued', 'running'].includes(progress.body.status), progress.body.status);

    const job = await finishedJob(jobId);
    assert.equal(job.status, 'completed', JSON.stringify(job));
    const { result } = job;
    assert.equal(result.promoted, true, result.reason);
    const active = await activeClassifier(stack.db);
    assert.equal(active.id, result.candidateModelId);
    assert.equal(classify(loadModel(active.model), madeUpText()).category, 'finance', 'held-out text of the labelled topic');

    assert.equal(result.reclassified, 45);
    const rows = await stack.db.query<{ category: string; classifier_model_id: number }>(
      'SELECT category, classifier_model_id FROM insights WHERE id = ANY($1::uuid[])',
      [unlabelled],
    );
    assert.deepEqual(rows.map((r) => [r.category, r.classifier_model_id]), unlabelled.map(() => ['finance', active.id]));
    assert.equal(result.recommendationsRefreshed, 0, 'nothing changed since the first run');
    assert.equal(result.searchIndex.created, false);
    assert.ok(result.statistics.labelAgreement > 0.9, JSON.stringify(result.statistics));

    const stats = await stack.db.query<{ category: string; insights: number; labelled: number }>(
      'SELECT category, insights, labelled FROM user_category_stats WHERE user_id = $1',
      [stack.userId],
    );
    assert.deepEqual(stats, [{ category: 'finance', insights: 35, labelled: 30 }]);
    const [run] = await stack.db.query<{ status: string; promoted: boolean }>('SELECT status, promoted FROM training_runs WHERE candidate_model_id = $1', [active.id]);
    assert.deepEqual(run, { status: 'completed', promoted: true });
  });

  it('cancels like any job', async () => {
    const jobId = await startRun({ holdMs: 20_000 });
    await waitFor(async () => ((await stack.call('GET', `/api/jobs/${jobId}`, undefined, admin.apiKey)).body.progress?.stage === 'hold' ? true : undefined));
    const cancel = await stack.call('POST', `/api/jobs/${jobId}/cancel`, { reason: 'not tonight' }, admin.apiKey);
    assert.equal(cancel.status, 202);
    const job = await finishedJob(jobId);
    assert.equal(job.status, 'cancelled');
    const [run] = await stack.db.query<{ status: string }>(`SELECT status FROM training_runs ORDER BY started_at DESC LIMIT 1`);
    assert.equal(run.status, 'cancelled');
  });
});
