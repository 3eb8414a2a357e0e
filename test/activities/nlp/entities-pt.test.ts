import assert from 'node:assert/strict';
import { test } from 'node:test';
import { extractPortugueseEntities } from '../../../src/activities/nlp/entities-pt';

const reference = { referenceDate: '2026-12-03' }; // a Thursday
const found = (text: string) => extractPortugueseEntities(text, reference).map((e) => [e.type, e.text, e.value]);

test('Portuguese dates: day and month in words, dd/mm/yyyy, weekdays and relative days', () => {
  assert.deepEqual(found('A entrega ficou para 3 de março de 2026.'), [['date', '3 de março de 2026', '2026-03-03']]);
  assert.deepEqual(found('Vencimento em 12/05/2027, sem prorrogação.'), [['date', '12/05/2027', '2027-05-12']]);
  assert.deepEqual(found('Reunião na terça-feira às 14h30'), [['date', 'terça-feira', '2026-12-08'], ['time', '14h30', '14:30']]);
  assert.deepEqual(found('Falamos amanhã ou na sexta'), [['date', 'amanhã', '2026-12-04'], ['date', 'sexta', '2026-12-04']]);
  assert.deepEqual(found('O contrato começa em janeiro de 2027'), [['date', 'janeiro de 2027', '2027-01']]);
});

test('Portuguese money and percentages, Brazilian number writing', () => {
  assert.deepEqual(found('O orçamento é de R$ 2 milhões'), [['money', 'R$ 2 milhões', { amount: 2_000_000, currency: 'BRL' }]]);
  assert.deepEqual(found('Pagamos R$ 1.500,00 de entrada'), [['money', 'R$ 1.500,00', { amount: 1500, currency: 'BRL' }]]);
  assert.deepEqual(found('A licença custa US$ 300 mil por ano'), [['money', 'US$ 300 mil', { amount: 300_000, currency: 'USD' }]]);
  assert.deepEqual(found('O almoço saiu por € 20'), [['money', '€ 20', { amount: 20, currency: 'EUR' }]]);
  assert.deepEqual(found('Custou quinhentos reais'), [['money', 'quinhentos reais', { amount: 500, currency: 'BRL' }]]);
  assert.deepEqual(found('A inflação foi de 12,5% e o desconto de 30 por cento'), [
    ['percent', '12,5%', 12.5],
    ['percent', '30 por cento', 30],
  ]);
});

test('people, places and organisations from capitalised runs, connectors, honorifics, heads and gazetteers', () => {
  const entities = found(
    'A Dra. Fernanda Lima, da Secretaria de Saúde de Minas Gerais, se reuniu com João da Silva em Belo Horizonte. ' +
      'O Banco do Brasil e a Petrobras assinaram com a Construtora Alfa Ltda. no Rio de Janeiro, e o Ministério da Ciência e Tecnologia aprovou.',
  );
  assert.deepEqual(entities, [
    ['person', 'Fernanda Lima', 'Fernanda Lima'],
    ['organization', 'Secretaria de Saúde de Minas Gerais', 'Secretaria de Saúde de Minas Gerais'],
    ['person', 'João da Silva', 'João da Silva'],
    ['place', 'Belo Horizonte', 'Belo Horizonte'],
    ['organization', 'Banco do Brasil', 'Banco do Brasil'],
    ['organization', 'Petrobras', 'Petrobras'],
    ['organization', 'Construtora Alfa Ltda.', 'Construtora Alfa Ltda.'],
    ['place', 'Rio de Janeiro', 'Rio de Janeiro'],
    ['organization', 'Ministério da Ciência e Tecnologia', 'Ministério da Ciência e Tecnologia'],
  ]);
  assert.deepEqual(found('Viajo para Lisboa e depois para Luanda'), [['place', 'Lisboa', 'Lisboa'], ['place', 'Luanda', 'Luanda']]);
});

test('offsets: every mention is the slice of the text it names', () => {
  const text = 'Em 12/05/2027 o Sr. Paulo Souza pagou R$ 1.500,00 (12,5% a mais) à Universidade de São Paulo.';
  for (const e of extractPortugueseEntities(text, reference)) assert.equal(text.slice(e.start, e.end), e.text);
});
