import type { QueueKind } from '../config';
import * as nlp from './nlp';
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
