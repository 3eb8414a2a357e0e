import '../support/strict-edges';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { issueStreamToken, streamTokenSecret } from '../../src/api/stream-tokens';
import { startStack, type TestStack } from '../support/stack';

// No workers: jobs stay running, which is all the stream routes need here.
let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: [] });
});
after(() => stack?.stop());

async function streamStatus(route: string): Promise<{ status: number; type: string | null; body: string }> {
  const abort = new AbortController();
  const res = await fetch(`${stack.baseUrl}${route}`, { signal: abort.signal });
  const type = res.headers.get('content-type');
  const body = res.status === 200 ? '' : await res.text();
  abort.abort();
  return { status: res.status, type, body };
}

const tokenFor = async (apiKey: string) => {
  const res = await fetch(`${stack.baseUrl}/api/stream-tokens`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}` } });
  assert.equal(res.status, 201);
  return (await res.json()) as { token: string; expiresAt: string };
};

describe('stream tokens', () => {
  let jobId: string;
  let token: string;
  before(async () => {
    const job = await stack.call('POST', '/api/insights', { text: 'A job to watch.' });
    assert.equal(job.status, 202);
    jobId = job.body.jobId;
    const grant = await tokenFor(stack.apiKey);
    token = grant.token;
    const ttl = Date.parse(grant.expiresAt) - Date.now();
    assert.ok(ttl > 590_000 && ttl <= 600_000, `valid for 10 minutes, got ${ttl} ms`);
  });

  it('opens both streams with ?token=', async () => {
    const job = await streamStatus(`/api/jobs/${jobId}/events?token=${encodeURIComponent(token)}`);
    assert.equal(job.status, 200, job.body);
    assert.match(job.type ?? '', /text\/event-stream/);
    const events = await streamStatus(`/api/events/stream?token=${encodeURIComponent(token)}`);
    assert.equal(events.status, 200, events.body);
  });

  it('is refused by every other route', async () => {
    for (const route of [`/api/jobs/${jobId}`, '/api/jobs', '/api/insights', '/api/events']) {
      const res = await fetch(`${stack.baseUrl}${route}?token=${encodeURIComponent(token)}`);
      assert.equal(res.status, 401, route);
    }
    const mint = await fetch(`${stack.baseUrl}/api/stream-tokens?token=${encodeURIComponent(token)}`, { method: 'POST' });
    assert.equal(mint.status, 401, 'a token cannot mint tokens');
  });

  it('answers 401 and nothing more to a forged, malformed, expired, revoked or other user\'s token', async () => {
    const [payload, signature] = token.split('.');
    const other = await stack.newUser();
    const secret = await streamTokenSecret(stack.db, undefined);
    const otherPayload = Buffer.from(JSON.stringify({ u: other.userId, k: other.keyId, e: Date.now() + 60_000 })).toString('base64url');
    const flipped = signature.slice(0, -2) + (signature.at(-2) === 'A' ? 'B' : 'A') + signature.at(-1);
    const bad = [
      `${payload}.${flipped}`,
      `${otherPayload}.${signature}`,
      'garbage',
      '',
      `${payload}.`,
      'a'.repeat(5000),
      issueStreamToken(secret, { userId: stack.userId, keyId: stack.keyId, exp: Date.now() - 1 }),
      issueStreamToken(Buffer.from('some-other-secret-of-enough-length!!'), { userId: stack.userId, keyId: stack.keyId, exp: Date.now() + 60_000 }),
      (await tokenFor(other.apiKey)).token,
    ];
    for (const t of bad) {
      const res = await streamStatus(`/api/jobs/${jobId}/events?token=${encodeURIComponent(t)}`);
      assert.equal(res.status, 401, t.slice(0, 80));
      assert.deepEqual(JSON.parse(res.body), { error: { code: 'unauthorized', message: 'invalid stream token', details: null } });
    }
    const twice = await streamStatus(`/api/events/stream?token=${encodeURIComponent(token)}&token=${encodeURIComponent(token)}`);
    assert.equal(twice.status, 401);

    // A revoked key takes its tokens with it.
    const doomed = await stack.newUser();
    const doomedToken = (await tokenFor(doomed.apiKey)).token;
    assert.equal((await streamStatus(`/api/events/stream?token=${encodeURIComponent(doomedToken)}`)).status, 200);
    await stack.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [doomed.keyId]);
    assert.equal((await streamStatus(`/api/events/stream?token=${encodeURIComponent(doomedToken)}`)).status, 401);
  });

  it('signs with one secret kept in the database, the same for every process', async () => {
    const rows = await stack.db.query<{ secret: string }>("SELECT secret FROM server_secrets WHERE name = 'stream-token'");
    assert.equal(rows.length, 1);
    assert.deepEqual(await streamTokenSecret(stack.db, undefined), Buffer.from(rows[0].secret));
  });
});

describe('CORS', () => {
  const preflight = (origin: string) =>
    fetch(`${stack.baseUrl}/api/stream-tokens`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' },
    });
  const corsHeaders = (res: Response) => [...res.headers.keys()].filter((h) => h.startsWith('access-control-'));

  it('answers a preflight from an allowed origin', async () => {
    const res = await preflight('https://admin.example.com');
    assert.equal(res.status, 204);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://admin.example.com');
    assert.match(res.headers.get('access-control-allow-methods') ?? '', /POST/);
    assert.match(res.headers.get('access-control-allow-headers') ?? '', /authorization/);
  });

  it('allows the origin on a real request', async () => {
    const res = await fetch(`${stack.baseUrl}/api/jobs`, { headers: { origin: 'https://app.example.com', authorization: `Bearer ${stack.apiKey}` } });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('access-control-allow-origin'), 'https://app.example.com');
  });

  it('gives an unknown origin no CORS header at all, preflight or not', async () => {
    for (const origin of ['https://evil.example.com', 'https://app.example.com.evil.test', 'null']) {
      assert.deepEqual(corsHeaders(await preflight(origin)), [], origin);
      const res = await fetch(`${stack.baseUrl}/api/jobs`, { headers: { origin, authorization: `Bearer ${stack.apiKey}` } });
      assert.equal(res.status, 200);
      assert.deepEqual(corsHeaders(res), [], origin);
    }
  });
});

describe('METRICS_TOKEN', () => {
  it('makes /metrics ask for the bearer token', async () => {
    assert.equal((await fetch(`${stack.baseUrl}/metrics`)).status, 401);
    assert.equal((await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: 'Bearer wrong' } })).status, 401);
    assert.equal((await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: `Bearer ${stack.apiKey}` } })).status, 401, 'an API key is not the metrics token');
    const ok = await fetch(`${stack.baseUrl}/metrics`, { headers: { authorization: 'Bearer metrics-secret-token' } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /^# (HELP|TYPE) /m);
  });
});

describe('request bucket beside the job bucket', () => {
  it('limits jobs with the job bucket while other POSTs still pass', async () => {
    const user = await stack.newUser();
    for (let i = 0; i < 2; i++) assert.equal((await stack.call('POST', '/api/insights', { text: `job ${i}` }, user.apiKey)).status, 202);
    const third = await stack.call('POST', '/api/insights', { text: 'job 2' }, user.apiKey);
    assert.equal(third.status, 429);
    assert.match(third.body.error.message, /^too many jobs/);
    const hook = await stack.call('POST', '/api/webhooks', { url: 'https://93.184.216.34/hook' }, user.apiKey);
    assert.equal(hook.status, 201, 'the request bucket is separate and higher');
  });

  it('limits search, webhook creation and every other POST per user, and leaves plain reads and other users alone', async () => {
    const user = await stack.newUser();
    const statuses: number[] = [];
    for (let i = 0; i < 8; i++) {
      const route = i % 2 === 0 ? '/api/insights?q=acme' : '/api/stream-tokens';
      statuses.push((await stack.call(i % 2 === 0 ? 'GET' : 'POST', route, undefined, user.apiKey)).status);
    }
    assert.deepEqual(statuses, [200, 201, 200, 201, 200, 201, 200, 201]);
    const search = await stack.call('GET', '/api/insights?q=acme', undefined, user.apiKey);
    assert.equal(search.status, 429);
    assert.match(search.body.error.message, /^too many requests/);
    assert.equal((await stack.call('POST', '/api/webhooks', { url: 'https://93.184.216.34/hook' }, user.apiKey)).status, 429);
    assert.equal((await stack.call('DELETE', '/api/webhooks/6f1c2d3e-0000-4000-8000-000000000000', undefined, user.apiKey)).status, 429);
    assert.equal((await stack.call('GET', '/api/jobs', undefined, user.apiKey)).status, 200, 'plain reads are not in this bucket');
    const other = await stack.newUser();
    assert.equal((await stack.call('GET', '/api/insights?q=acme', undefined, other.apiKey)).status, 200);
  });
});

describe('cases the fuzz test found', () => {
  it('answers a HEAD on a stream with its headers and ends it (it used to hang)', async () => {
    for (const route of ['/api/events/stream', `/api/jobs/${'0'.repeat(8)}/events`]) {
      const res = await fetch(`${stack.baseUrl}${route}`, { method: 'HEAD', headers: { authorization: `Bearer ${stack.apiKey}` }, signal: AbortSignal.timeout(5_000) });
      assert.ok(res.status === 200 || res.status === 404, `${route}: ${res.status}`);
    }
  });

  it('answers 400 to a multipart upload without a boundary or cut short, and stays up (a cut-short form used to crash the process)', async () => {
    // A fresh user for each: this file's job bucket holds two.
    const post = async (contentType: string, body: string) => {
      const user = await stack.newUser();
      return fetch(`${stack.baseUrl}/api/audio`, { method: 'POST', headers: { authorization: `Bearer ${user.apiKey}`, 'content-type': contentType }, body });
    };
    const noBoundary = await post('multipart/form-data', '');
    assert.equal(noBoundary.status, 400);
    assert.equal(((await noBoundary.json()) as any).error.details.fields[0].field, 'headers.content-type');
    const part = (name: string, file: string, type: string) => `--b\r\nContent-Disposition: form-data; name="${name}"; filename="${file}"\r\nContent-Type: ${type}\r\n\r\nbytes`;
    for (const body of [part('file', 'a.txt', 'text/plain'), part('other', 'a.wav', 'audio/wav'), part('file', 'a.wav', 'audio/wav')]) {
      const res = await post('multipart/form-data; boundary=b', body);
      assert.ok(res.status === 400 || res.status === 415, `${res.status}`);
    }
    assert.equal((await fetch(`${stack.baseUrl}/healthz`)).status, 200);
  });
});
