import { createRequire } from 'node:module';
import type { Classification } from './classifier';
import type { Keyword } from './keywords';
import natural from './natural';
import type { Sentiment } from './sentiment';

// Keywords, sentiment and category of Portuguese text. The English stages read English only: their IDF comes
// from English e-mails, their lexicon is English AFINN and the classifier was trained on the Brown Corpus.

const require = createRequire(import.meta.url);
// natural exports only its English stop words; its Portuguese list (117 function words) is in the package.
const NATURAL_STOPWORDS = (require('natural/lib/natural/util/stopwords_pt.js') as { words: string[] }).words;
// Word frequency ranks from the npm package @zxcvbn-ts/language-pt-br (MIT): commonWords from OpenSubtitles 2024
// (ODC-BY), wikipedia from Portuguese Wikipedia; most frequent first.
const SUBTITLE_WORDS = require('@zxcvbn-ts/language-pt-br/src/commonWords.json') as string[];
const WIKIPEDIA_WORDS = require('@zxcvbn-ts/language-pt-br/src/wikipedia.json') as string[];

const WORD = /\p{L}+(?:-\p{L}+)*/gu;
const words = (text: string) => text.toLowerCase().match(WORD) ?? [];

// The 117 function words, plus the forms of ser/estar/ter/haver/ir/fazer/poder and the adverbs that top every
// Portuguese frequency list and never make a keyword.
const STOPWORDS = new Set([
  ...NATURAL_STOPWORDS,
  ...'é são era eram foi foram ser sendo sido seja sejam será serão seria está estão estava estavam esteve estar estou estamos tem têm tinha tinham teve ter tenho temos terá haver há havia houve vai vão ia iam ir vou vamos fazer faz fazem fez feito pode podem podia poder posso deve devem dever ainda sempre nunca agora aqui ali lá então assim bem tão tanto quanto cada outro outra outros outras todo toda todos todas tudo nada algo alguém ninguém algum alguma alguns algumas qualquer mesma mesmos mesmas pra pro coisa coisas vez vezes sim não dia dias ano anos hoje ontem amanhã sobre porque pois onde como quando quê ser estar diz disse dizer ver vai sobre após antes depois durante contra desde sob segundo além apenas também já'.split(' '),
  // Honorific abbreviations, weekdays and months: dates and people are entities, not keywords.
  ...'sr sra srta dr dra prof profa segunda terça quarta quinta sexta sábado domingo segunda-feira terça-feira quarta-feira quinta-feira sexta-feira janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro'.split(' '),
]);

let ranks: Map<string, number> | undefined;

function frequencyRanks(): Map<string, number> {
  if (!ranks) {
    ranks = new Map();
    for (const list of [SUBTITLE_WORDS, WIKIPEDIA_WORDS]) {
      list.forEach((word, i) => {
        if (!ranks!.has(word) || ranks!.get(word)! > i + 1) ranks!.set(word, i + 1);
      });
    }
  }
  return ranks;
}

const UNSEEN_RANK = 60_000;
/**
 * A stand-in for IDF from frequency rank alone (no Portuguese document collection installs from a registry):
 * by Zipf's law a word's share of documents falls as 1/rank, so ln(rank / 50) plays ln(N / df), with the words
 * of the top 50 in every document. It spans 1 to ~8, as the English IDF from 3,900 e-mails does.
 */
const idf = (word: string) => 1 + Math.max(0, Math.log((frequencyRanks().get(word) ?? UNSEEN_RANK) / 50));

// Plurals in -ões/-ães/-ãos and their singular in -ão stem apart in natural's Portuguese Porter stemmer.
const stem = (word: string) => natural.PorterStemmerPt.stem(word.replace(/(?:õe|ãe|ão)s$/u, 'ão'));

export function warmPortuguese(): void {
  frequencyRanks();
}

/**
 * Top-N terms by count × rank IDF, stop words removed and inflections merged by stem ("contrato", "contratos"):
 * a stem is shown as its most frequent spelling in the text, the shortest on a tie.
 */
export function portugueseKeywords(text: string, topN = 10): Keyword[] {
  const byStem = new Map<string, Map<string, number>>();
  for (const word of words(text)) {
    if (word.length < 3 || STOPWORDS.has(word) || /\d/.test(word)) continue;
    const forms = byStem.get(stem(word)) ?? new Map<string, number>();
    forms.set(word, (forms.get(word) ?? 0) + 1);
    byStem.set(stem(word), forms);
  }
  return [...byStem.values()]
    .map((forms) => {
      const [term] = [...forms].sort((a, b) => b[1] - a[1] || a[0].length - b[0].length || a[0].localeCompare(b[0]))[0]!;
      const count = [...forms.values()].reduce((a, b) => a + b, 0);
      return { term, score: count * idf(term) };
    })
    .sort((a, b) => b.score - a.score || a.term.localeCompare(b.term))
    .slice(0, topN)
    .map((k) => ({ term: k.term, score: Math.round(k.score * 1000) / 1000 }));
}

// natural's Portuguese AFINN (sentiment/Portuguese/afinnShortSortedPortuguese.json: 1,644 words and emoji scored
// -5..5, negated by não/nunca/jamais/nem). It is a short translated list with one form per word ("elogio",
// "decepcionado"), so it is matched by stem ("elogiaram", "decepcionada"), and these everyday words it lacks are
// added, scored as AFINN scores their English counterparts (great 3, terrible -3, love 3, hate -3, ...).
const SUPPLEMENT: Record<string, number> = {
  ótimo: 3, ótima: 3, excelente: 3, maravilhoso: 4, incrível: 3, sucesso: 2, boa: 3, adorei: 3, adoro: 3, amei: 3,
  gostei: 2, parabéns: 3, obrigado: 2, obrigada: 2, satisfeito: 2, feliz: 3, aprovado: 2, péssimo: -3, péssima: -3,
  horrível: -3, terrível: -3, odeio: -3, odiei: -3, fracasso: -2, atrasado: -1, atraso: -1, reclamação: -2,
  reclamou: -2, cancelado: -1, prejuízo: -2, falha: -2, erro: -2, infelizmente: -2, preocupado: -2, decepcionante: -2,
};
const analyzer = new natural.SentimentAnalyzer('Portuguese', { stem } as unknown as typeof natural.PorterStemmerPt, 'afinn');
const vocabulary = (analyzer as unknown as { vocabulary: Record<string, number> }).vocabulary;
for (const [word, score] of Object.entries(SUPPLEMENT)) vocabulary[stem(word)] ??= score;

export function portugueseSentiment(text: string): Sentiment {
  const tokens = text.toLowerCase().match(/\p{L}+|\p{Extended_Pictographic}/gu) ?? [];
  const mean = tokens.length ? analyzer.getSentiment(tokens) : 0;
  return { score: round(Math.tanh(2 * mean)), afinnMean: round(mean) };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}

/**
 * The starter topics (brown-corpus.ts) for Portuguese text, by counting words of a hand-made Portuguese list per
 * topic, matched by stem. The trained classifier is English-only, so a Portuguese note gets one of these and
 * `classifier_model_id` stays empty: a retrained model does not re-classify it. Measured in
 * test/activities/nlp/portuguese.test.ts on labelled Portuguese texts.
 */
const TOPIC_WORDS: Record<string, string> = {
  government:
    'governo ministério ministro ministra secretaria prefeitura prefeito governador presidente deputado senador senado câmara congresso lei leis decreto política político políticos eleição eleições voto votação partido estado estados federal municipal público pública órgão orçamento imposto impostos tributo fiscal direito direitos justiça tribunal juiz constituição nação nacional país cidadão cidadãos liberdade segurança polícia exército defesa regulamento norma licitação',
  news:
    'ontem anunciou anunciaram informou segundo reportagem notícia notícias jornal imprensa acidente morte morreu mortos polícia incêndio crise greve protesto mercado bolsa ações dólar inflação economia empresa empresas banco lucro prejuízo venda vendas jogo time campeonato gol vitória derrota futebol clube jogador partida',
  opinion:
    'acho acredito penso opinião deveria deveriam devemos precisamos importante problema problemas crítica críticas defendo defender contra favor concordo discordo certo errado melhor pior verdade moral ética sociedade culpa absurdo',
  religion:
    'deus igreja fé oração rezar rezou santo santa bíblia padre pastor missa jesus cristo senhor alma céu inferno pecado espírito religião religioso sagrado divino evangelho culto templo',
  lifestyle:
    'casa família filhos filho filha receita cozinha comida jantar almoço café viagem férias praia saúde exercício academia dieta moda roupa compras casamento festa aniversário jardim decoração filme música livro restaurante',
  science:
    'pesquisa pesquisadores cientista cientistas ciência estudo estudos experimento dados análise laboratório universidade teoria hipótese resultado resultados modelo sistema energia física química biologia células vírus doença tratamento medicamento tecnologia computador software algoritmo engenharia',
  fiction:
    'disse perguntou respondeu olhou sorriu gritou chorou coração noite olhos mão mãos porta quarto rua homem mulher menino menina velho velha sonho silêncio medo amor beijo',
};

let topicStems: Map<string, string[]> | undefined;

function stemsOfTopics(): Map<string, string[]> {
  if (!topicStems) {
    topicStems = new Map();
    for (const [topic, list] of Object.entries(TOPIC_WORDS)) {
      for (const word of list.split(' ')) topicStems.set(stem(word), [...(topicStems.get(stem(word)) ?? []), topic]);
    }
  }
  return topicStems;
}

export function portugueseCategory(text: string): Classification {
  const stems = stemsOfTopics();
  const counts = Object.fromEntries(Object.keys(TOPIC_WORDS).map((t) => [t, 0]));
  for (const word of words(text)) {
    if (word.length < 3 || (STOPWORDS.has(word) && !stems.has(stem(word)))) continue;
    for (const topic of stems.get(stem(word)) ?? []) counts[topic]! += 1;
  }
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  if (total === 0) {
    const uniform = 1 / Object.keys(counts).length;
    return { category: 'unknown', confidence: 0, scores: Object.fromEntries(Object.keys(counts).map((t) => [t, uniform])) };
  }
  // Add-one smoothing, so one matching word is a weak guess and ten are a confident one.
  const labels = Object.keys(counts);
  const scores = Object.fromEntries(labels.map((t) => [t, (counts[t]! + 1) / (total + labels.length)]));
  const category = labels.reduce((best, t) => (scores[t]! > scores[best]! ? t : best));
  return { category, confidence: round(scores[category]!), scores };
}
