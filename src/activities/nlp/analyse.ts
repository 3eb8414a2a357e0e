import { classify, type Classification, type LoadedModel } from './classifier';
import { embed } from './embeddings';
import type { Entity } from './entities';
import { extractKeywords, type Keyword } from './keywords';
import { normaliseText } from './normalise';
import { portugueseCategory } from './portuguese';
import { scoreSentiment, type Sentiment } from './sentiment';
import { extractEntitiesInWindows } from './windows';

export interface Analysis {
  text: string;
  language: string;
  supported: boolean;
  entities: Entity[];
  keywords: Keyword[];
  embedding: number[];
  classification: Classification;
  sentiment: Sentiment;
}

/** Every compute stage on one text, in process: the unit of work of the benchmark and of the thread pool. */
export async function analyseText(
  raw: string,
  model: LoadedModel,
  options: { referenceDate?: Date | string } = {},
): Promise<Analysis> {
  const { text, language, supported } = normaliseText(raw);
  return {
    text,
    language,
    supported,
    entities: await extractEntitiesInWindows(text, { ...options, language }),
    keywords: extractKeywords(text, 10, language),
    embedding: await embed(text),
    classification: language === 'pt' ? portugueseCategory(text) : classify(model, text),
    sentiment: scoreSentiment(text, language),
  };
}
