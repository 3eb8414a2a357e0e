import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMeaningful, normaliseText } from '../../../src/activities/nlp/normalise';

test('collapses whitespace runs but keeps paragraph breaks', () => {
  const { text } = normaliseText('  Revenue\u00A0 rose\t\tsharply,\r\nthen fell.\r\n\r\n\r\n\n  Second   paragraph.  ');
  assert.equal(text, 'Revenue rose sharply, then fell.\n\nSecond paragraph.');
});

test('composes to NFC and removes zero-width, bidi and control characters', () => {
  const { text } = normaliseText('Cafe\u0301 \u200BAcme\u202E\u0007 Corp\uFEFF');
  assert.equal(text, 'Café Acme Corp');
});

test('drops lone surrogates instead of throwing', () => {
  assert.equal(normaliseText('ok \uD800 fine \uDC00').text, 'ok fine');
});

test('detects English, other Latin-script languages and other scripts', () => {
  assert.deepEqual(normaliseText('The board approved the budget for the new warehouse in March.'), {
    text: 'The board approved the budget for the new warehouse in March.',
    language: 'en',
    supported: true,
  });
  assert.equal(normaliseText('Le conseil a décidé que la réunion aura lieu dans les bureaux de la société.').language, 'fr');
  assert.equal(normaliseText('Der Vorstand hat die Zahlen für das dritte Quartal nicht veröffentlicht.').language, 'de');
  assert.equal(normaliseText('El equipo de ventas presentó los resultados del trimestre a la dirección.').language, 'es');
  assert.equal(normaliseText('会議は明日の午後三時に始まります').language, 'ja');
  assert.equal(normaliseText('Совет директоров утвердил бюджет').supported, false);
  assert.equal(normaliseText('Q3 budget call').language, 'en');
});

test('binary junk neither throws nor counts as meaningful text', () => {
  const bytes = Array.from({ length: 2000 }, (_, i) => (i * 7919 + 13) % 256);
  const junk = normaliseText(Buffer.from(bytes).toString('latin1'));
  assert.equal(isMeaningful(junk.text), false);
  assert.equal(junk.supported, false);
  const utf8Junk = normaliseText(Buffer.from(bytes).toString('utf8'));
  assert.equal(isMeaningful(utf8Junk.text), false);
});

test('empty, whitespace-only and punctuation-only texts are not meaningful', () => {
  for (const raw of ['', '   \n\t ', '\u200B\u200B', '!!! ??? ...', '12 34 56']) {
    assert.equal(isMeaningful(normaliseText(raw).text), false, JSON.stringify(raw));
  }
  assert.equal(isMeaningful(normaliseText('Call Maria about the Q3 numbers').text), true);
});

test('names that mix case (PostgreSQL, JavaScript, iPhone) are real words', () => {
  for (const raw of ['Stored in PostgreSQL.', 'Ported the JavaScript client to TypeScript', 'Lost my iPhone at McDonald']) {
    assert.equal(isMeaningful(normaliseText(raw).text), true, raw);
  }
});
