import '../support/fast-alerts';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { freePort } from '../support/ports';
import type { TestStack } from '../support/stack';

// The SDK's exporter port must be in the environment before config is first read, hence the later imports.
process.env.METRICS_PORT = String(await freePort());
const { taskQueue } = await import('../../src/config');
const { createUser } = await import('../../src/users');
const { startStack, waitFor } = await import('../support/stack');

// Only the notify worker runs: its queue has pollers, while nlp and audio jobs wait with nobody polling.
let stack: TestStack;
let admin: { userId: string; apiKey: string };
before(async () => {
  stack = await startStack({ queues: ['notify'] });
  admin = await createUser(stack.db, 'admin', { admin: true });
});
after(() => stack?.stop());

const SAMPLE =
  /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*"(?:,[a-zA-Z_][a-zA-Z0-9_]*="(?:[^"\\\n]|\\.)*")*\})? (?:[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?|\+Inf|-Inf|NaN)$/;

/** Checks the Prometheus text format line by line, and returns the samples as `name{labels}` → value. */
function parseExposition(text: string): Map<string, number> {
  const typed = new Set<string>();
  const samples = new Map<string, number>();
  for (const line of text.split('\n').filter(Boolean)) {
    const type = /^# TYPE (\S+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type) typed.add(type[1]);
    if (line.startsWith('#')) continue;
    assert.match(line, SAMPLE);
    const [series, value] = [line.slice(0, line.lastIndexOf(' ')), line.slice(line.lastIndexOf(' ') + 1)];
    const name = series.replace(/\{.*$/, '');
    assert.ok(typed.has(name) || typed.has(name.replace(/_(bucket|sum|count)$/, '')), `${name} has a # TYPE line before it`);
    samples.set(series, Number(value));
  }
  return samples;
}

async function metrics(): Promise<Map<string, number>> {
  const res = await fetch(`${stack.baseUrl}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

async function uploadAudio(fields: Record<string, string>) {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set('file', new Blob([Buffer.from('not really audio; no audio worker will look')], { type: 'audio/wav' }), 'note.wav');
  const res = await fetch(`${stack.baseUrl}/api/audio`, { method: 'POST', body: form, headers: { authorization: `Bearer ${stack.apiKey}` } });
  return { status: res.status, body: (await res.json()) as any };
}

describe('priorities', () => {
  it('records the requested priority and the user as fairness key on the workflow', async () => {
    const res = await stack.call('POST', '/api/insights', { text: 'Urgent: Acme signed.', priority: 'high' });
    assert.equal(res.status, 202);
    const { priority } = await stack.client.workflow.getHandle(res.body.jobId).describe();
    assert.equal(priority?.priorityKey, 1);
    assert.equal(priority?.fairnessKey, stack.userId);

    const audio = await uploadAudio({ priority: 'low' });
    assert.equal(audio.status, 202, JSON.stringify(audio.body));
    assert.equal((await stack.client.workflow.getHandle(audio.body.jobId).describe()).priority?.priorityKey, 5);
  });

  it('answers 400 naming body.priority for an unknown level', async () => {
    const res = await stack.call('POST', '/api/insights', { text: 'Whenever.', priority: 'urgent' });
    assert.equal(res.status, 400);
    assert.deepEqual(res.body.error.details.fields.map((f: { field: string }) => f.field), ['body.priority']);
    const audio = await uploadAudio({ priority: 'asap' });
    assert.equal(audio.status, 400);
    assert.equal(audio.body.error.details.fields[0].field, 'body.priority');
  });
});

describe('metrics, alerts and dashboard', () => {
  it('serves HTTP, job and queue metrics in Prometheus text format, with the unserved backlog growing', async () => {
    const nlp = { queue: taskQueue('nlp'), kind: 'nlp', type: 'workflow' };
    const series = (name: string, labels: Record<string, string>) =>
      `${name}{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;
    const before = (await metrics()).get(series('insight_queue_backlog_tasks', nlp)) ?? 0;
    await stack.call('POST', '/api/insights', { text: 'Waits for an nlp worker that is not running.' });

    const samples = await waitFor(async () => {
      const m = await metrics();
      return (m.get(series('insight_queue_backlog_tasks', nlp)) ?? 0) > before ? m : undefined;
    }, 15_000, 'the nlp backlog to grow');
    assert.ok(samples.get(series('insight_http_requests_total', { method: 'POST', route: '/api/insights', status: '202' }))! >= 2);
    assert.ok(samples.get(series('insight_http_request_duration_seconds_count', { method: 'POST', route: '/api/insights' }))! >= 2);
    assert.equal(samples.get(series('insight_jobs_started_total', { kind: 'insight', priority: '1' })), 1);
    assert.equal(samples.get(series('insight_jobs_started_total', { kind: 'audio', priority: '5' })), 1);
    assert.equal(samples.get(series('insight_queue_pollers', nlp)), 0);
    assert.ok(samples.get(series('insight_queue_pollers', { queue: taskQueue('notify'), kind: 'notify', type: 'workflow' }))! > 0);
    assert.ok(samples.get(series('insight_queue_backlog_age_seconds', nlp))! > 0);
    // Ids never become labels: a job's path is counted under its route pattern.
    await stack.call('GET', '/api/jobs/insight-no-such-job');
    assert.ok((await metrics()).get(series('insight_http_requests_total', { method: 'GET', route: '/api/jobs/:jobId', status: '404' })));
  });

  it('reports the unserved queues as dead workers and bottlenecks, to admins only', async () => {
    assert.equal((await stack.call('GET', '/api/alerts')).status, 403);
    const nlpQueue = taskQueue('nlp');
    const body = await waitFor(async () => {
      const res = await stack.call('GET', '/api/alerts', undefined, admin.apiKey);
      assert.equal(res.status, 200);
      const rules = new Set(res.body.alerts.filter((a: any) => a.details.queue === nlpQueue).map((a: any) => a.rule));
      return rules.has('dead_workers') && rules.has('bottleneck') ? res.body : undefined;
    }, 15_000, 'dead_workers and bottleneck alerts on the nlp queue');
    assert.ok(body.alerts.some((a: any) => a.rule === 'dead_workers' && a.details.queue === taskQueue('audio')));
    assert.ok(!body.alerts.some((a: any) => a.details.queue === taskQueue('notify')));
    assert.ok(body.queues.some((q: any) => q.queue === nlpQueue && q.backlogCount > 0 && q.pollers === 0));
  });

  it('serves the SDK metrics of the workers and the dashboard page', async () => {
    const sdk = await fetch(`http://127.0.0.1:${process.env.METRICS_PORT}/metrics`);
    assert.equal(sdk.status, 200);
    assert.match(await sdk.text(), /^temporal_\w+/m);
    const page = await fetch(`${stack.baseUrl}/dashboard`);
    assert.equal(page.status, 200);
    assert.match(await page.text(), /\/api\/alerts/);
  });
});
