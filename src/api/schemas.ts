import { z } from 'zod';
import { ENGLISH_ONLY_ENGINES, RECORDING_LANGUAGES } from '../activities/audio/engines/types';
import { EVENT_TYPES } from '../events';
import { PRIORITY_LEVELS } from './priority';
import { JOB_STATUSES } from '../temporal/search-attributes';
import { JOB_KINDS } from '../workflows/identity';

/**
 * A whole number in a query string or header, written in decimal digits only. z.coerce.number() takes
 * whatever Number() takes, so `limit=0x10` meant 16, `1e1` 10, and ` ` or `+5` passed: refused here.
 */
export function decimalInt(min: number, max = Number.MAX_SAFE_INTEGER) {
  return z
    .string()
    .regex(/^\d{1,15}$/, 'a whole number in decimal digits, such as 20')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));
}

export function insightBodySchema(maxTextChars: number) {
  return z
    .object({
      text: z
        .string()
        .max(maxTextChars, `text is longer than ${maxTextChars} characters`)
        .refine((t) => t.trim().length > 0, 'text must not be empty or whitespace')
        // Symbols, punctuation or invisible characters alone (zero-width spaces) give no stage anything to read.
        .refine((t) => t.trim().length === 0 || /[\p{L}\p{N}]/u.test(t), 'text must contain letters or digits, not only symbols or invisible characters')
        // PostgreSQL text cannot hold NUL; refusing it here is clearer than a failed job later.
        .refine((t) => !t.includes('\u0000'), 'text must not contain NUL (\\u0000) characters'),
      title: z.string().max(500).optional(),
      tags: z.array(z.string().min(1).max(100)).max(50).default([]),
      holdMs: z.number().int().min(0).max(600_000).optional(),
      priority: z.enum(PRIORITY_LEVELS).optional(),
    })
    .strict();
}

export const jobIdParams = z.object({ jobId: z.string().min(1).max(200) });

export const cancelBody = z.object({ reason: z.string().max(500).optional() }).strict().default({});

export const dashboardSeriesQuery = z.object({ minutes: decimalInt(1, 1440).default(60) });

export const retryBody = z.object({}).strict().default({});

export const listJobsQuery = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  kind: z.enum(JOB_KINDS).optional(),
  limit: decimalInt(1, 100).default(20),
  /** `all` (admins only): every user's jobs and the periodic runs. */
  scope: z.enum(['own', 'all']).default('own'),
});

export const insightIdParams = z.object({ insightId: z.uuid('must be an insight id (a UUID)') });

export const searchInsightsQuery = z.object({
  q: z.string().trim().min(1).max(1_000).optional(),
  entity: z.string().trim().min(1).max(200).optional(),
  category: z.string().trim().min(1).max(100).optional(),
  limit: decimalInt(1, 100).default(20),
  offset: decimalInt(0, 10_000).default(0),
});

// A user's own category names are theirs to choose ("birding", "música"): letters or digits first, then also
// spaces and a little punctuation; never control characters.
export const labelBody = z
  .object({
    category: z
      .string()
      .trim()
      .toLowerCase()
      .min(1, 'must not be empty')
      .max(64, 'must be at most 64 characters')
      .regex(/^[^\p{Cc}\p{Cf}]*$/u, 'must not contain control characters')
      .regex(/^[\p{L}\p{N}][\p{L}\p{N}\p{M} _&/.'-]*$/u, "a category name: letters or digits, then also spaces, _ & / . ' or -"),
  })
  .strict();

export const audioFields = z
  .object({
    engine: z.enum(['auto', 'whisper', 'whisper-base', 'pocketsphinx']).optional(),
    language: z.enum(RECORDING_LANGUAGES).default('auto'),
    priority: z.enum(PRIORITY_LEVELS).optional(),
  })
  .strip()
  // Said in one request, an English-only engine and Portuguese contradict each other; SPEECH_ENGINE only picks English's.
  .refine((f) => f.language !== 'pt' || !f.engine || !(ENGLISH_ONLY_ENGINES as readonly string[]).includes(f.engine), {
    path: ['language'],
    message: 'pt needs engine auto or whisper-base: the other engines transcribe English only',
  });

export const audioIdParams = z.object({ audioId: z.uuid('must be an audio id (a UUID)') });

export const webhookBody = z
  .object({
    url: z.url({ protocol: /^https?$/, error: 'must be an http or https URL' }).max(2_000),
    events: z
      .array(z.enum(EVENT_TYPES))
      .min(1)
      .transform((types) => [...new Set(types)])
      .optional(),
  })
  .strict();

export const webhookIdParams = z.object({ webhookId: z.uuid('must be a webhook id (a UUID)') });

export const deliveriesQuery = z.object({ limit: decimalInt(1, 100).default(20) });

export const eventsQuery = z.object({
  after: decimalInt(0).default(0),
  limit: decimalInt(1, 100).default(50),
});

/** A reconnecting EventSource sends the id of the last event it received. */
export const eventStreamHeaders = z.object({ 'last-event-id': decimalInt(0).optional() });

export const scheduleIdParams = z.object({
  scheduleId: z.string().regex(/^[a-z0-9-]{1,200}$/, 'a schedule id such as maintenance-backup (see GET /api/schedules)'),
});

export const scheduleNoteBody = z.object({ note: z.string().trim().min(1).max(500).optional() }).strict().default({});

export const listReportsQuery = z.object({ limit: decimalInt(1, 100).default(20) });

export const trainingRunBody = z
  .object({
    /** Overrides TRAINING_MIN_IMPROVEMENT for this run. */
    minImprovement: z.number().min(-1).max(1).optional(),
    holdMs: z.number().int().min(0).max(600_000).optional(),
  })
  .strict()
  .default({});

export const listModelsQuery = z.object({ limit: decimalInt(1, 100).default(20) });
