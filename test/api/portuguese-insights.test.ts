import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { startStack, submitInsight, type TestStack } from '../support/stack';

let stack: TestStack;
before(async () => {
  stack = await startStack({ queues: ['nlp'] });
});
after(() => stack?.stop());

const note =
  'Reunião de planejamento com a Dra. Fernanda Lima, da Secretaria de Saúde de Minas Gerais, em Belo Horizonte na terça-feira. ' +
  'O orçamento aprovado é de R$ 2 milhões para 2027, com entrega da primeira fase em 12/05/2027 e o restante até 3 de março de 2028. ' +
  'A Petrobras pagou R$ 1.500,00 de entrada e a inflação prevista é de 12,5%. Foi uma reunião ótima e a equipe ficou satisfeita com o contrato.';

describe('a Portuguese note', () => {
  it('is stored as pt and gets entities, keywords, a category and sentiment', async () => {
    const { insightId, job } = await submitInsight(stack, { text: note, title: 'Planejamento' });
    assert.equal(job.status, 'completed', JSON.stringify(job));
    assert.equal(job.result.status, 'processed');
    assert.equal(job.result.language, 'pt');

    const { status, body: insight } = await stack.call('GET', `/api/insights/${insightId}`);
    assert.equal(status, 200);
    assert.equal(insight.language, 'pt');
    const find = (type: string, text: string) => insight.entities.find((e: { type: string; text: string }) => e.type === type && e.text === text);
    assert.equal(find('person', 'Fernanda Lima')?.value, 'Fernanda Lima');
    assert.ok(find('organization', 'Secretaria de Saúde de Minas Gerais'), JSON.stringify(insight.entities));
    assert.ok(find('organization', 'Petrobras'));
    assert.ok(find('place', 'Belo Horizonte'));
    assert.equal(find('date', '12/05/2027')?.value, '2027-05-12');
    assert.equal(find('date', '3 de março de 2028')?.value, '2028-03-03');
    assert.deepEqual(find('money', 'R$ 2 milhões')?.value, { amount: 2_000_000, currency: 'BRL' });
    assert.deepEqual(find('money', 'R$ 1.500,00')?.value, { amount: 1500, currency: 'BRL' });
    assert.equal(find('percent', '12,5%')?.value, 12.5);
    for (const e of insight.entities) assert.equal(insight.text.slice(e.start, e.end), e.text);

    const terms = insight.keywords.map((k: { term: string }) => k.term);
    assert.ok(terms.includes('reunião') && terms.includes('planejamento') && terms.includes('inflação'), JSON.stringify(terms));
    assert.ok(!terms.includes('terça-feira') && !terms.includes('dra'), 'dates and titles are not keywords');
    assert.ok(!terms.some((t: string) => ['para', 'com', 'uma', 'foi'].includes(t)), 'no Portuguese stop words');
    assert.ok(typeof insight.category === 'string' && insight.category !== 'unknown', insight.category);
    assert.ok(insight.sentiment.score > 0, JSON.stringify(insight.sentiment));
    const [{ dims, model }] = await stack.db.query<{ dims: number; model: number | null }>(
      'SELECT vector_dims(embedding) AS dims, classifier_model_id AS model FROM insights WHERE id = $1',
      [insightId],
    );
    assert.equal(dims, 512);
    assert.equal(model, null, 'no English model id: a retrained model does not re-classify it');
  });

  it('mixed Portuguese and English is analysed in its main language; Galician and Italian stay unsupported', async () => {
    const mixed = await submitInsight(stack, {
      text: 'Precisamos revisar o deploy de hoje: o pipeline quebrou de novo e o time de backend está investigando. Someone said "the build is green", mas não está.',
    });
    assert.equal(mixed.job.result.language, 'pt');
    assert.equal(mixed.job.result.status, 'processed');
    for (const [text, language] of [
      ['Mañá temos a reunión co equipo de vendas para falar dos resultados do trimestre.', 'gl'],
      ['Domani abbiamo la riunione con il cliente per discutere il contratto e i prezzi.', 'it'],
    ]) {
      const { insightId, job } = await submitInsight(stack, { text });
      assert.equal(job.result.status, 'unsupported_language', text);
      const { body } = await stack.call('GET', `/api/insights/${insightId}`);
      assert.equal(body.language, language);
    }
  });
});
