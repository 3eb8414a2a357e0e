import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { extractInsightRelations } from '../../src/activities/nlp';
import { PROJECT_ROOT } from '../../src/tools/venv';
import { createUser } from '../../src/users';
import { startStack, submitInsight, waitFor, type TestStack } from '../support/stack';

// Issue 12 end to end on the real stack: per-user categories that learn at once, relations between entities,
// recommendations and statistics.

let stack: TestStack;

const birding = JSON.parse(readFileSync(path.join(PROJECT_ROOT, 'test/fixtures/nlp/birding-notes.json'), 'utf8')) as {
  labelled: string[];
  matching: string;
  unrelated: string;
};

async function submit(body: object, apiKey: string): Promise<{ insightId: string; job: any }> {
  const submitted = await submitInsight(stack, body, apiKey);
  assert.equal(submitted.job.status, 'completed', JSON.stringify(submitted.job));
  return submitted;
}

// One suite holds the stack's hooks, so personal-knowledge-postgres.test.ts can run the same tests by importing this file.
describe('learning from each user', () => {
  before(async () => {
    stack = await startStack({ queues: ['nlp', 'training'] });
  });
  after(() => stack?.stop());

  describe('per-user categories', () => {
    let alice: { userId: string; apiKey: string };
    let bob: { userId: string; apiKey: string };

    before(async () => {
      alice = await stack.newUser();
      bob = await stack.newUser();
    });

    it("after 10 labelled notes of a user's own category, the user's next matching note gets it at once; other users are unchanged", async (t) => {
      // Bob's bird note before anything: the shared starter model answers.
      const bobBefore = await submit({ text: birding.matching }, bob.apiKey);
      assert.notEqual(bobBefore.job.result.category, 'birding');

      const labelMs: number[] = [];
      for (const text of birding.labelled) {
        const { insightId } = await submit({ text }, alice.apiKey);
        const started = performance.now();
        const res = await stack.call('POST', `/api/insights/${insightId}/labels`, { category: 'Birding' }, alice.apiKey);
        labelMs.push(performance.now() - started);
        assert.equal(res.status, 201, JSON.stringify(res.body));
      }
      const [centroid] = await stack.db.query<{ count: number }>('SELECT count FROM user_category_centroids WHERE user_id = $1 AND category = $2', [alice.userId, 'birding']);
      assert.equal(centroid?.count, 10, 'every label is in the user model as soon as the label request returns');
      t.diagnostic(`label request (stores the label and updates the user's model): median ${labelMs.sort((a, b) => a - b)[5]!.toFixed(0)} ms`);

      const match = await submit({ text: birding.matching }, alice.apiKey);
      assert.equal(match.job.result.category, 'birding', JSON.stringify(match.job.result));
      const { body: matched } = await stack.call('GET', `/api/insights/${match.insightId}`, undefined, alice.apiKey);
      assert.equal(matched.category, 'birding');

      // Alice's notes on other topics keep the shared model's category.
      const unrelated = await submit({ text: birding.unrelated }, alice.apiKey);
      assert.notEqual(unrelated.job.result.category, 'birding');
      const [source] = await stack.db.query<{ category_source: string }>('SELECT category_source FROM insights WHERE id = $1', [unrelated.insightId]);
      assert.equal(source?.category_source, 'starter');
      const { body: shown } = await stack.call('GET', `/api/insights/${unrelated.insightId}`, undefined, alice.apiKey);
      assert.equal(shown.categorySource, 'starter');
      assert.equal(matched.categorySource, 'user');

      // Bob never labelled birding: the same text still gets the shared model's category.
      const bobAfter = await submit({ text: birding.matching }, bob.apiKey);
      assert.equal(bobAfter.job.result.category, bobBefore.job.result.category);
      const bobCentroids = await stack.db.query('SELECT 1 FROM user_category_centroids WHERE user_id = $1', [bob.userId]);
      assert.equal(bobCentroids.length, 0);
    });

    it('a relabel moves the note between the user’s categories', async () => {
      const { insightId } = await submit({ text: 'A robin sang on the fence at dawn.' }, alice.apiKey);
      await stack.call('POST', `/api/insights/${insightId}/labels`, { category: 'garden' }, alice.apiKey);
      const rows = await stack.db.query<{ category: string; count: number }>(
        'SELECT category, count FROM user_category_centroids WHERE user_id = $1 ORDER BY category',
        [alice.userId],
      );
      assert.deepEqual(rows, [
        { category: 'birding', count: 10 },
        { category: 'garden', count: 1 },
      ]);
      await stack.call('POST', `/api/insights/${insightId}/labels`, { category: 'birding' }, alice.apiKey);
      const after = await stack.db.query<{ category: string; count: number }>('SELECT category, count FROM user_category_centroids WHERE user_id = $1', [alice.userId]);
      assert.deepEqual(after, [{ category: 'birding', count: 11 }]);
    });

    it('refuses bad category names with a 400 naming body.category', async () => {
      const { insightId } = await submit({ text: 'Notes about the garden shed.' }, alice.apiKey);
      for (const category of ['', '   ', 'x'.repeat(65), 'bird\u0007ing', 'tab\there', 7]) {
        const res = await stack.call('POST', `/api/insights/${insightId}/labels`, { category }, alice.apiKey);
        assert.equal(res.status, 400, JSON.stringify({ category, body: res.body }));
        assert.equal(res.body.error.details.fields[0].field, 'body.category');
      }
      const ok = await stack.call('POST', `/api/insights/${insightId}/labels`, { category: 'Música' }, alice.apiKey);
      assert.equal(ok.status, 201);
      assert.equal(ok.body.category, 'música');
    });

    it("the nightly run evaluates each user's model on held-out labels and records it; GET /api/stats reads it", async () => {
      const admin = await createUser(stack.db, 'admin', { admin: true });
      const start = await stack.call('POST', '/api/training/runs', {}, admin.apiKey);
      assert.equal(start.status, 202, JSON.stringify(start.body));
      const job = await waitFor(async () => {
        const res = await stack.call('GET', `/api/jobs/${start.body.jobId}`, undefined, admin.apiKey);
        return ['completed', 'failed', 'cancelled'].includes(res.body.status) ? res.body : undefined;
      }, 120_000, 'the training run');
      assert.equal(job.status, 'completed', JSON.stringify(job));
      const userModels = job.result.userModels;
      assert.ok(userModels.users >= 1, JSON.stringify(userModels));
      const aliceDecision = userModels.decisions.find((d: { userId: string }) => d.userId === alice.userId);
      assert.ok(aliceDecision, JSON.stringify(userModels));
      assert.ok(aliceDecision.labels >= 11);

      const stats = await stack.call('GET', '/api/stats', undefined, alice.apiKey);
      assert.equal(stats.status, 200);
      assert.ok(stats.body.categories.some((c: { category: string; labelled: number }) => c.category === 'birding' && c.labelled >= 10), JSON.stringify(stats.body));
      assert.equal(typeof stats.body.lastTrainingRun.labelsCompared, 'number');
      assert.ok(stats.body.lastTrainingRun.finishedAt);
      assert.equal(stats.body.personalModel.lastEvaluation.metrics.labels, aliceDecision.labels);
      assert.ok(stats.body.categorisedBy.user >= 1);
      const bobStats = await stack.call('GET', '/api/stats', undefined, bob.apiKey);
      assert.ok(!bobStats.body.categories.some((c: { category: string }) => c.category === 'birding'), "another user's categories do not show");
      assert.equal(bobStats.body.personalModel.lastEvaluation, null);
    });
  });

  describe('entities and their relations', () => {
    let carol: { userId: string; apiKey: string };
    const notes = [
      'Maria Silva met Tom Baker in Lisbon last week to discuss the merger.',
      'Maria Silva met Tom Baker again on Friday. Nothing was decided.',
      'Tom Baker phoned Maria Silva about the contract.',
    ];
    const ids: string[] = [];

    before(async () => {
      carol = await stack.newUser();
      for (const text of notes) ids.push((await submit({ text }, carol.apiKey)).insightId);
    });

    it('stores the relations found in each insight, with sentence offsets', async () => {
      const rows = await stack.db.query<{ subject_text: string; relation: string; object_text: string; sentence_start: number; sentence_end: number }>(
        'SELECT subject_text, relation, object_text, sentence_start, sentence_end FROM insight_entity_relations WHERE insight_id = $1 ORDER BY subject_start, object_start',
        [ids[0]],
      );
      assert.deepEqual(
        rows.map((r) => `${r.subject_text} / ${r.relation} / ${r.object_text}`),
        ['Maria Silva / meet / Tom Baker', 'Maria Silva / meet / Lisbon'],
      );
      assert.equal(notes[0]!.slice(rows[0]!.sentence_start, rows[0]!.sentence_end), notes[0]);
      // Idempotent: the stage run again (a local activity after its worker died) leaves the rows it finds, not
      // even rewriting them: the writing transaction of each row (xmin) is still the first run's.
      const writers = () =>
        stack.db.query<{ xmin: string }>('SELECT xmin::text AS xmin FROM insight_entity_relations WHERE insight_id = $1 ORDER BY subject_start, object_start', [ids[0]]);
      const first = await writers();
      await extractInsightRelations({ insightId: ids[0]! });
      assert.deepEqual(await writers(), first);
      assert.equal(first.length, 2);
    });

    it('GET /api/entities?q= finds the entity, GET /api/entities/:key shows its insights and relations', async () => {
      const found = await stack.call('GET', '/api/entities?q=silva', undefined, carol.apiKey);
      assert.equal(found.status, 200);
      const maria = found.body.entities.find((e: { key: string }) => e.key === 'person:maria silva');
      assert.ok(maria, JSON.stringify(found.body));
      assert.equal(maria.mentions, 3);
      assert.equal(maria.insights, 3);

      const res = await stack.call('GET', `/api/entities/${encodeURIComponent('person:maria silva')}`, undefined, carol.apiKey);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      assert.equal(res.body.name, 'Maria Silva');
      assert.deepEqual(new Set(res.body.insights.map((i: { id: string }) => i.id)), new Set(ids));
      const tom = res.body.related.find((r: { key: string }) => r.key === 'person:tom baker');
      assert.ok(tom, JSON.stringify(res.body.related));
      assert.deepEqual(
        tom.relations.find((r: { relation: string; direction: string }) => r.relation === 'meet' && r.direction === 'outgoing'),
        { relation: 'meet', direction: 'outgoing', count: 2 },
      );
      assert.ok(tom.relations.some((r: { relation: string; direction: string }) => r.relation === 'phone' && r.direction === 'incoming'), JSON.stringify(tom));
      assert.ok(res.body.related.some((r: { key: string }) => r.key === 'place:lisbon'));
    });

    it("shows only the user's own data, and refuses a bad key or query naming the field", async () => {
      const other = await stack.call('GET', `/api/entities/${encodeURIComponent('person:maria silva')}`, undefined, stack.apiKey);
      assert.equal(other.status, 404);
      const none = await stack.call('GET', '/api/entities?q=silva', undefined, stack.apiKey);
      assert.deepEqual(none.body.entities, []);
      const badKey = await stack.call('GET', '/api/entities/nocolon', undefined, carol.apiKey);
      assert.equal(badKey.status, 400);
      assert.equal(badKey.body.error.details.fields[0].field, 'params.key');
      const all = await stack.call('GET', '/api/entities?q=', undefined, carol.apiKey);
      assert.equal(all.status, 200);
      assert.ok(all.body.entities.length >= 3, JSON.stringify(all.body));
      const tooLong = await stack.call('GET', `/api/entities?q=${'x'.repeat(201)}`, undefined, carol.apiKey);
      assert.equal(tooLong.status, 400);
      assert.equal(tooLong.body.error.details.fields[0].field, 'query.q');
      const badLimit = await stack.call('GET', '/api/entities?limit=0', undefined, carol.apiKey);
      assert.equal(badLimit.status, 400);
      assert.equal(badLimit.body.error.details.fields[0].field, 'query.limit');
    });
  });

  describe('recommendations', () => {
    it("ranks the user's other notes by shared entities, meaning and recency, with the reason", async () => {
      const dave = await stack.newUser();
      const a = await submit({ text: 'Maria Silva from Acme Corp will visit the Berlin office to review the sales pipeline.' }, dave.apiKey);
      const b = await submit({ text: 'Sales pipeline review with Maria Silva in Berlin: three deals are close to signing.' }, dave.apiKey);
      const c = await submit({ text: 'My grandmother bakes an excellent lemon cake with fresh eggs and plenty of butter.' }, dave.apiKey);
      const old = await submit({ text: 'The sales pipeline review in Berlin found three deals close to signing with Maria Silva.' }, dave.apiKey);
      // The same note written a year ago ranks below its fresh twin.
      await stack.db.query(`UPDATE insights SET created_at = now() - interval '365 days' WHERE id = $1`, [old.insightId]);

      const res = await stack.call('GET', `/api/insights/${a.insightId}/recommendations`, undefined, dave.apiKey);
      assert.equal(res.status, 200, JSON.stringify(res.body));
      const ranked = res.body.recommendations.map((r: { id: string }) => r.id);
      assert.equal(ranked[0], b.insightId, JSON.stringify(res.body));
      assert.ok(!ranked.includes(c.insightId), 'an unrelated note is not recommended');
      assert.ok(!ranked.includes(a.insightId), 'not the note itself');
      const top = res.body.recommendations[0];
      assert.ok(top.reason.sharedEntities.some((e: { key: string }) => e.key === 'person:maria silva'), JSON.stringify(top));
      assert.ok(top.reason.semantic > 0.3);
      assert.match(top.reason.summary, /shares .*Maria Silva/);
      if (ranked.includes(old.insightId)) assert.ok(ranked.indexOf(old.insightId) > ranked.indexOf(b.insightId));

      const foreign = await stack.call('GET', `/api/insights/${a.insightId}/recommendations`, undefined, stack.apiKey);
      assert.equal(foreign.status, 404);
      const bad = await stack.call('GET', `/api/insights/${a.insightId}/recommendations?limit=500`, undefined, dave.apiKey);
      assert.equal(bad.status, 400);
      assert.equal(bad.body.error.details.fields[0].field, 'query.limit');
      const badId = await stack.call('GET', '/api/insights/nope/recommendations', undefined, dave.apiKey);
      assert.equal(badId.body.error.details.fields[0].field, 'params.insightId');
    });
  });
});
