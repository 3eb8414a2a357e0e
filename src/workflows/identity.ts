import { defineQuery, defineSignal } from '@temporalio/workflow';

/**
 * How jobs and queues are named, and the messages every job answers: one workflow-safe module (no Node
 * built-ins, no config), shared by the workflows, the API, the workers and the schedules, so that an id
 * built in one place is the id looked up in another.
 */

export const QUEUE_KINDS = ['nlp', 'audio', 'training', 'maintenance', 'notify'] as const;
export type QueueKind = (typeof QUEUE_KINDS)[number];

/** The values of the JobKind search attribute, which `GET /api/jobs?kind=` filters on. */
export const JOB_KINDS = ['insight', 'audio', 'training', 'maintenance', 'report'] as const;
export type JobKind = (typeof JOB_KINDS)[number];

/** TASK_QUEUE_PREFIX applied to a queue, schedule or singleton job name (`staging` → `staging-nlp`). */
export function prefixed(prefix: string, name: string): string {
  return prefix ? `${prefix}-${name}` : name;
}

/** The prefix a prefixed queue name was built with: everything before its last dash. */
export function prefixOf(queue: string): string {
  const dash = queue.lastIndexOf('-');
  return dash === -1 ? '' : queue.slice(0, dash);
}

/**
 * The worker-specific audio queue of one host (its DATA_DIR): the chunk work of a recording runs there, where its
 * chunks are. Only activities run on it, so no workflow derives its prefix from it.
 */
export const audioHostQueueName = (prefix: string, hostId: string) => prefixed(prefix, `audio-host-${hostId}`);

/** An insight's job is its workflow: one id per insight, whoever starts it (the API, the audio workflow). */
export const insightJobId = (insightId: string) => `insight-${insightId}`;
export const audioJobId = (audioId: string) => `audio-${audioId}`;
/** The one id of training runs started through the API: at most one of them runs at a time. */
export const trainingJobId = (prefix: string) => prefixed(prefix, 'training');
/** One delivery workflow per event, so a replayed start cannot send it twice. */
export const eventDeliveryJobId = (type: string, subjectId: string) => `notify-${type}-${subjectId}`;
export const digestJobId = (userId: string) => `digest-${userId}`;
/** One re-embedding run at a time per embedding model. */
export const reembedJobId = (prefix: string, model: string) => prefixed(prefix, `reembed-${model}`);

export interface JobProgress {
  stage: string;
  percent: number;
  [detail: string]: unknown;
}

export const progressQuery = defineQuery<JobProgress>('progress');
export const cancelSignal = defineSignal<[reason?: string]>('cancel');
