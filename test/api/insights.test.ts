import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { extractInsightEntities, relateInsight } from '../../src/activities/nlp';
import { PROJECT_ROOT } from '../../src/tools/venv';
import { startStack, submitInsight, type TestStack } from '../support/stack';

let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: ['nlp'] });
});
after(() => stack?.stop());

const businessText = readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/nlp/business-text.txt'), 'utf8');

const submit = (body: object, apiKey?: string) => submitInsight(stack, body, apiKey);

describe('the insight pipeline', () => {
  it('enriches a medium business text with entities, keywords, category, sentiment and an embedding', async () => {
    const { insightId, job } = await submit({ text: businessText, title: 'Quarterly review' });
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(job.result.status, 'processed');
    assert.ok(job.result.entities > 20);

    const { status, body: insight } = await stack.call('GET', `/api/insights/${insightId}`);
    assert.equal(status, 200);
    assert.equal(insight.status, 'processed');
    assert.equal(insight.language, 'en');
    const types = new Set(insight.entities.map((e: { type: string }) => e.type));
    for (const type of ['person', 'organization', 'place', 'date', 'money', 'percent']) assert.ok(types.has(type), `has a ${type}`);
    for (const e of insight.entities) assert.equal(insight.text.slice(e.start, e.end), e.text, 'offsets point into the stored text');
    const money = insight.entities.find((e: { type: string }) => e.type === 'money');
    assert.equal(typeof money.value.amount, 'number');
    assert.ok(insight.keywords.length > 0 && insight.keywords.every((k: { term: string }) => !/^\d+$/.test(k.term)));
    assert.ok(typeof insight.category === 'string' && insight.categoryConfidence > 0 && insight.categoryConfidence <= 1);
    assert.ok(insight.sentiment.score >= -1 && insight.sentiment.score <= 1);
    const [{ dims }] = await stack.db.query<{ dims: number }>('SELECT vector_dims(embedding) AS dims FROM insights WHERE id = $1', [insightId]);
    assert.equal(dims, 512);
    const events = await stack.db.query('SELECT payload FROM events WHERE type = $1 AND subject_id = $2', ['insight.processed', insightId]);
    assert.equal(events.length, 1);
  });

  it('relates paraphrases and finds them by meaning, not by words', async () => {
    const other = await stack.newUser();
    const a = await submit({ text: 'The board approved hiring forty engineers for the Lisbon data centre next quarter.' }, other.apiKey);
    const b = await submit({ text: 'Next quarter we will recruit about forty new engineers to staff our data center in Lisbon, the directors agreed.' }, other.apiKey);
    const c = await submit({ text: 'My grandmother bakes an excellent lemon cake with fresh eggs and plenty of butter.' }, other.apiKey);

    const { body: insightB } = await stack.call('GET', `/api/insights/${b.insightId}`, undefined, other.apiKey);
    assert.equal(insightB.related[0]?.id, a.insightId, JSON.stringify(insightB.related));
    assert.ok(insightB.related[0].reason.semantic > 0);
    assert.ok(!insightB.related.some((r: { id: string }) => r.id === c.insightId));
    const { body: insightA } = await stack.call('GET', `/api/insights/${a.insightId}`, undefined, other.apiKey);
    assert.ok(insightA.related.some((r: { id: string }) => r.id === b.insightId), 'edges go both ways');

    const search = await stack.call('GET', `/api/insights?q=${encodeURIComponent('staffing a server facility in Portugal')}`, undefined, other.apiKey);
    assert.equal(search.status, 200);
    const ranked = search.body.insights.map((i: { id: string }) => i.id);
    assert.ok(ranked.indexOf(c.insightId) > Math.max(ranked.indexOf(a.insightId), ranked.indexOf(b.insightId)), JSON.stringify(search.body));

    const byEntity = await stack.call('GET', '/api/insights?entity=lisbon', undefined, other.apiKey);
    assert.deepEqual(new Set(byEntity.body.insights.map((i: { id: string }) => i.id)), new Set([a.insightId, b.insightId]));
    const page = await stack.call('GET', '/api/insights?limit=1&offset=1', undefined, other.apiKey);
    assert.equal(page.body.insights.length, 1);
    const mine = await stack.call('GET', `/api/insights/${a.insightId}`);
    assert.equal(mine.status, 404, "another user's insight is not found");
  });

  it('stages are idempotent: running one twice leaves the same rows', async () => {
    const { insightId } = await submit({ text: 'Maria Silva from Acme Corp will meet Globex in Berlin on 3 March 2025 about a $2 million deal.' });
    const count = async (table: string) =>
      Number((await stack.db.query<{ n: string }>(`SELECT count(*)::text AS n FROM ${table} WHERE insight_id = $1`, [insightId]))[0].n);
    const before = [await count('insight_entities'), await count('insight_relations')];
    await extractInsightEntities({ insightId });
    await relateInsight({ insightId });
    assert.deepEqual([await count('insight_entities'), await count('insight_relations')], before);
  });

  it('stores other languages and marks them unsupported instead of failing', async () => {
    const { insightId, job } = await submit({ text: 'La reunión con el equipo de ventas fue muy productiva y acordamos los próximos pasos para el proyecto.' });
    assert.equal(job.status, 'completed');
    assert.equal(job.result.status, 'unsupported_language');
    const { body } = await stack.call('GET', `/api/insights/${insightId}`);
    assert.equal(body.status, 'unsupported_language');
    assert.equal(body.language, 'es');
  });

  it('fails binary junk at once with a clear, non-retried error', async () => {
    const junk = Buffer.from(Array.from({ length: 400 }, (_, i) => 1 + ((i * 7919) % 255))).toString('latin1');
    const { insightId, job } = await submit({ text: junk });
    assert.equal(job.status, 'failed');
    assert.match(job.error.message, /no readable words/);
    // normaliseInsight is a local activity: its attempts are recorded in a marker, not in task events.
    const history = await stack.client.workflow.getHandle(job.jobId).fetchHistory();
    const markers = history.events!.flatMap((e) => {
      const payload = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
      return payload ? [JSON.parse(Buffer.from(payload).toString())] : [];
    });
    const normalise = markers.find((m) => m.activity_type === 'normaliseInsight');
    assert.ok(normalise, JSON.stringify(markers));
    assert.equal(normalise.attempt, 1, 'the failed stage was not retried');
    const [row] = await stack.db.query<{ status: string }>('SELECT status FROM insights WHERE id = $1', [insightId]);
    assert.equal(row.status, 'failed');
  });

  it('stores a corrected category as training data', async () => {
    const { insightId } = await submit({ text: 'Our new quarterly budget report is ready for the finance team.' });
    const res = await stack.call('POST', `/api/insights/${insightId}/labels`, { category: 'Finance' });
    assert.equal(res.status, 201);
    const { body } = await stack.call('GET', `/api/insights/${insightId}`);
    assert.equal(body.label, 'finance');
    const bad = await stack.call('POST', `/api/insights/${insightId}/labels`, { category: 7 });
    assert.equal(bad.status, 400);
    assert.equal(bad.body.error.details.fields[0].field, 'body.category');
    const missing = await stack.call('POST', '/api/insights/not-a-uuid/labels', { category: 'x' });
    assert.equal(missing.status, 400);
    assert.equal(missing.body.error.details.fields[0].field, 'params.insightId');
  });
});
