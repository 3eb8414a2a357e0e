import { z } from 'zod';

// Request schemas of the entity, recommendation and statistics routes (issue 12).

export const entitySearchQuery = z.object({
  // An empty search box (`?q=`) lists every entity, as no `q` does.
  q: z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().max(200, 'must be at most 200 characters').optional()),
  limit: z.coerce.number().int().min(1).max(100).default(20),
});

export const entityKeyParams = z.object({
  key: z
    .string()
    .min(3)
    .max(300)
    .regex(/^[a-z]+:.+$/, 'an entity key such as "organization:acme corp" (type, colon, name)'),
});

export const recommendationsQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) });
