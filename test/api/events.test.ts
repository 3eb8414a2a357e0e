import '../support/fast-notify';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, waitFor, type TestStack } from '../support/stack';
import { startReceiver } from '../support/webhook-receiver';

let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: ['nlp', 'notify'] });
});
after(() => stack?.stop());

interface EventView {
  id: number;
  type: string;
  createdAt: string;
  data: Record<string, any>;
}

async function postInsight(apiKey: string, text: string): Promise<string> {
  const { status, body } = await stack.call('POST', '/api/insights', { text }, apiKey);
  assert.equal(status, 202);
  return body.insightId;
}

/** Waits until `GET /api/events` shows the insight's insight.processed event. */
async function processedEvent(apiKey: string, insightId: string): Promise<EventView> {
  return waitFor(async () => {
    const { body } = await stack.call('GET', '/api/events?limit=100', undefined, apiKey);
    return (body.events as EventView[]).find((e) => e.type === 'insight.processed' && e.data.insightId === insightId);
  }, 30_000, `the insight.processed event of ${insightId}`);
}

interface SseMessage {
  id?: string;
  event?: string;
  data: string;
}

/** Reads `GET /api/events/stream` message by message, as an EventSource would. */
async function openStream(apiKey: string, lastEventId?: number) {
  const abort = new AbortController();
  const res = await fetch(`${stack.baseUrl}/api/events/stream`, {
    headers: { authorization: `Bearer ${apiKey}`, ...(lastEventId === undefined ? {} : { 'last-event-id': String(lastEventId) }) },
    signal: abort.signal,
  });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type') ?? '', /text\/event-stream/);
  const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    async next(timeoutMs = 30_000): Promise<SseMessage> {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end !== -1) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields: Record<string, string> = Object.fromEntries(
            block
              .split('\n')
              .filter((line) => line && !line.startsWith(':'))
              .map((line) => [line.slice(0, line.indexOf(':')), line.slice(line.indexOf(':') + 1).trimStart()]),
          );
          if (fields.data !== undefined) return { id: fields.id, event: fields.event, data: fields.data };
          continue;
        }
        const remaining = deadline - Date.now();
        if (remaining <= 0) throw new Error('no event on the stream in time');
        let timer: NodeJS.Timeout | undefined;
        const chunk = await Promise.race([
          reader.read(),
          new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error('no event on the stream in time')), remaining);
          }),
        ]).finally(() => clearTimeout(timer));
        if (chunk.done) throw new Error('the stream ended');
        buffer += chunk.value;
      }
    },
    close: () => abort.abort(),
  };
}

describe('the event list', () => {
  it("lists the user's events after a cursor, and no one else's", async () => {
    const user = await stack.newUser();
    const insightId = await postInsight(user.apiKey, 'Acme Corp opened an office in Lisbon.');
    const event = await processedEvent(user.apiKey, insightId);
    assert.equal(event.data.status, 'processed');
    assert.ok(!Number.isNaN(Date.parse(event.createdAt)));

    const later = await stack.call('GET', `/api/events?after=${event.id}`, undefined, user.apiKey);
    assert.deepEqual(later.body, { events: [], next: event.id });
    const other = await stack.newUser();
    assert.deepEqual((await stack.call('GET', '/api/events', undefined, other.apiKey)).body.events, []);
  });

  it('rejects a bad cursor with a 400 naming it', async () => {
    const res = await stack.call('GET', '/api/events?after=-1');
    assert.equal(res.status, 400);
    assert.equal(res.body.error.details.fields[0].field, 'query.after');
    const stream = await fetch(`${stack.baseUrl}/api/events/stream`, {
      headers: { authorization: `Bearer ${stack.apiKey}`, 'last-event-id': 'yesterday' },
    });
    assert.equal(stream.status, 400);
    const error = (await stream.json()) as { error: { details: { fields: { field: string }[] } } };
    assert.equal(error.error.details.fields[0].field, 'headers.last-event-id');
  });
});

describe('the live event stream', () => {
  it('streams insight.processed as it is recorded, and resumes after Last-Event-ID', async () => {
    const user = await stack.newUser();
    const stream = await openStream(user.apiKey);
    const first = await postInsight(user.apiKey, 'Globex signed a contract with Initech in Berlin.');
    const message = await stream.next();
    stream.close();
    assert.equal(message.event, 'insight.processed');
    const event = JSON.parse(message.data) as EventView;
    assert.equal(event.data.insightId, first);
    assert.equal(message.id, String(event.id));

    // Recorded while no stream is open: the resumed stream starts with it, not with the one already seen.
    const second = await postInsight(user.apiKey, 'Initech hired a new director in Madrid.');
    const missed = await processedEvent(user.apiKey, second);
    const resumed = await openStream(user.apiKey, event.id);
    const replayed = await resumed.next(10_000);
    resumed.close();
    assert.equal(replayed.id, String(missed.id));
    assert.equal(JSON.parse(replayed.data).data.insightId, second);
  });

  it('streams insight.failed when a job fails', async () => {
    const user = await stack.newUser();
    const stream = await openStream(user.apiKey);
    const junk = Buffer.from(Array.from({ length: 400 }, (_, i) => 1 + ((i * 7919) % 255))).toString('latin1');
    const insightId = await postInsight(user.apiKey, junk);
    const message = await stream.next();
    stream.close();
    assert.equal(message.event, 'insight.failed');
    const event = JSON.parse(message.data) as EventView;
    assert.deepEqual([event.data.kind, event.data.insightId, event.data.jobId], ['insight', insightId, `insight-${insightId}`]);
    assert.match(event.data.reason, /no readable words/);
  });
});

describe('digests', () => {
  it('collects the events of one window into one digest.ready, delivered to its subscribers', async () => {
    const user = await stack.newUser();
    const receiver = await startReceiver();
    const hook = await stack.call('POST', '/api/webhooks', { url: receiver.url, events: ['digest.ready'] }, user.apiKey);
    assert.equal(hook.status, 201);

    const insights = await Promise.all(
      ['Acme Corp hired Jane Smith.', 'Globex opened a lab in Oslo.', 'Initech bought a startup in Austin.'].map((text) =>
        postInsight(user.apiKey, text),
      ),
    );
    const events = await Promise.all(insights.map((id) => processedEvent(user.apiKey, id)));
    const [req] = await receiver.waitForRequests(1, 30_000);
    assert.equal(req.headers['x-insight-event'], 'digest.ready');
    const digest = JSON.parse(req.body);
    assert.equal(digest.type, 'digest.ready');
    assert.equal(digest.data.total, 3);
    assert.deepEqual(digest.data.counts, { 'insight.processed': 3 });
    assert.deepEqual(digest.data.eventIds, events.map((e) => e.id).sort((a, b) => a - b));

    // One digest for the window, also in the user's events; the subscriber got nothing else.
    const listed = await waitFor(async () => {
      const { body } = await stack.call('GET', '/api/events?limit=100', undefined, user.apiKey);
      const digests = (body.events as EventView[]).filter((e) => e.type === 'digest.ready');
      return digests.length > 0 ? digests : undefined;
    }, 5_000, 'the digest in the event list');
    assert.equal(listed.length, 1);
    assert.equal(listed[0].id, digest.id);
    assert.equal(receiver.received.length, 1);
    await receiver.close();
  });
});
