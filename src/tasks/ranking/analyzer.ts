/**
 * The BM25 analyzer: text → index terms, the same for documents and queries.
 *
 * 1. Unicode NFKC, lower-case;
 * 2. drop the English possessive ('s, ’s) at the end of a word (Lucene's EnglishPossessiveFilter);
 * 3. split on everything that is not a letter or a digit (\p{L}, \p{N}): "covid-19" → covid, 19;
 * 4. drop Lucene's 33 English stop words (`ENGLISH_STOP_WORDS`, Lucene's EnglishAnalyzer default set);
 * 5. stem with Porter's algorithm (`porterStem`, as Lucene's PorterStemFilter) — words holding characters other
 *    than a–z (digits, accents, other scripts) are kept as they are.
 *
 * This is Lucene's EnglishAnalyzer (what Anserini's BEIR baselines and Elasticsearch's "english" analyzer use)
 * with a simpler tokenizer than Lucene's StandardTokenizer (which keeps "3.5" or "don't" whole). On SciFact test
 * the choice is measured in docs/RESULTS.md ("Ranking: first stage"): without stemming and stop words BM25 loses
 * several points of nDCG@10.
 */
import { porterStem } from "./porter.js";

/** Lucene's `EnglishAnalyzer.ENGLISH_STOP_WORDS_SET`. */
export const ENGLISH_STOP_WORDS: ReadonlySet<string> = new Set(
  (
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these " +
    "they this to was will with"
  ).split(" "),
);

export interface AnalyzerOptions {
  /** Drop `ENGLISH_STOP_WORDS` (default true). */
  stopWords?: boolean;
  /** Porter-stem a–z words (default true). */
  stem?: boolean;
}

const POSSESSIVE = /['’]s(?![\p{L}\p{N}])/gu;
const TOKEN = /[\p{L}\p{N}]+/gu;
const ASCII_WORD = /^[a-z]+$/;

/** Stems already computed (a corpus repeats its words; stemming each occurrence anew triples indexing time). */
const stemCache = new Map<string, string>();
const STEM_CACHE_SIZE = 1 << 18;

function stemCached(word: string): string {
  let s = stemCache.get(word);
  if (s === undefined) {
    s = porterStem(word);
    if (stemCache.size >= STEM_CACHE_SIZE) stemCache.clear();
    stemCache.set(word, s);
  }
  return s;
}

/** The analyzer's settings in one string, e.g. for a cache key or a run's tag. */
export function analyzerName(options: AnalyzerOptions = {}): string {
  const { stopWords = true, stem = true } = options;
  return `lower+alnum${stopWords ? "+stop33" : ""}${stem ? "+porter" : ""}`;
}

/** A text's index terms, in order (repeats kept: they are the term frequencies). */
export function analyze(text: string, options: AnalyzerOptions = {}): string[] {
  const { stopWords = true, stem = true } = options;
  const lower = text.normalize("NFKC").toLowerCase().replace(POSSESSIVE, "");
  const out: string[] = [];
  for (const [token] of lower.matchAll(TOKEN)) {
    if (stopWords && ENGLISH_STOP_WORDS.has(token)) continue;
    out.push(stem && ASCII_WORD.test(token) ? stemCached(token) : token);
  }
  return out;
}
