import http from 'node:http';
import https from 'node:https';
import { guardedLookup, literalRefusal, RefusedTarget, type TargetPolicy } from '../../webhook-target';
import { signWebhook } from './signature';

export interface WebhookRequest {
  url: string;
  secret: string;
  body: string;
  eventType: string;
  deliveryId: string;
  timeoutMs: number;
  policy: TargetPolicy;
}

export type WebhookOutcome =
  | { delivered: true; httpStatus: number }
  | { delivered: false; retryable: boolean; httpStatus?: number; error: string; retryAfterMs?: number };

const USER_AGENT = 'InsightTracker-Webhooks/1';

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
 * get the same answer, so these are not retried. Only the status is kept: the receiver's body never reaches
 * the delivery log, which the webhook's owner reads (the receiver may be someone else's server).
 */
export function classifyResponse(status: number, retryAfter: string | null, now = Date.now()): WebhookOutcome {
  if (status >= 200 && status < 300) return { delivered: true, httpStatus: status };
  const error = `HTTP ${status}`;
  if (status === 408 || status === 429 || status >= 500) {
    return { delivered: false, retryable: true, httpStatus: status, error, retryAfterMs: parseRetryAfter(retryAfter, now) };
  }
  return { delivered: false, retryable: false, httpStatus: status, error };
}

/**
 * POSTs one signed delivery and says how it went; network failures and timeouts are retryable, a target the
 * policy refuses (checked on the address dialled) is not. node:http rather than fetch: it takes a `lookup`, so
 * the address check sits between the name resolution and the connect.
 */
export async function postWebhook(req: WebhookRequest): Promise<WebhookOutcome> {
  const literal = literalRefusal(req.url, req.policy);
  if (literal) return { delivered: false, retryable: false, error: `refused target: ${literal}` };
  const timestamp = Math.floor(Date.now() / 1000);
  const url = new URL(req.url);
  const send = url.protocol === 'https:' ? https.request : http.request;
  try {
    return await new Promise<WebhookOutcome>((resolve, reject) => {
      const request = send(url, {
        method: 'POST',
        lookup: guardedLookup(req.policy),
        // A fresh connection per delivery: a pooled socket would skip the lookup, and with it the check.
        agent: false,
        signal: AbortSignal.timeout(req.timeoutMs),
        headers: {
          'content-type': 'application/json',
          'content-length': Buffer.byteLength(req.body),
          'user-agent': USER_AGENT,
          'x-insight-event': req.eventType,
          'x-insight-delivery': req.deliveryId,
          'x-insight-timestamp': String(timestamp),
          'x-insight-signature': signWebhook(req.secret, timestamp, req.body),
        },
      });
      request.once('response', (res) => {
        const retryAfter = res.headers['retry-after'];
        resolve(classifyResponse(res.statusCode ?? 0, typeof retryAfter === 'string' ? retryAfter : null));
        // The body is never read; destroying the socket frees it at once.
        request.destroy();
      });
      request.once('error', reject);
      request.end(req.body);
    });
  } catch (err) {
    const e = err as Error & { code?: string };
    if (e instanceof RefusedTarget) return { delivered: false, retryable: false, error: e.message };
    const error = e.name === 'TimeoutError' || e.name === 'AbortError' ? `no answer within ${req.timeoutMs / 1000} s` : e.message;
    return { delivered: false, retryable: true, error };
  }
}
