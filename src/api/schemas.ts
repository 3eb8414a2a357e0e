import { z } from 'zod';
import { JOB_STATUSES } from '../temporal/search-attributes';

export function insightBodySchema(maxTextChars: number) {
  return z
    .object({
      text: z
        .string()
        .max(maxTextChars, `text is longer than ${maxTextChars} characters`)
        .refine((t) => t.trim().length > 0, 'text must not be empty or whitespace'),
      title: z.string().max(500).optional(),
      tags: z.array(z.string().min(1).max(100)).max(50).default([]),
      holdMs: z.number().int().min(0).max(600_000).optional(),
    })
    .strict();
}

export const jobIdParams = z.object({ jobId: z.string().min(1).max(200) });

export const cancelBody = z.object({ reason: z.string().max(500).optional() }).strict().default({});

export const listJobsQuery = z.object({
  status: z.enum(JOB_STATUSES).optional(),
  kind: z.enum(['insight', 'audio', 'training', 'maintenance', 'report']).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});
