import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { TrainingActivities } from '../activities';
import type { SearchIndexResult } from '../activities/training/search-index';
import type { TrainingStatistics } from '../activities/training/statistics';
import { runJob, trackProgress, type JobOutcome } from './job';
import { queueFor } from './queues';
import { DEFAULT_RETRY } from './retry';

export interface TrainingInput {
  /** Promote when the candidate's held-out accuracy ≥ the active model's + this (TRAINING_MIN_IMPROVEMENT). */
  minImprovement: number;
  /** How many starter examples one user label counts as (TRAINING_LABEL_WEIGHT). */
  labelWeight: number;
  /** Test hook: hold the job in flight this long (only accepted when ALLOW_TEST_HOOKS=true). */
  holdMs?: number;
}

export interface TrainingResult {
  candidateModelId: number;
  activeModelId: number;
  promoted: boolean;
  reason: string;
  candidateAccuracy: number;
  activeAccuracy: number;
  reclassified: number;
  searchIndex: SearchIndexResult;
  recommendationsRefreshed: number;
  statistics: TrainingStatistics;
}

/**
 * Retrains the classifier on the starter data plus users' labels, promotes the candidate only if it scores
 * no worse on held-out data, and then brings derived data up to date: categories of the old model, the
 * vector search index, `related_to` edges of changed insights, and per-user statistics. Every step is an
 * activity on the training queue, whose worker runs one at a time, so a run never competes with itself.
 */
export async function trainingWorkflow(input: TrainingInput): Promise<JobOutcome<TrainingResult>> {
  const quick = proxyActivities<TrainingActivities>({
    taskQueue: queueFor('training'),
    startToCloseTimeout: '10m',
    heartbeatTimeout: '1m',
    retry: DEFAULT_RETRY,
  });
  // Passes over every insight: bounded by the heartbeat, not by a guess at the data's size.
  const long = proxyActivities<TrainingActivities>({
    taskQueue: queueFor('training'),
    startToCloseTimeout: '6h',
    heartbeatTimeout: '1m',
    retry: DEFAULT_RETRY,
  });
  const report = trackProgress({ stage: 'queued', percent: 0 });
  const { workflowId: jobId, runId } = workflowInfo();

  const pipeline = async (): Promise<TrainingResult> => {
    report({ stage: 'start', percent: 2 });
    const { since } = await quick.beginTrainingRun({ runId, jobId });
    if (input.holdMs) {
      report({ stage: 'hold', percent: 5 });
      await quick.holdForTest({ ms: input.holdMs });
    }
    report({ stage: 'train and evaluate', percent: 10 });
    const candidate = await quick.trainCandidate({ runId, labelWeight: input.labelWeight });
    report({ stage: 'promote', percent: 40, ...candidate });
    const decision = await quick.promoteCandidate({ runId, candidateId: candidate.candidateId, minImprovement: input.minImprovement });
    let reclassified = 0;
    if (decision.promoted) {
      report({ stage: 'reclassify', percent: 50, promoted: true });
      ({ reclassified } = await long.reclassifyInsights({ modelId: candidate.candidateId }));
    }
    report({ stage: 'search index', percent: 70, promoted: decision.promoted });
    const searchIndex = await long.updateSearchIndex();
    report({ stage: 'recommendations', percent: 80, promoted: decision.promoted });
    const { refreshed } = await long.refreshRecommendations({ since });
    report({ stage: 'statistics', percent: 95, promoted: decision.promoted });
    const statistics = await quick.computeStatistics({ runId });
    const result: TrainingResult = {
      candidateModelId: candidate.candidateId,
      activeModelId: decision.promoted ? candidate.candidateId : candidate.activeId,
      promoted: decision.promoted,
      reason: decision.reason,
      candidateAccuracy: candidate.candidateAccuracy,
      activeAccuracy: candidate.activeAccuracy,
      reclassified,
      searchIndex,
      recommendationsRefreshed: refreshed,
      statistics,
    };
    await quick.finishTrainingRun({ runId, status: 'completed', summary: result });
    return result;
  };

  const outcome = await runJob(pipeline, {
    onCancelled: (reason) => quick.finishTrainingRun({ runId, status: 'cancelled', summary: { reason } }),
    onFailed: (error) => quick.finishTrainingRun({ runId, status: 'failed', summary: { error } }),
  });
  report({ stage: outcome.status === 'completed' ? 'done' : 'cancelled', percent: outcome.status === 'completed' ? 100 : 0 });
  return outcome;
}
