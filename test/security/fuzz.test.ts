import '../support/fuzz-env';
import '../support/env';
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { config } from '../../src/config';
import { createUser } from '../../src/users';
import { startStack, waitFor, type TestStack } from '../support/stack';

const RUNS = Number(process.env.FUZZ_RUNS ?? 1000);

let stack: TestStack;
let fuzzer: { apiKey: string };
let fuzzAdmin: { apiKey: string };
let revokedKey: string;
const owned = { insightIds: [] as string[], jobIds: [] as string[] };

interface Snapshot {
  rows: unknown;
  views: unknown[];
}

async function snapshot(): Promise<Snapshot> {
  const rows = await stack.db.query('SELECT * FROM insights WHERE user_id = $1 ORDER BY id', [stack.userId]);
  const views: unknown[] = [];
  for (const id of owned.insightIds) views.push((await stack.call('GET', `/api/insights/${id}`)).body);
  for (const id of owned.jobIds) {
    const { body } = await stack.call('GET', `/api/jobs/${id}`);
    views.push({ jobId: body.jobId, kind: body.kind, status: body.status, result: body.result });
  }
  return { rows, views };
}

before(async () => {
  stack = await startStack({ queues: ['nlp'] });
  assert.equal(config().security.webhooks.allowPrivate, false, 'test/support/fuzz-env.ts was read');
  // The stored data belongs to the stack's user; the fuzzer's valid keys are other users' (one an admin),
  // so a change to the stored data can only come from a bug, not from a request allowed to make it.
  fuzzer = await createUser(stack.db, `fuzzer-${Date.now()}`);
  fuzzAdmin = await createUser(stack.db, `fuzz-admin-${Date.now()}`, { admin: true });
  const revoked = await createUser(stack.db, `revoked-${Date.now()}`);
  await stack.db.query('UPDATE api_keys SET revoked_at = now() WHERE id = $1', [revoked.keyId]);
  revokedKey = revoked.apiKey;
  for (const text of ['Acme Corp opened an office in Paris on 3 March 2025.', 'Globex hired Jane Smith as CFO; revenue grew 12%.']) {
    const { status, body } = await stack.call('POST', '/api/insights', { text });
    assert.equal(status, 202);
    owned.insightIds.push(body.insightId);
    owned.jobIds.push(body.jobId);
  }
  for (const jobId of owned.jobIds) {
    await waitFor(async () => ((await stack.call('GET', `/api/jobs/${jobId}`)).body.status === 'completed' ? true : undefined), 60_000, jobId);
  }
});
after(() => stack?.stop());

// ---- generators ----------------------------------------------------------------------------------------------

const UUID_LIKE = fc.oneof(fc.uuid(), fc.constantFrom('00000000-0000-0000-0000-000000000000', 'not-a-uuid', '%00', '..', '', 'x'.repeat(300)));
/** Route templates with their ids filled in: the stored data's own ids too, as another user's attempts. */
const segment = () =>
  fc.oneof(
    UUID_LIKE,
    fc.constantFrom(...owned.insightIds, ...owned.jobIds),
    fc.string({ maxLength: 40, unit: 'binary' }).map(encodeURIComponent),
    fc.constantFrom('%2e%2e', '%2e%2e%2f%2e%2e', '%ZZ', '%', '..%2f..%2fetc%2fpasswd', '%c0%ae', '%u2215', 'cleanup', 'nightly', 'backup', 'dev'),
  );

const PATHS: ((id: string) => string)[] = [
  () => '/api/insights',
  (id) => `/api/insights/${id}`,
  (id) => `/api/insights/${id}/labels`,
  () => '/api/jobs',
  (id) => `/api/jobs/${id}`,
  (id) => `/api/jobs/${id}/events`,
  (id) => `/api/jobs/${id}/cancel`,
  (id) => `/api/jobs/${id}/retry`,
  () => '/api/audio',
  (id) => `/api/audio/${id}`,
  () => '/api/webhooks',
  (id) => `/api/webhooks/${id}`,
  (id) => `/api/webhooks/${id}/deliveries`,
  () => '/api/events',
  () => '/api/events/stream',
  () => '/api/alerts',
  () => '/api/schedules',
  (id) => `/api/schedules/${id}`,
  (id) => `/api/schedules/${id}/trigger`,
  (id) => `/api/schedules/${id}/pause`,
  () => '/api/reports',
  () => '/api/models',
  () => '/api/training/runs',
  () => '/api/stream-tokens',
  () => '/api/admin/users',
  (id) => `/api/admin/users/${id}/keys`,
  (id) => `/api/admin/users/${id}`,
  (id) => `/api/admin/keys/${id}`,
  () => '/metrics',
  () => '/dashboard',
  () => '/api/dashboard/series',
  (id) => `/dashboard/vendor/uplot/${id}`,
  () => '/healthz',
  (id) => `/api/../api/jobs/${id}`,
  (id) => `//api//insights//${id}`,
  (id) => `/api/%2e%2e/jobs/${id}`,
  () => `/api/${'a/'.repeat(500)}`,
];

const hugeString = fc.constantFrom('x'.repeat(250_000), '🙂'.repeat(60_000), 'a\u0000b'.repeat(1000), '\u202e'.repeat(5000));
const oddString = fc.oneof(fc.string({ maxLength: 200, unit: 'binary' }), fc.string({ maxLength: 50, unit: 'grapheme' }), hugeString);
const oddValue = fc.oneof(oddString, fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.array(fc.string(), { maxLength: 5 }), fc.object({ maxDepth: 2 }));

const query = fc.oneof(
  fc.constant(''),
  fc
    .array(
      fc.tuple(
        fc.constantFrom('q', 'limit', 'after', 'status', 'kind', 'token', 'tag', 'cursor', 'q[]', '__proto__', 'constructor[prototype]', 'a'.repeat(100)),
        fc.oneof(oddString.map((s) => s.slice(0, 2000)), fc.constantFrom('-1', '0', '1e9', '0x10', 'NaN', '', '9'.repeat(400))),
      ),
      { maxLength: 4 },
    )
    .map((pairs) => `?${pairs.map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(v)}`).join('&')}`),
  fc.constantFrom('?q=%ZZ', '?limit=%', '?&&&=', '?q=a&q=b', '?token=a.b', `?q=${'%F0%9F'.repeat(100)}`),
);

type Body = { contentType?: string; data?: Buffer };
const json = (v: unknown): Body => ({ contentType: 'application/json', data: Buffer.from(JSON.stringify(v) ?? 'null') });
const wellFormedish = fc.oneof(
  fc.record({ text: oddValue, title: fc.option(oddValue), tags: fc.option(oddValue), priority: fc.option(oddValue), holdMs: fc.option(oddValue) }, { requiredKeys: [] }),
  fc.record({ url: fc.oneof(oddString, fc.constantFrom('http://127.0.0.1/', 'http://[::1]/', 'http://169.254.169.254/', 'file:///etc/passwd', 'http://localhost:3000/api', 'https://93.184.216.34/x')), events: fc.option(oddValue) }, { requiredKeys: [] }),
  fc.record({ name: oddValue, admin: fc.option(oddValue) }, { requiredKeys: [] }),
  fc.record({ label: oddValue, minImprovement: fc.option(oddValue) }, { requiredKeys: [] }),
);
const boundary = 'fuzzboundary';
const multipart = fc
  .tuple(
    fc.constantFrom('file', 'other', '', '"'),
    fc.constantFrom('a.wav', 'a.txt', '../../x.wav', '', 'é.mp3', 'a'.repeat(500) + '.wav'),
    fc.constantFrom('audio/wav', 'text/plain', '', 'audio/'),
    fc.uint8Array({ maxLength: 2000 }),
    fc.constantFrom('complete', 'no-end', 'no-headers-end', 'wrong-boundary', 'garbage', 'two-files', 'empty'),
  )
  .map(([field, filename, type, bytes, shape]): Body => {
    const head = `--${boundary}\r\nContent-Disposition: form-data; name="${field}"; filename="${filename}"\r\n${type ? `Content-Type: ${type}\r\n` : ''}`;
    const part = Buffer.concat([Buffer.from(`${head}\r\n`), Buffer.from(bytes), Buffer.from('\r\n')]);
    const end = Buffer.from(`--${boundary}--\r\n`);
    const ct = `multipart/form-data; boundary=${boundary}`;
    switch (shape) {
      case 'complete':
        return { contentType: ct, data: Buffer.concat([part, end]) };
      case 'no-end':
        return { contentType: ct, data: part };
      case 'no-headers-end':
        return { contentType: ct, data: Buffer.from(head) };
      case 'wrong-boundary':
        return { contentType: 'multipart/form-data; boundary=other', data: Buffer.concat([part, end]) };
      case 'garbage':
        return { contentType: ct, data: Buffer.from(bytes) };
      case 'two-files':
        return { contentType: ct, data: Buffer.concat([part, part, end]) };
      default:
        return { contentType: 'multipart/form-data', data: Buffer.alloc(0) };
    }
  });
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.constant({}),
  wellFormedish.map(json),
  oddValue.map(json),
  fc.constantFrom('{', '{"text":', '[1,2', '{"a":1}}', 'nul', '\u0000', '{"__proto__":{"admin":true}}', '"' + 'x'.repeat(2_000_000) + '"').map((s) => ({ contentType: 'application/json', data: Buffer.from(s) })),
  fc.uint8Array({ maxLength: 500 }).map((b) => ({ contentType: 'application/json', data: Buffer.from(b) })),
  fc.tuple(fc.constantFrom('text/plain', 'application/x-www-form-urlencoded', 'application/json; charset=utf-16', 'application/json; charset=bogus', 'image/png', ''), oddString).map(([contentType, s]) => ({ contentType, data: Buffer.from(s) })),
  multipart,
);

type Auth = 'none' | 'fuzzer' | 'admin' | 'revoked' | 'garbage' | 'basic' | 'bearer-empty' | 'huge' | 'ownerish';
const auth = fc.constantFrom<Auth>('none', 'fuzzer', 'fuzzer', 'fuzzer', 'admin', 'revoked', 'garbage', 'basic', 'bearer-empty', 'huge', 'ownerish');
function authHeader(a: Auth): string | undefined {
  switch (a) {
    case 'none':
      return undefined;
    case 'fuzzer':
      return `Bearer ${fuzzer.apiKey}`;
    case 'admin':
      return `Bearer ${fuzzAdmin.apiKey}`;
    case 'revoked':
      return `Bearer ${revokedKey}`;
    case 'garbage':
      return 'Bearer itk_garbage';
    case 'basic':
      return 'Basic dXNlcjpwYXNz';
    case 'bearer-empty':
      return 'Bearer ';
    case 'huge':
      return `Bearer ${'k'.repeat(8000)}`;
    default:
      // The stored data's owner's key with a character added: must not pass for it.
      return `Bearer ${stack.apiKey}x`;
  }
}

/** Built once the stored data exists, so its ids are among the path segments. */
const requestArb = () =>
  fc.record({
  method: fc.constantFrom('GET', 'GET', 'POST', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'HEAD'),
  path: fc.tuple(fc.nat({ max: PATHS.length - 1 }), segment()).map(([i, id]) => PATHS[i](id)),
  query,
  body,
  auth,
  extra: fc.constantFrom<Record<string, string>>({}, { 'last-event-id': '-1' }, { 'last-event-id': 'x'.repeat(100) }, { origin: 'https://evil.example' }, { 'content-encoding': 'gzip' }, { 'x-request-id': '' }),
});

// ---- sending ----------------------------------------------------------------------------------------------

type FuzzRequest = ReturnType<typeof requestArb> extends fc.Arbitrary<infer R> ? R : never;

function send(r: FuzzRequest): Promise<{ status: number }> {
  const url = new URL(stack.baseUrl);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...r.extra };
    const authorization = authHeader(r.auth);
    if (authorization) headers.authorization = authorization;
    if (r.body.contentType) headers['content-type'] = r.body.contentType;
    if (r.body.data) headers['content-length'] = r.body.data.length;
    const req = http.request(
      { host: url.hostname, port: url.port, method: r.method, path: `${r.path}${r.query}`, headers, agent: false, timeout: 20_000 },
      (res) => {
        resolve({ status: res.statusCode ?? 0 });
        // Streams never end by themselves; the status is what is checked.
        res.destroy();
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within 20 s: ${r.method} ${r.path}`)));
    req.on('error', (err: NodeJS.ErrnoException) => {
      // The server may answer (413, 400) and close before a large body is all sent: that is an answer, not a crash.
      if (err.code === 'EPIPE' || err.code === 'ECONNRESET') resolve({ status: -1 });
      else reject(err);
    });
    req.end(r.body.data);
  });
}

describe('fuzzing every route with malformed requests', () => {
  it(`answers ${RUNS} generated requests without a 5xx, stays up, and leaves the stored data as it was`, async () => {
    const before = await snapshot();
    const seen = new Map<number, number>();
    let answered = 0;
    await fc.assert(
      fc.asyncProperty(requestArb(), async (r) => {
        const { status } = await send(r);
        seen.set(status, (seen.get(status) ?? 0) + 1);
        if (status !== -1) answered++;
        assert.ok(status < 500, `${r.method} ${r.path}${r.query.slice(0, 200)} (${r.auth}, ${r.body.contentType}) answered ${status}`);
      }),
      { numRuns: RUNS, seed: process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined, endOnFailure: true },
    );
    console.log(`[fuzz] ${RUNS} requests, statuses: ${JSON.stringify(Object.fromEntries([...seen].sort(([a], [b]) => a - b)))}`);
    assert.ok(answered >= RUNS * 0.9, `${answered} of ${RUNS} requests got an answer`);
    assert.deepEqual((await stack.call('GET', '/healthz')).body, { status: 'ok' }, 'the process is still up');
    assert.deepEqual(await snapshot(), before, 'the stored insights and jobs read back unchanged');
  });
});
