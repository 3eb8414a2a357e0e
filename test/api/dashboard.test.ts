import '../support/env';
import assert from 'node:assert/strict';
import { mkdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { ScheduleNotFoundError } from '@temporalio/client';
import puppeteer, { type Browser } from 'puppeteer-core';
import { config } from '../../src/config';
import { ensureSchedules, periodicJobs } from '../../src/schedules';
import { createUser } from '../../src/users';
import { startStack, submitInsight, waitFor, type TestStack } from '../support/stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const RESULTS = fileURLToPath(new URL('../../test-results/', import.meta.url));
const JUNK = Buffer.from(Array.from({ length: 400 }, (_, i) => 1 + ((i * 7919) % 255))).toString('latin1');

let stack: TestStack;
let admin: { userId: string; apiKey: string };
let browser: Browser;
let failedJobId: string;

before(async () => {
  stack = await startStack();
  admin = await createUser(stack.db, `admin-${stack.userId.slice(0, 8)}`, { admin: true });
  await ensureSchedules(stack.client, config());
  for (const text of ['Acme Corp opened an office in Lisbon.', 'Globex hired two engineers in Porto.', 'Initech moved to Leeds in May.']) {
    const { job } = await submitInsight(stack, { text });
    assert.equal(job.status, 'completed');
  }
  const { job } = await submitInsight(stack, { text: JUNK });
  assert.equal(job.status, 'failed');
  failedJobId = job.jobId;
  browser = await puppeteer.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
});
after(async () => {
  await browser?.close();
  for (const job of periodicJobs(config())) {
    await stack?.client.schedule
      .getHandle(job.id)
      .delete()
      .catch((err) => (err instanceof ScheduleNotFoundError ? undefined : Promise.reject(err)));
  }
  await stack?.stop();
});

const sum = (list: (number | null)[]) => list.reduce<number>((n, v) => n + (v ?? 0), 0);

describe('GET /api/dashboard/series', () => {
  it('answers per queue the completed and failed jobs, their job time and the queue state', async () => {
    const res = await waitFor(async () => {
      const r = await stack.call('GET', '/api/dashboard/series?minutes=60', undefined, admin.apiKey);
      assert.equal(r.status, 200, JSON.stringify(r.body));
      return sum(r.body.queues.nlp.series.completedPerMin) >= 3 && sum(r.body.queues.nlp.series.failedPerMin) >= 1 ? r : undefined;
    }, 20_000, 'the jobs in the series');
    const { body } = res;
    assert.equal(body.stepSec, 60);
    assert.equal(body.t.length, 60);
    assert.deepEqual(Object.keys(body.queues), ['nlp', 'audio', 'training', 'maintenance', 'notify']);
    const nlp = body.queues.nlp;
    assert.equal(nlp.queue, `${config().taskQueuePrefix}-nlp`);
    for (const series of Object.values(nlp.series) as unknown[][]) assert.equal(series.length, 60);
    const p50 = nlp.series.p50Sec.filter((v: number | null) => v !== null);
    const p95 = nlp.series.p95Sec.filter((v: number | null) => v !== null);
    assert.ok(p50.length > 0 && p50.every((v: number) => v > 0), JSON.stringify(nlp.series.p50Sec));
    assert.ok(p95.every((v: number, i: number) => v >= p50[i]));
    assert.ok(nlp.now.some((s: { pollers: number }) => s.pollers > 0), 'the stack’s nlp worker polls');
    assert.ok(nlp.series.pollers.some((v: number | null) => v !== null && v > 0), 'the sample taken for this call is in the last bucket');
    assert.equal(typeof body.truncated, 'boolean');
  });

  it('is for admins only and bounds minutes to 1..1440', async () => {
    assert.equal((await stack.call('GET', '/api/dashboard/series')).status, 403);
    for (const minutes of ['0', '1441', 'abc', '1e2']) {
      const res = await stack.call('GET', `/api/dashboard/series?minutes=${minutes}`, undefined, admin.apiKey);
      assert.equal(res.status, 400, minutes);
      assert.equal(res.body.error.details.fields[0].field, 'query.minutes');
    }
    const day = await stack.call('GET', '/api/dashboard/series?minutes=1440', undefined, admin.apiKey);
    assert.equal(day.status, 200);
    assert.equal(day.body.stepSec, 720, '1440 minutes in 120 points of 12 min');
  });

  it('serves uPlot from its npm package, nothing from elsewhere', async () => {
    const page = await (await fetch(`${stack.baseUrl}/dashboard`)).text();
    assert.doesNotMatch(page, /(src|href)="https?:/, 'no script or style from another host');
    const js = await fetch(`${stack.baseUrl}/dashboard/vendor/uplot/uPlot.iife.min.js`);
    assert.equal(js.status, 200);
    assert.match(js.headers.get('content-type') ?? '', /javascript/);
    assert.equal((await fetch(`${stack.baseUrl}/dashboard/vendor/uplot/`)).status, 404);
  });
});

describe('the dashboard in a browser', () => {
  it('logs in with a key, draws charts with data, lists schedules and a failed job with a retry button', async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1400, height: 1000 });
    try {
      await page.goto(`${stack.baseUrl}/dashboard`);
      await page.type('#key', admin.apiKey);
      await page.click('#save');
      await page.waitForFunction("!document.getElementById('content').hidden");
      // Strings, not functions: this file is type-checked without the DOM library.
      await page.waitForFunction(
        "(() => { const c = window.dashboard.charts.completedPerMin; return c && c.data[1].some((v) => v > 0); })()",
        { timeout: 30_000 },
      );
      // The lines are drawn on the canvases, not only the axes: nlp's (#1f77b4) alone has failures; its
      // completed line lies under notify's (#ff7f0e, the deliveries of those jobs' events).
      const pixels = async (chart: string, rgb: number[]) =>
        (await page.evaluate(`(() => {
          const canvas = document.querySelector('#chart-${chart} canvas');
          const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
          const [r, g, b] = ${JSON.stringify(rgb)};
          let n = 0;
          for (let i = 0; i < data.length; i += 4) if (Math.abs(data[i] - r) < 40 && Math.abs(data[i + 1] - g) < 40 && Math.abs(data[i + 2] - b) < 40 && data[i + 3] > 100) n++;
          return n;
        })()`)) as number;
      assert.ok((await pixels('failedPerMin', [31, 119, 180])) > 10, 'the nlp failures line');
      assert.ok((await pixels('completedPerMin', [255, 127, 14])) > 10, 'the completed line');
      assert.equal(await page.$$eval('#charts canvas', (c) => c.length), 8);

      await page.waitForSelector(`#failed button.retry[data-job="${failedJobId}"]`, { timeout: 15_000 });
      const failedRow = (await page.$eval(`#failed button.retry[data-job="${failedJobId}"]`, (b) => (b as unknown as { closest(s: string): { textContent: string } }).closest('tr').textContent)) as string;
      assert.match(failedRow, /no readable words/);
      const link = await page.$eval(`#failed a[href*="${failedJobId}"]`, (a) => (a as unknown as { href: string }).href);
      assert.ok(link.startsWith(`${config().monitoring.webUiUrl}/namespaces/default/workflows/${failedJobId}/`), link);
      await page.waitForFunction(`document.getElementById('schedules').querySelectorAll('button[data-action=trigger]').length === ${periodicJobs(config()).length}`);
      await page.waitForFunction("document.getElementById('queues').children.length === 5");

      mkdirSync(RESULTS, { recursive: true });
      await page.screenshot({ path: `${RESULTS}dashboard.png`, fullPage: true });
      assert.ok(statSync(`${RESULTS}dashboard.png`).size > 10_000);

      await page.click(`#failed button.retry[data-job="${failedJobId}"]`);
      await page.waitForFunction("document.getElementById('notice').textContent.startsWith('retrying')");
      const notice = (await page.$eval('#notice', (n) => n.textContent)) as string;
      assert.match(notice, new RegExp(`${failedJobId}-retry-`));
    } finally {
      await page.close();
    }
  });
});
