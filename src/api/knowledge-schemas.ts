import { z } from 'zod';

// Request schemas of the entity, recommendation and statistics routes (issue 12).

export const entitySearchQuery = z.object({
  q: z.string().trim().min(1, 'must not be empty').max(200).optional(),
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
