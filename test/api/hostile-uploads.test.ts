import '../support/short-upload-idle';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, afterEach, before, describe, it } from 'node:test';
import { config } from '../../src/config';
import { startStack, waitFor, type TestStack } from '../support/stack';

/**
 * Uploads built to break the parser, sent over a raw socket so nothing in between fixes them up. Each
 * must get a clear 4xx (or, for a client that goes away, nothing), leave no partial file in the upload
 * directory, and leave the process answering: an unhandled rejection fails this file (support/env).
 */
let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: [] });
});
after(() => stack?.stop());

const uploadDir = () => path.join(config().dataDir, 'uploads');
const leftovers = () => (existsSync(uploadDir()) ? readdirSync(uploadDir()) : []);

afterEach(async () => {
  // The write stream of an abandoned upload closes just after the answer; give it a moment.
  await waitFor(async () => (leftovers().length === 0 ? true : undefined), 5_000, `no partial upload (found ${leftovers().join(', ')})`);
  const health = await fetch(`${stack.baseUrl}/healthz`);
  assert.equal(health.status, 200, 'the process still answers');
  const jobs = await stack.call('GET', '/api/jobs');
  assert.equal(jobs.status, 200, 'and its API too');
});

const port = () => new URL(stack.baseUrl).port;

interface Raw {
  headers?: Record<string, string>;
  body?: Buffer | string;
  /** Keep the socket open this long after writing the body, without ending the request. */
  stallMs?: number;
  /** Destroy the socket right after writing the body. */
  disconnect?: boolean;
}

/** One HTTP request written by hand; resolves with the status and body of the answer (status 0: none). */
function raw(opts: Raw): Promise<{ status: number; body: any }> {
  const body = typeof opts.body === 'string' ? Buffer.from(opts.body, 'latin1') : (opts.body ?? Buffer.alloc(0));
  const headers: Record<string, string> = {
    host: `127.0.0.1:${port()}`,
    authorization: `Bearer ${stack.apiKey}`,
    'content-length': String(body.length),
    ...opts.headers,
  };
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port()), '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => undefined);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0);
      const json = text.slice(text.indexOf('\r\n\r\n') + 4);
      let parsed: unknown;
      try {
        // A chunked answer: the JSON is the line between the chunk sizes.
        parsed = JSON.parse(json.includes('{') ? json.slice(json.indexOf('{'), json.lastIndexOf('}') + 1) : 'null');
      } catch {
        parsed = json;
      }
      resolve({ status, body: parsed });
    });
    socket.once('connect', () => {
      const head = `POST /api/audio HTTP/1.1\r\n${Object.entries(headers)
        .map(([k, v]) => `${k}: ${v}\r\n`)
        .join('')}connection: close\r\n\r\n`;
      socket.write(head);
      socket.write(body);
      if (opts.disconnect) setTimeout(() => socket.destroy(), 200);
      else if (opts.stallMs) setTimeout(() => socket.end(), opts.stallMs);
    });
    setTimeout(() => reject(new Error('no answer within 20 s')), 20_000).unref();
  });
}

const B = 'zzz';
const multipart = { 'content-type': `multipart/form-data; boundary=${B}` };
const filePart = (name = 'file', filename = 'a.wav', content = 'abc') =>
  `--${B}\r\nContent-Disposition: form-data; name="${name}"; filename="${filename}"\r\nContent-Type: audio/wav\r\n\r\n${content}\r\n`;
const fieldPart = (name: string, value: string) => `--${B}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`;
const end = `--${B}--\r\n`;

describe('hostile uploads', () => {
  it('a body that ends in the middle of the file: 400, not a crash a second later', async () => {
    const res = await raw({
      headers: multipart,
      body: `--${B}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\nabc`,
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error.message, /body: malformed multipart form \(Unexpected end of form\)/);
    // The crash used to come about a second after the answer.
    await new Promise((r) => setTimeout(r, 1_500));
  });

  it('multipart/form-data without a boundary: 400 naming the content-type', async () => {
    const res = await raw({ headers: { 'content-type': 'multipart/form-data' }, body: filePart() + end });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.details.fields[0].field, 'headers.content-type');
    assert.match(res.body.error.message, /boundary/);
  });

  it('not multipart at all: 415', async () => {
    const res = await raw({ headers: { 'content-type': 'audio/wav' }, body: 'RIFF....' });
    assert.equal(res.status, 415, JSON.stringify(res.body));
  });

  it('two files: 400 naming body.file, and the first is not kept', async () => {
    const res = await raw({ headers: multipart, body: filePart('file', 'a.wav', 'x'.repeat(50_000)) + filePart('file', 'b.wav') + end });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.details.fields[0].field, 'body.file');
    assert.match(res.body.error.message, /one file/);
  });

  it('a file under another field name: 400 naming that field', async () => {
    const res = await raw({ headers: multipart, body: filePart('other') + end });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.details.fields[0].field, 'body.other');
  });

  it('a part header of 40 kB: 400 malformed', async () => {
    const res = await raw({
      headers: multipart,
      body: `--${B}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nX-Padding: ${'p'.repeat(40_000)}\r\n\r\nabc\r\n${end}`,
    });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.match(res.body.error.message, /Malformed part header/);
  });

  it('HTTP headers of 40 kB: 431 from the HTTP server', async () => {
    const res = await raw({ headers: { ...multipart, 'x-padding': 'p'.repeat(40_000) }, body: filePart() + end });
    assert.equal(res.status, 431);
  });

  it('a form field of 10 MB: 413 naming the field', async () => {
    const res = await raw({ headers: multipart, body: fieldPart('engine', 'w'.repeat(10 * 1024 * 1024)) + filePart() + end });
    assert.equal(res.status, 413, JSON.stringify(res.body));
    assert.equal(res.body.error.details.fields[0].field, 'body.engine');
  });

  it('a client that disconnects mid-upload: the partial file is removed', async () => {
    const head = `--${B}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`;
    const res = await raw({
      headers: { ...multipart, 'content-length': String(5 * 1024 * 1024) },
      body: Buffer.concat([Buffer.from(head), Buffer.alloc(256 * 1024, 1)]),
      disconnect: true,
    });
    assert.equal(res.status, 0, 'nobody to answer');
  });

  it('a client that stops sending mid-upload: 408 after the idle limit, and the partial file is removed', async () => {
    const head = `--${B}\r\nContent-Disposition: form-data; name="file"; filename="a.wav"\r\nContent-Type: audio/wav\r\n\r\n`;
    const res = await raw({
      headers: { ...multipart, 'content-length': String(5 * 1024 * 1024) },
      body: Buffer.concat([Buffer.from(head), Buffer.alloc(64 * 1024, 1)]),
      stallMs: 10_000,
    });
    assert.equal(res.status, 408, JSON.stringify(res.body));
    assert.match(res.body.error.message, /nothing received/);
  });

  it('an empty file: 400 naming body.file', async () => {
    const res = await raw({ headers: multipart, body: filePart('file', 'a.wav', '') + end });
    assert.equal(res.status, 400, JSON.stringify(res.body));
    assert.equal(res.body.error.details.fields[0].field, 'body.file');
  });
});
