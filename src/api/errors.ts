import type { ErrorRequestHandler, RequestHandler } from 'express';
import { type z } from 'zod';

/** The one error shape every route answers with: { error: { code, message, details } }. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: unknown = undefined,
  ) {
    super(message);
  }
}

export const notFound = (what: string) => new HttpError(404, 'not_found', `${what} not found`);

/** Parses with zod; a failure becomes a 400 naming every bad field. */
export function parse<S extends z.ZodType>(schema: S, value: unknown, where: 'body' | 'query' | 'params' | 'headers'): z.infer<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const fields = result.error.issues.map((issue) => ({
    field: [where, ...issue.path].join('.'),
    message: issue.message,
  }));
  throw new HttpError(400, 'invalid_request', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });
}

export const unknownRoute: RequestHandler = (req, _res, next) => next(new HttpError(404, 'not_found', `no route for ${req.method} ${req.path}`));

export function errorHandler(log: { error: (obj: object, msg: string) => void }): ErrorRequestHandler {
  return (err, req, res, _next) => {
    if (err instanceof HttpError) {
      res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details ?? null } });
      return;
    }
    // body-parser's own errors (bad JSON, too large) carry a 4xx status and a type.
    const status = typeof err?.status === 'number' && err.status >= 400 && err.status < 500 ? err.status : 500;
    if (status < 500) {
      const code = err.type === 'entity.too.large' ? 'payload_too_large' : 'invalid_request';
      res.status(status).json({ error: { code, message: err.message, details: null } });
      return;
    }
    log.error({ err, requestId: req.id }, 'unhandled error in request');
    res.status(500).json({ error: { code: 'internal', message: 'internal error', details: { requestId: req.id } } });
  };
}
