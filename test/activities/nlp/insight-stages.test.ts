import '../../support/env';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { rmSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { EMBEDDING_MODEL } from '../../../src/activities/nlp/embeddings';
import { relateInsight } from '../../../src/activities/nlp/insight-stages';
import { config } from '../../../src/config';
import { closeDb, getDb, type Db } from '../../../src/db';
import { createUser } from '../../../src/users';

/** relateInsight against the real embedded database, with embeddings chosen so the qualifying set is known. */
let db: Db;
let userId: string;
before(async () => {
  db = await getDb();
  ({ userId } = await createUser(db, `relate-${randomUUID().slice(0, 8)}`));
});
after(async () => {
  await closeDb();
  rmSync(config().dataDir, { recursive: true, force: true });
});

/** A unit vector along one axis: insights on the same axis are alike, on different axes unrelated. */
const axis = (i: number) => JSON.stringify(Array.from({ length: 512 }, (_, d) => (d === i ? 1 : 0)));

async function insight(direction: number): Promise<string> {
  const id = randomUUID();
  await db.query(
    `INSERT INTO insights (id, user_id, text, status, job_id, normalised_text, embedding, embedding_model)
     VALUES ($1, $2, 'text', 'processed', $3, 'text', $4::vector, $5)`,
    [id, userId, `insight-${id}`, axis(direction), EMBEDDING_MODEL],
  );
  return id;
}

const edges = async (ids: string[]) =>
  (
    await db.query<{ insight_id: string; related_id: string }>(
      `SELECT insight_id, related_id FROM insight_relations WHERE insight_id = ANY($1::uuid[]) OR related_id = ANY($1::uuid[])
       ORDER BY insight_id, related_id`,
      [ids],
    )
  ).map((e) => `${ids.indexOf(e.insight_id)}->${ids.indexOf(e.related_id)}`);

describe('relating an insight', () => {
  it('writes edges both ways, and a re-relate removes those that no longer qualify, in both directions', async () => {
    const a = await insight(0);
    const b = await insight(0);
    const c = await insight(1);
    const d = await insight(1);
    const ids = [a, b, c, d];
    assert.deepEqual(await relateInsight({ insightId: a }), { related: 1 });
    assert.deepEqual((await edges(ids)).sort(), ['0->1', '1->0']);
    await relateInsight({ insightId: c });
    assert.deepEqual((await edges(ids)).sort(), ['0->1', '1->0', '2->3', '3->2']);

    // A's text now means what C and D mean: its edges with B go, C's and D's edge stays.
    await db.query('UPDATE insights SET embedding = $2::vector WHERE id = $1', [a, axis(1)]);
    assert.deepEqual(await relateInsight({ insightId: a }), { related: 2 });
    assert.deepEqual((await edges(ids)).sort(), ['0->2', '0->3', '2->0', '2->3', '3->0', '3->2']);

    // Nothing qualifies any more: every edge of A goes, the others stay.
    await db.query('UPDATE insights SET embedding = $2::vector WHERE id = $1', [a, axis(2)]);
    assert.deepEqual(await relateInsight({ insightId: a }), { related: 0 });
    assert.deepEqual((await edges(ids)).sort(), ['2->3', '3->2']);
  });

  it('a rerun with the same data changes nothing', async () => {
    // An axis of its own, away from the first test's insights.
    const a = await insight(4);
    const b = await insight(4);
    await relateInsight({ insightId: a });
    const first = await db.query('SELECT insight_id, related_id, score, reason FROM insight_relations WHERE insight_id = ANY($1::uuid[]) ORDER BY 1, 2', [[a, b]]);
    await relateInsight({ insightId: a });
    const second = await db.query('SELECT insight_id, related_id, score, reason FROM insight_relations WHERE insight_id = ANY($1::uuid[]) ORDER BY 1, 2', [[a, b]]);
    assert.equal(first.length, 2);
    assert.deepEqual(second, first);
  });
});
