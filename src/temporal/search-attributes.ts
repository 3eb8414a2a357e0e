import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** Custom search attributes every job carries; the dev server registers them at start. */
export const USER_ID = defineSearchAttributeKey('UserId', SearchAttributeType.KEYWORD);
export const JOB_KIND = defineSearchAttributeKey('JobKind', SearchAttributeType.KEYWORD);
/** The job's own view of its state (queued until the workflow first runs), so listing by status is one query. */
export const JOB_STATUS = defineSearchAttributeKey('JobStatus', SearchAttributeType.KEYWORD);

export const CUSTOM_SEARCH_ATTRIBUTES = [USER_ID, JOB_KIND, JOB_STATUS];

export const JOB_STATUSES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Set by Temporal on every workflow a schedule starts: the time the run was due (built in, not registered). */
export const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);
/** Set by Temporal on every workflow a schedule starts: the schedule's id. */
export const SCHEDULE_ID = defineSearchAttributeKey('TemporalScheduledById', SearchAttributeType.KEYWORD);
