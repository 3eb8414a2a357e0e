import { createHash } from 'node:crypto';
import type { Db } from '../../db';
import { splitDataset, starterDataset, type Example } from '../nlp/classifier';

/** Training data in two sources, each split into train and held-out, so the evaluation can report both. */
export interface TrainingData {
  starter: { train: Example[]; heldOut: Example[] };
  labelled: { train: Example[]; heldOut: Example[] };
}

// One labelled insight in five is held out, chosen by a hash of its id rather than by position: an insight
// keeps its side however many labels arrive later, so no model is ever evaluated on a label it trained on.
const LABEL_HOLDOUT_EVERY = 5;

export function isHeldOutLabel(insightId: string): boolean {
  return createHash('sha256').update(insightId).digest().readUInt32BE(0) % LABEL_HOLDOUT_EVERY === 0;
}

/**
 * The starter data set (the Brown Corpus, split by document as for the starter model, so its held-out
 * documents stay held out) plus every user's label joined to the insight's text. A label is a user's
 * correction of a model, so each counts `labelWeight` times in training (a few dozen labels would otherwise
 * weigh nothing against ~2,500 Brown chunks); held-out labels appear once, and the evaluation weighs them.
 */
export async function gatherTrainingData(db: Db, labelWeight: number): Promise<TrainingData> {
  const rows = await db.query<{ insight_id: string; text: string; category: string }>(
    `SELECT l.insight_id, coalesce(i.normalised_text, i.text) AS text, l.category
     FROM insight_labels l JOIN insights i ON i.id = l.insight_id ORDER BY l.insight_id`,
  );
  const labelled: TrainingData['labelled'] = { train: [], heldOut: [] };
  for (const row of rows) {
    const example = { text: row.text, label: row.category, doc: `insight:${row.insight_id}` };
    if (isHeldOutLabel(row.insight_id)) labelled.heldOut.push(example);
    else for (let i = 0; i < labelWeight; i++) labelled.train.push(example);
  }
  return { starter: splitDataset(starterDataset()), labelled };
}
