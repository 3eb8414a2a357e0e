import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { Context } from '@temporalio/activity';
import { config } from '../../config';
import { getDb, type Db } from '../../db';
import { invalidInput } from '../errors';
import { evaluate, loadModel, trainModel, type Evaluation, type LoadedModel } from '../nlp/classifier';
import { activeClassifier } from '../nlp/classifier-store';
import { gatherTrainingData, type TrainingData } from './dataset';

export interface HeldOutScore {
  /** Over both sources, a held-out label weighing `labelWeight` Brown chunks, as it does in training. */
  accuracy: number;
  starter: Evaluation;
  labelled: Evaluation;
}

function score(model: LoadedModel, data: TrainingData, labelWeight: number): HeldOutScore {
  const starter = evaluate(model, data.starter.heldOut);
  const labelled = evaluate(model, data.labelled.heldOut);
  const weight = starter.total + labelWeight * labelled.total;
  const correct = starter.accuracy * starter.total + labelWeight * labelled.accuracy * labelled.total;
  return { accuracy: weight ? correct / weight : 0, starter, labelled };
}

export interface Candidate {
  candidateId: number;
  activeId: number;
  candidateAccuracy: number;
  activeAccuracy: number;
}

interface CandidateMetrics extends HeldOutScore {
  comparedWith: HeldOutScore & { modelId: number };
  decision?: Decision;
}

/**
 * Trains a candidate on the starter data plus every label, scores it and the active model on the same
 * held-out set, and stores it inactive with both scores. Training is a full retrain, not wink's incremental
 * learn(): on all data it takes ~0.2 s, and it lets the held-out split, the label weights and a relabelled
 * insight (a correction replaces the earlier label) take effect exactly, which adding examples to an old
 * model cannot undo. The CPU steps block the event loop for at most a few hundred ms each (loading the
 * Brown Corpus ~0.3 s once per process, training ~0.2 s, scoring a model ~0.2 s), far inside the heartbeat
 * timeout; the activity yields between them so heartbeats and a cancel get through.
 */
export async function trainCandidate(input: { runId: string; labelWeight: number }): Promise<Candidate> {
  const ctx = Context.current();
  const db = await getDb();
  const [done] = await db.query<{ id: number; metrics: CandidateMetrics }>(
    `SELECT m.id, m.metrics FROM training_runs r JOIN classifier_models m ON m.id = r.candidate_model_id WHERE r.run_id = $1`,
    [input.runId],
  );
  // A retry after the candidate was stored reuses it, so one run never leaves two candidates.
  if (done) return { candidateId: done.id, activeId: done.metrics.comparedWith.modelId, candidateAccuracy: done.metrics.accuracy, activeAccuracy: done.metrics.comparedWith.accuracy };

  const step = async (stage: string) => {
    await yieldToEventLoop();
    ctx.heartbeat(stage);
    ctx.cancellationSignal.throwIfAborted();
  };
  const active = await activeClassifier(db);
  await step('gather');
  const data = await gatherTrainingData(db, input.labelWeight);
  await step('train');
  const train = [...data.starter.train, ...data.labelled.train];
  const model = trainModel(train);
  await step('evaluate candidate');
  const candidate = score(loadModel(model), data, input.labelWeight);
  await step('evaluate active');
  const current = score(loadModel(active.model), data, input.labelWeight);
  const metrics: CandidateMetrics = { ...candidate, comparedWith: { modelId: active.id, ...current } };

  const candidateId = await db.transaction(async (tx) => {
    const [row] = await tx.query<{ id: number }>(
      `INSERT INTO classifier_models (model, metrics, source, active) VALUES ($1, $2, 'training', false) RETURNING id`,
      [JSON.stringify(model), JSON.stringify({ ...metrics, trainedOn: train.length, runId: input.runId })],
    );
    await tx.query('UPDATE training_runs SET candidate_model_id = $2 WHERE run_id = $1', [input.runId, row.id]);
    return row.id;
  });
  return { candidateId, activeId: active.id, candidateAccuracy: candidate.accuracy, activeAccuracy: current.accuracy };
}

export interface Decision {
  promoted: boolean;
  reason: string;
  minImprovement: number;
  decidedAt: string;
}

// Any fixed number: two runs deciding at once take turns, so each compares against the model really active.
const PROMOTION_LOCK_KEY = 7_311_044;
// Both accuracies come out of the same arithmetic; this only absorbs rounding in `active + margin`.
const EPSILON = 1e-9;

/**
 * Promotes the candidate only if it is not worse: its held-out accuracy at least the active model's plus
 * `minImprovement`. The decision is recorded in the candidate's metrics either way, and the active flag
 * moves in the same transaction. A candidate scored against a model that is no longer active (another run
 * promoted one meanwhile) is rejected: its comparison no longer holds.
 */
export async function promoteCandidate(input: { runId: string; candidateId: number; minImprovement: number }): Promise<Decision> {
  const db = await getDb();
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [PROMOTION_LOCK_KEY]);
    const [row] = await tx.query<{ metrics: CandidateMetrics }>(`SELECT metrics FROM classifier_models WHERE id = $1 AND source = 'training'`, [
      input.candidateId,
    ]);
    if (!row) throw invalidInput(`candidate model ${input.candidateId} does not exist`);
    if (row.metrics.decision) return row.metrics.decision;

    const [active] = await tx.query<{ id: number }>('SELECT id FROM classifier_models WHERE active');
    const { accuracy, comparedWith } = row.metrics;
    const threshold = comparedWith.accuracy + input.minImprovement;
    let promoted = false;
    let reason: string;
    if (active?.id !== comparedWith.modelId) {
      reason = `model ${active?.id} became active after this candidate was scored against model ${comparedWith.modelId}`;
    } else if (accuracy + EPSILON >= threshold) {
      promoted = true;
      reason = `held-out accuracy ${accuracy.toFixed(4)} ≥ ${threshold.toFixed(4)} (model ${comparedWith.modelId}: ${comparedWith.accuracy.toFixed(4)}, margin ${input.minImprovement})`;
    } else {
      reason = `held-out accuracy ${accuracy.toFixed(4)} < ${threshold.toFixed(4)} (model ${comparedWith.modelId}: ${comparedWith.accuracy.toFixed(4)}, margin ${input.minImprovement})`;
    }
    const decision: Decision = { promoted, reason, minImprovement: input.minImprovement, decidedAt: new Date().toISOString() };
    if (promoted) {
      await tx.query('UPDATE classifier_models SET active = false WHERE active');
      await tx.query('UPDATE classifier_models SET active = true WHERE id = $1', [input.candidateId]);
    }
    await tx.query(`UPDATE classifier_models SET metrics = metrics || jsonb_build_object('decision', $2::jsonb) WHERE id = $1`, [
      input.candidateId,
      JSON.stringify(decision),
    ]);
    await tx.query('UPDATE training_runs SET promoted = $2 WHERE run_id = $1', [input.runId, promoted]);
    await pruneModels(tx, config().training.keepModels);
    return decision;
  });
}

/**
 * Deletes the trained models older than the newest `keep` decided ones, never the active model, nor the
 * starter (the baseline a fresh database starts from), nor a candidate still waiting for its decision (a
 * run that overlaps this one would lose it). Insights keep the id of a deleted model: only the active one
 * classifies, and a promotion re-classifies what older models did.
 */
export async function pruneModels(tx: Db, keep: number): Promise<number[]> {
  const removed = await tx.query<{ id: number }>(
    `WITH decided AS (
       SELECT id, row_number() OVER (ORDER BY id DESC) AS newest FROM classifier_models
       WHERE source = 'training' AND NOT active AND metrics ? 'decision')
     DELETE FROM classifier_models WHERE id IN (SELECT id FROM decided WHERE newest > $1) RETURNING id`,
    [keep],
  );
  return removed.map((r) => r.id).sort((a, b) => a - b);
}
