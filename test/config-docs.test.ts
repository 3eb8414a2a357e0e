import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { CONFIG_DOC, renderConfigDoc } from '../scripts/config-docs';
import { envSchema } from '../src/config';

test('every variable of the config schema has a description', () => {
  const missing = Object.entries(envSchema.shape).filter(([, schema]) => !schema.description).map(([name]) => name);
  assert.deepEqual(missing, []);
});

test('docs/configuration.md is the table rendered from the schema (run `npm run docs:config` after a change)', () => {
  assert.equal(readFileSync(CONFIG_DOC, 'utf8'), renderConfigDoc());
});

test('the table shows each default as the schema parses it', () => {
  const doc = renderConfigDoc();
  assert.match(doc, /^\| `MAX_TEXT_CHARS` \| `200000` \| /m);
  assert.match(doc, /^\| `DATABASE_URL` \| unset \| /m);
  assert.match(doc, /^\| `<QUEUE>_MAX_CONCURRENT_ACTIVITIES` \| nlp 8, audio 2, training 1, maintenance 2, notify 20 \| /m);
  assert.doesNotMatch(doc, /<QUEUE>_CHUNK_SECONDS/);
});
