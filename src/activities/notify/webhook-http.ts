import { signWebhook } from './signature';

export interface WebhookRequest {
  url: string;
  secret: string;
  body: string;
  eventType: string;
  deliveryId: string;
  timeoutMs: number;
}

export type WebhookOutcome =
  | { delivered: true; httpStatus: number }
  | { delivered: false; retryable: boolean; httpStatus?: number; error: string; retryAfterMs?: number };

const USER_AGENT = 'InsightTracker-Webhooks/1';
const SNIPPET_BYTES = 300;

/** Retry-After is either seconds or an HTTP date. */
export function parseRetryAfter(value: string | null, now = Date.now()): number | undefined {
  if (!value) return undefined;
  const trimmed = value.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/**
 * What an answer means for the delivery. 2xx delivered. 408, 429 and 5xx are the receiver's passing
 * trouble: retried. Any other 4xx says the request itself is refused, and a 3xx that the URL moved (redirects
 * are not followed, so a delivery never lands somewhere the user did not register): the same request would
 * get the same answer, so these are not retried.
 */
export function classifyResponse(status: number, retryAfter: string | null, snippet: string, now = Date.now()): WebhookOutcome {
  if (status >= 200 && status < 300) return { delivered: true, httpStatus: status };
  const error = `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  if (status === 408 || status === 429 || status >= 500) {
    return { delivered: false, retryable: true, httpStatus: status, error, retryAfterMs: parseRetryAfter(retryAfter, now) };
  }
  return { delivered: false, retryable: false, httpStatus: status, error };
}

/** The start of an error's body, for the delivery log; the rest is never read. */
async function snippetOf(res: Response): Promise<string> {
  if (!res.body) return '';
  const reader = res.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    while (size < SNIPPET_BYTES) {
      const { done, value } = await reader.read();
      if (done) break;
      chunks.push(value);
      size += value.length;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
  return Buffer.concat(chunks).toString('utf8', 0, Math.min(size, SNIPPET_BYTES)).replace(/\s+/g, ' ').trim();
}

/** POSTs one signed delivery and says how it went; network failures and timeouts are retryable. */
export async function postWebhook(req: WebhookRequest): Promise<WebhookOutcome> {
  const timestamp = Math.floor(Date.now() / 1000);
  let res: Response;
  try {
    res = await fetch(req.url, {
      method: 'POST',
      redirect: 'manual',
      signal: AbortSignal.timeout(req.timeoutMs),
      headers: {
        'content-type': 'application/json',
        'user-agent': USER_AGENT,
        'x-insight-event': req.eventType,
        'x-insight-delivery': req.deliveryId,
        'x-insight-timestamp': String(timestamp),
        'x-insight-signature': signWebhook(req.secret, timestamp, req.body),
      },
      body: req.body,
    });
  } catch (err) {
    const e = err as Error & { cause?: { message?: string } };
    const error = e.name === 'TimeoutError' ? `no answer within ${req.timeoutMs / 1000} s` : [e.message, e.cause?.message].filter(Boolean).join(': ');
    return { delivered: false, retryable: true, error };
  }
  // A body cut short by the timeout leaves the status, which is what counts.
  const snippet = res.ok ? '' : await snippetOf(res).catch(() => '');
  if (res.ok) await res.body?.cancel().catch(() => undefined);
  return classifyResponse(res.status, res.headers.get('retry-after'), snippet);
}
