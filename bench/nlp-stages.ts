// Measurement helpers shared by bench/nlp-compute.ts and bench/nlp.ts: the fixture, the NLP stages loaded
// in process (with their cold-load times), warm per-stage timings and pool throughput.
import { readFileSync } from 'node:fs';
import type { NlpPool } from '../src/activities/nlp/pool';
import { quantile, round } from './e2e';

export const fixture = (name: string) => new URL(`../test/fixtures/nlp/${name}`, import.meta.url);
export const fixtureText = readFileSync(fixture('business-text.txt'), 'utf8');
export const wordCount = (text: string) => text.split(/\s+/).filter(Boolean).length;
// Fixed, so relative dates resolve the same on every run.
export const referenceDate = '2025-01-15';

export async function timed<T>(fn: () => T | Promise<T>): Promise<[T, number]> {
  const t = performance.now();
  const value = await fn();
  return [value, performance.now() - t];
}

/** The fixture made distinct by a trailing counter sentence, so each insight is its own text. */
export const variant = (i: number) => `${fixtureText.trimEnd()}\n\nBenchmark note ${i}: this is insight number ${i} of the run.\n`;

/** Imports every stage and trains the starter classifier in process, timing each cold load in the order a worker meets them. */
export async function loadStages() {
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
  cold[`train starter classifier (${train.length} labelled texts)`] = t8;
  const [model, t9] = await timed(() => classifier.loadModel(JSON.parse(JSON.stringify(serialized))));
  cold['load classifier from JSON'] = t9;
  return { cold, normalise, entities, keywords, sentiment, embeddings, classifier, train, heldOut, serialized, model };
}

export type Stages = Awaited<ReturnType<typeof loadStages>>;
export interface StageTiming {
  meanMs: number;
  p50Ms: number;
  maxMs: number;
}

/** Warm ms of each stage on `text`, called one after another in this thread, and the sum of their means. */
export async function measureStages(s: Stages, text = fixtureText, warmup = 3, rounds = 20) {
  const normalised = s.normalise.normaliseText(text).text;
  const stages: Record<string, () => unknown> = {
    normalise: () => s.normalise.normaliseText(text),
    entities: () => s.entities.extractEntities(normalised, { referenceDate }),
    keywords: () => s.keywords.extractKeywords(normalised),
    embeddings: () => s.embeddings.embed(normalised),
    classify: () => s.classifier.classify(s.model, normalised),
    sentiment: () => s.sentiment.scoreSentiment(normalised),
  };
  const perStage: Record<string, StageTiming> = {};
  for (const [name, fn] of Object.entries(stages)) {
    for (let i = 0; i < warmup; i++) await fn();
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) samples.push((await timed(fn))[1]);
    samples.sort((a, b) => a - b);
    perStage[name] = {
      meanMs: round(samples.reduce((sum, x) => sum + x, 0) / samples.length, 2),
      p50Ms: round(quantile(samples, 0.5), 2),
      maxMs: round(samples.at(-1)!, 2),
    };
  }
  const sumMs = round(Object.values(perStage).reduce((sum, x) => sum + x.meanMs, 0), 2);
  return { perStage, sumMs };
}

/** A few texts per thread through the pool, so each thread has met every stage before it is timed. */
export async function warmPool(pool: NlpPool, s: Stages, perThread = 3): Promise<void> {
  await Promise.all(Array.from({ length: pool.size * perThread }, () => pool.analyse(fixtureText, s.serialized, { referenceDate })));
}

/** Every stage on each text through the pool, all submitted at once: texts per second. */
export async function poolThroughput(pool: NlpPool, s: Stages, texts: string[]): Promise<number> {
  const t = performance.now();
  await Promise.all(texts.map((text) => pool.analyse(text, s.serialized, { referenceDate })));
  return texts.length / ((performance.now() - t) / 1000);
}
