import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, test } from 'node:test';
import { analyseText } from '../../../src/activities/nlp/analyse';
import { loadModel, trainModel } from '../../../src/activities/nlp/classifier';
import { createNlpPool, type NlpPool } from '../../../src/activities/nlp/pool';
import { longProse } from '../../support/long-text';

const text = readFileSync(new URL('../../fixtures/nlp/business-text.txt', import.meta.url), 'utf8');
const model = trainModel(
  [
    ['Invoice overdue; finance wants the budget and revenue forecast reviewed', 'finance'],
    ['Cash flow, credit facility and operating profit for the quarter', 'finance'],
    ['Staff turnover, hiring and shift rosters in the warehouses', 'people'],
    ['Training courses and exit interviews for drivers and staff', 'people'],
  ].map(([t, label]) => ({ text: t!, label: label! })),
);
let pool: NlpPool;

before(async () => {
  pool = await createNlpPool(2);
});
after(async () => {
  await pool.close();
});

test('the pool gives the same analysis as the caller thread', async () => {
  const options = { referenceDate: '2025-01-15' };
  const [inPool, inProcess] = await Promise.all([
    pool.analyse(text, model, options),
    analyseText(text, loadModel(model), options),
  ]);
  assert.deepEqual(inPool.entities, inProcess.entities);
  assert.deepEqual(inPool.keywords, inProcess.keywords);
  assert.deepEqual(inPool.classification, inProcess.classification);
  assert.deepEqual(inPool.sentiment, inProcess.sentiment);
  assert.equal(inPool.embedding.length, 512);
  for (let i = 0; i < 512; i++) assert.ok(Math.abs(inPool.embedding[i]! - inProcess.embedding[i]!) < 1e-5);
});

test('single stages run in the pool', async () => {
  const [entities, embedding, classification] = await Promise.all([
    pool.entities('Sarah Connor visits Paris on March 3, 2025.', { referenceDate: '2025-01-15' }),
    pool.embed('hello world'),
    pool.classify(model, 'exit interviews with warehouse staff'),
  ]);
  assert.deepEqual(
    entities.map((e) => [e.type, e.text]),
    [
      ['person', 'Sarah Connor'],
      ['place', 'Paris'],
      ['date', 'March 3, 2025'],
    ],
  );
  assert.equal(embedding.length, 512);
  assert.equal(classification.category, 'people');
});

test('errors in a thread reject that task only', async () => {
  await assert.rejects(pool.embed(''), /empty text/);
  assert.equal((await pool.embed('still working')).length, 512);
});

/** The longest the event loop waited while `work` ran, sampled by a 10 ms timer. */
async function worstLoopDelay(work: () => Promise<unknown>): Promise<number> {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 10);
    last = now;
  }, 10);
  await work();
  // A loop blocked until now has not yet seen its late tick: let it fire before stopping.
  await new Promise((resolve) => setTimeout(resolve, 30));
  clearInterval(timer);
  return worst;
}

test('the caller event loop stays responsive while the threads work', async () => {
  // Compared with the same work on the caller's thread, so a loaded machine slows both sides alike.
  const inProcess = await worstLoopDelay(() => analyseText(text, loadModel(model)));
  const pooled = await worstLoopDelay(() => Promise.all(Array.from({ length: 6 }, () => pool.analyse(text, model))));
  assert.ok(pooled < inProcess / 2, `event loop blocked ${pooled.toFixed(0)} ms with the pool, ${inProcess.toFixed(0)} ms without`);
});

test('an aborted task stops: a running one has its thread replaced, and the pool keeps serving', async () => {
  const single = await createNlpPool(1);
  try {
    const text = longProse(200_000);
    const abort = new AbortController();
    let windows = 0;
    const running = single.entities(text, {}, { signal: abort.signal, onProgress: (p) => ((windows = p.total), abort.abort(new Error('timed out'))) });
    await assert.rejects(running, /timed out/);
    assert.ok(windows > 10, 'the long text was cut into windows');
    // The replacement thread answers; then nothing runs on: the process is idle.
    assert.equal((await single.embed('still working')).length, 512);
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1_000));
    const used = process.cpuUsage(before);
    assert.ok(used.user + used.system < 500_000, `the aborted work ran on: ${used.user + used.system} µs of CPU in 1 s`);

    const queued = new AbortController();
    const first = single.entities(text.slice(0, 20_000));
    const second = single.entities(text, {}, { signal: queued.signal });
    queued.abort(new Error('cancelled while queued'));
    await assert.rejects(second, /cancelled while queued/);
    assert.ok((await first).length > 0);
  } finally {
    await single.close();
  }
});
