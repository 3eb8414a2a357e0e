import natural from './natural';
import { portugueseSentiment } from './portuguese';

export interface Sentiment {
  /** tanh(2 × mean): in (-1, 1); about ±0.8 for a clearly positive or negative sentence, near 0 for neutral prose. */
  score: number;
  /** natural's raw value: mean AFINN valence per word (negation flips the next word), in [-5, 5]. */
  afinnMean: number;
}

// No stemmer: AFINN-165 already lists inflected forms, and stemming merges words of different valence.
const analyzer = new natural.SentimentAnalyzer('English', undefined, 'afinn');
const tokenizer = new natural.WordTokenizer();

export function scoreSentiment(text: string, language = 'en'): Sentiment {
  if (language === 'pt') return portugueseSentiment(text);
  const words = tokenizer.tokenize(text.toLowerCase());
  const mean = words.length ? analyzer.getSentiment(words) : 0;
  return { score: round(Math.tanh(2 * mean)), afinnMean: round(mean) };
}

function round(x: number): number {
  return Math.round(x * 10000) / 10000;
}
