import type { QueueKind } from '../config';
import { getDb } from '../db';
import * as nlp from './nlp';
import { activeClassifier } from './nlp/classifier-store';
import { closeNlpPool, nlpPool } from './nlp/compute';
import { holdForTest } from './test-hold';

/** Which activities each queue's worker runs. Workflows import the types only. */
export const activitiesByQueue = {
  nlp: { ...nlp, holdForTest },
  audio: { holdForTest },
  training: {},
  maintenance: {},
  notify: {},
} satisfies Record<QueueKind, object>;

export type NlpActivities = typeof activitiesByQueue.nlp;

/**
 * Loads what a queue's activities need before its worker polls, so the first task pays no cold start:
 * for nlp, the thread pool's models and the active classifier (trained here on a first start).
 */
export async function warmUp(kinds: readonly QueueKind[]): Promise<void> {
  if (kinds.includes('nlp')) await Promise.all([nlpPool(), getDb().then(activeClassifier)]);
}

/** Releases what activities hold beyond a task (threads, child processes); call after workers stop. */
export async function releaseActivityResources(): Promise<void> {
  await closeNlpPool();
}
