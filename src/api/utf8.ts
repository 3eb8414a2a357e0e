import { isUtf8 } from 'node:buffer';
import type { IncomingMessage } from 'node:http';
import { HttpError } from './errors';

/**
 * body-parser's `verify` hook for JSON bodies. The parser decodes invalid UTF-8 into U+FFFD without a
 * word, so a client's encoding bug would be stored as mangled text; refuse the body instead (400). A body
 * declared in another charset (utf-16…) is left to the parser.
 */
export function requireUtf8(req: IncomingMessage, _res: unknown, body: Buffer): void {
  const charset = /;\s*charset=["']?([^;"'\s]+)/i.exec(req.headers['content-type'] ?? '')?.[1]?.toLowerCase();
  if ((charset === undefined || charset === 'utf-8' || charset === 'utf8') && !isUtf8(body)) {
    throw new HttpError(400, 'invalid_request', 'body: not valid UTF-8; send JSON encoded as UTF-8', {
      fields: [{ field: 'body', message: 'not valid UTF-8' }],
    });
  }
}
