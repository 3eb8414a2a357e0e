import '../support/env';
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, describe, it } from 'node:test';
import puppeteer, { type Browser } from 'puppeteer-core';
import { freePort } from '../support/ports';
import type { TestStack } from '../support/stack';

// A real headless browser (Debian's chromium, installed by scripts/ensure-deps.mjs; puppeteer-core downloads
// nothing) on a page of another origin than the API: the page's origin must be in CORS_ORIGINS before the
// configuration is first read, hence the later import.
const pagePort = await freePort();
const pageOrigin = `http://localhost:${pagePort}`;
process.env.CORS_ORIGINS = pageOrigin;
const { startStack } = await import('../support/stack');

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

let stack: TestStack;
let browser: Browser;
let pageServer: http.Server;
before(async () => {
  stack = await startStack({ queues: ['nlp', 'notify'] });
  browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    // Root in a container: no sandbox; no GPU and no /dev/shm to speak of.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
  pageServer = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'text/html' }).end(PAGE));
  await new Promise<void>((resolve) => pageServer.listen(pagePort, 'localhost', resolve));
});
after(async () => {
  await browser?.close();
  pageServer?.close();
  await stack?.stop();
});

/** The front end's side: it holds a key, starts a job, gets a stream token and follows the job with EventSource. */
const PAGE = `<!doctype html><html><body><script>
  window.events = [];
  window.start = async (api, key, text) => {
    const auth = { authorization: 'Bearer ' + key };
    const job = await fetch(api + '/api/insights', {
      method: 'POST', headers: { ...auth, 'content-type': 'application/json' }, body: JSON.stringify({ text, holdMs: 3000 }),
    }).then((r) => r.json());
    const grant = await fetch(api + '/api/stream-tokens', { method: 'POST', headers: auth }).then((r) => r.json());
    const source = new EventSource(api + '/api/jobs/' + job.jobId + '/events?token=' + encodeURIComponent(grant.token));
    for (const type of ['progress', 'completed', 'failed', 'cancelled']) {
      source.addEventListener(type, (e) => {
        window.events.push({ type, data: JSON.parse(e.data) });
        if (type !== 'progress') source.close();
      });
    }
    return { jobId: job.jobId, expiresAt: grant.expiresAt };
  };
</script></body></html>`;

describe('a browser front end on another origin', () => {
  it('follows a running job over EventSource with a stream token: progress events, then completed', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(pageOrigin);
      const apiUrl = stack.baseUrl;
      const started = (await page.evaluate(`window.start(${JSON.stringify(apiUrl)}, ${JSON.stringify(stack.apiKey)}, 'Acme Corp opened an office in Paris on 3 March 2025.')`)) as { jobId: string; expiresAt: string };
      assert.match(started.jobId, /\S/);
      assert.ok(Date.parse(started.expiresAt) > Date.now());
      await page.waitForFunction("window.events.some((e) => e.type !== 'progress')", { timeout: 60_000 });
      const events = (await page.evaluate('window.events')) as { type: string; data: any }[];
      const progress = events.filter((e) => e.type === 'progress');
      assert.ok(progress.length >= 1, JSON.stringify(events));
      assert.ok(progress.some((e) => e.data.status === 'running'), 'seen while running');
      const last = events.at(-1)!;
      assert.equal(last.type, 'completed', JSON.stringify(last));
      assert.equal(last.data.jobId, started.jobId);
      assert.equal(last.data.status, 'completed');
    } finally {
      await page.close();
    }
  });

  it('shows the dashboard only after a key the API accepts', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${stack.baseUrl}/dashboard`);
      // Strings, not functions: this file is type-checked without the DOM library.
      const visible = async () =>
        (await page.evaluate("({ content: !document.getElementById('content').hidden, login: !document.getElementById('login').hidden, text: document.body.innerText })")) as { content: boolean; login: boolean; text: string };
      let state = await visible();
      assert.equal(state.content, false);
      assert.equal(state.login, true);
      assert.ok(!state.text.includes('Recent jobs'), 'no data headings before a key');

      await page.type('#key', 'itk_not-a-key');
      await page.click('#save');
      await page.waitForFunction("document.getElementById('login-error').textContent !== ''");
      state = await visible();
      assert.equal(state.content, false);
      assert.match(state.text, /unknown or revoked key/);

      await page.evaluate("document.getElementById('key').value = ''");
      await page.type('#key', stack.apiKey);
      await page.click('#save');
      await page.waitForFunction("!document.getElementById('content').hidden");
      await page.waitForFunction("document.getElementById('jobs').children.length > 0", { timeout: 15_000 });
      state = await visible();
      assert.equal(state.login, false);
    } finally {
      await page.close();
    }
  });
});
