import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, type TestStack } from '../support/stack';

/** Input the API can tell is wrong before any job starts: answered 400 naming the field, never accepted. */
let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: [] });
});
after(() => stack?.stop());

const fieldsOf = (body: any) => (body.error?.details?.fields ?? []).map((f: { field: string }) => f.field);

describe('rejected up front', () => {
  for (const [what, text] of [
    ['symbols only', '!!! ??? --- *** ... ###'],
    ['zero-width characters only', '\u200b\u200c\u200d\u2060\ufeff'],
    ['emoji and punctuation only', '🎉🎉 !! 🚀 ...'],
  ]) {
    it(`text of ${what}: 400 naming body.text`, async () => {
      const { status, body } = await stack.call('POST', '/api/insights', { text });
      assert.equal(status, 400, JSON.stringify(body));
      assert.deepEqual(fieldsOf(body), ['body.text']);
      assert.match(body.error.message, /body\.text: text must contain letters or digits/);
    });
  }

  it('a text of digits, or of letters in any script, is accepted', async () => {
    for (const text of ['4815162342', 'Привет, мир', 'こんにちは']) {
      const { status, body } = await stack.call('POST', '/api/insights', { text });
      assert.equal(status, 202, `${text}: ${JSON.stringify(body)}`);
    }
  });

  it('a JSON body that is not valid UTF-8: 400, not silently mangled text', async () => {
    const bytes = Buffer.concat([Buffer.from('{"text": "caf'), Buffer.from([0xe9]), Buffer.from(' au lait with Acme Corp"}')]);
    const res = await fetch(`${stack.baseUrl}/api/insights`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stack.apiKey}`, 'content-type': 'application/json' },
      body: bytes,
    });
    const body = (await res.json()) as any;
    assert.equal(res.status, 400, JSON.stringify(body));
    assert.deepEqual(fieldsOf(body), ['body']);
    assert.match(body.error.message, /UTF-8/);
    const valid = await stack.call('POST', '/api/insights', { text: 'Café au lait with Acme Corp 🎉' });
    assert.equal(valid.status, 202, 'valid UTF-8 with accents and emoji still passes');
  });

  for (const value of ['0x10', '1e1', '+5', ' 5', '1.5', '-1', 'Infinity', '', '0b11']) {
    it(`a numeric query value of ${JSON.stringify(value)}: 400 naming it`, async () => {
      const { status, body } = await stack.call('GET', `/api/jobs?limit=${encodeURIComponent(value)}`);
      assert.equal(status, 400, JSON.stringify(body));
      assert.deepEqual(fieldsOf(body), ['query.limit']);
    });
  }

  it('every numeric query parameter is decimal-only, and decimal values still work', async () => {
    for (const route of ['/api/insights?offset=0x10', '/api/insights?limit=0x10', '/api/events?after=0x1', '/api/jobs?limit=1e1']) {
      const { status, body } = await stack.call('GET', route);
      assert.equal(status, 400, `${route}: ${JSON.stringify(body)}`);
      assert.match(body.error.message, /decimal digits/);
    }
    assert.equal((await stack.call('GET', '/api/jobs?limit=16')).status, 200);
    assert.equal((await stack.call('GET', '/api/insights?limit=5&offset=0')).status, 200);
  });
});
