import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { startStack, waitFor, type TestStack } from './stack';

// Notes a user might keep; the target of each query shares its topic or its exact words with no other note.
const NOTES = {
  part: 'The conveyor in hall 3 stopped again. Maintenance ordered replacement bearing ZX-4471 from the supplier; it should arrive on Thursday.',
  hiring: 'Next quarter we will recruit about forty new engineers to staff our data center in Lisbon, the directors agreed.',
  facility: 'The facility manager repaired the heating in the old warehouse after tenants complained about the cold.',
  cake: 'My grandmother bakes an excellent lemon cake with fresh eggs and plenty of butter.',
  budget: 'Finance approved the marketing budget for the spring campaign; the launch event is planned for April in Madrid.',
};

/** Hybrid search cases, run once on the embedded PGlite ('embedded') and once on PostgreSQL. */
export function hybridSearchSuite(kind: 'embedded' | 'postgres'): void {
  let stack: TestStack;
  let apiKey: string;
  const ids: Record<string, string> = {};
  before(async () => {
    stack = await startStack({ queues: ['nlp'] });
    assert.equal(stack.db.kind, kind);
    const user = await stack.newUser();
    for (const [name, text] of Object.entries(NOTES)) {
      const res = await stack.call('POST', '/api/insights', { text }, user.apiKey);
      assert.equal(res.status, 202, JSON.stringify(res.body));
      ids[name] = res.body.insightId;
      await waitFor(async () => {
        const { body } = await stack.call('GET', `/api/jobs/${res.body.jobId}`, undefined, user.apiKey);
        return body.status === 'completed' ? body : undefined;
      }, 60_000, `the ${name} note to be processed`);
    }
    apiKey = user.apiKey;
  });
  after(() => stack?.stop());

  const search = async (q: string) => {
    const res = await stack.call('GET', `/api/insights?q=${encodeURIComponent(q)}`, undefined, apiKey);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body.insights as { id: string; score: number; textRank: number | null; vectorRank: number | null }[];
  };

  it('a rare exact term (a part code) ranks its note first, found by the full-text list', async () => {
    const hits = await search('ZX-4471');
    assert.equal(hits[0]?.id, ids.part, JSON.stringify(hits));
    assert.equal(hits[0]?.textRank, 1);
    assert.ok(hits.slice(1).every((h) => h.textRank === null), 'no other note has the code');
  });

  it('a paraphrase with none of the words ranks its note first, found by the vector list', async () => {
    const hits = await search('hiring staff for the server facility in Portugal');
    assert.equal(hits[0]?.id, ids.hiring, JSON.stringify(hits));
    assert.equal(hits[0]?.vectorRank, 1);
  });

  it('scores are reciprocal-rank fused and sorted', async () => {
    const hits = await search('lemon cake recipe');
    assert.equal(hits[0]?.id, ids.cake);
    for (const h of hits) {
      const expected = (h.textRank ? 1 / (60 + h.textRank) : 0) + (h.vectorRank ? 1 / (60 + h.vectorRank) : 0);
      assert.ok(Math.abs(h.score - expected) < 1e-6, JSON.stringify(h));
    }
    assert.deepEqual([...hits].sort((a, b) => b.score - a.score).map((h) => h.id), hits.map((h) => h.id));
  });

  it('a query of stop words only still answers, by meaning', async () => {
    const hits = await search('the of and');
    assert.equal(hits.length, Object.keys(NOTES).length);
    assert.ok(hits.every((h) => h.textRank === null));
  });
}
