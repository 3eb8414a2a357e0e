import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractKeywords } from '../../../src/activities/nlp/keywords';
import { portugueseCategory } from '../../../src/activities/nlp/portuguese';
import { scoreSentiment } from '../../../src/activities/nlp/sentiment';
import { udhrParagraphs } from '../../support/udhr';

test('Portuguese keywords: no stop words, inflections merged under their commonest spelling, rare words first', () => {
  const text =
    'Fechamos três contratos novos e o contrato com a distribuidora foi renovado. Os contratos vencem em março e a ' +
    'equipe vai revisar as cláusulas de reajuste com o jurídico.';
  const keywords = extractKeywords(text, 10, 'pt');
  const terms = keywords.map((k) => k.term);
  assert.equal(terms[0], 'contratos', JSON.stringify(keywords));
  assert.ok(!terms.includes('contrato'), 'one term for contrato/contratos');
  for (const stop of ['com', 'foi', 'vai', 'os', 'março']) assert.ok(!terms.includes(stop), stop);
  assert.ok(terms.includes('cláusulas') && terms.includes('reajuste'));
  assert.deepEqual(extractKeywords('', 10, 'pt'), []);
});

test('Portuguese sentiment from natural’s Portuguese AFINN, by stem, with negation', () => {
  assert.ok(scoreSentiment('A reunião foi ótima e o cliente elogiou o atendimento.', 'pt').score > 0.3);
  assert.ok(scoreSentiment('O serviço foi péssimo, um desastre, estou decepcionado.', 'pt').score < -0.3);
  assert.ok(scoreSentiment('Não gostei do resultado.', 'pt').score < 0, 'não flips gostei');
  assert.equal(scoreSentiment('A reunião é na sala 3.', 'pt').score, 0);
});

test('Portuguese category: a starter topic from Portuguese word lists, unknown with no evidence', () => {
  const udhr = udhrParagraphs('por_BR');
  assert.equal(portugueseCategory(udhr.find((p) => p.startsWith('Todo ser humano tem direito, em plena igualdade'))!).category, 'government');
  assert.equal(portugueseCategory('O padre rezou a missa na igreja e falou de fé e de Deus.').category, 'religion');
  assert.equal(portugueseCategory('Os pesquisadores da universidade publicaram o estudo com os dados do experimento.').category, 'science');
  assert.deepEqual(portugueseCategory('Ok.').category, 'unknown');
});
