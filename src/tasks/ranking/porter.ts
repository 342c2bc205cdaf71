/**
 * The Porter stemmer (M. F. Porter, "An algorithm for suffix stripping", Program 14(3), 1980), in the form of
 * Porter's own reference implementation — the one Lucene's PorterStemFilter ports, so the stems match what
 * Anserini/Elasticsearch BM25 index. That form departs from the 1980 paper in two rules of step 2: "bli" → "ble"
 * (the paper: "abli" → "able") and "logi" → "log" (not in the paper). Checked against NLTK's
 * `PorterStemmer(mode=MARTIN_EXTENSIONS)` on a word list (test/fixtures/ranking/porter.json).
 *
 * Input: a lower-case word of the letters a–z (other characters are treated as consonants, and words of length
 * ≤ 2 are returned as they are).
 */

/** A word being stemmed: its letters in b[0..k], and j, the end of the stem an `ends` test left. */
class Word {
  b: string[];
  k: number;
  j = 0;

  constructor(word: string) {
    this.b = word.split("");
    this.k = word.length - 1;
  }

  /** Is b[i] a consonant? y is one at the start or after a vowel. */
  cons(i: number): boolean {
    switch (this.b[i]) {
      case "a":
      case "e":
      case "i":
      case "o":
      case "u":
        return false;
      case "y":
        return i === 0 ? true : !this.cons(i - 1);
      default:
        return true;
    }
  }

  /** The measure m of b[0..j]: the number of vowel-consonant sequences, [C](VC)^m[V]. */
  m(): number {
    let n = 0;
    let i = 0;
    const j = this.j;
    for (;;) {
      if (i > j) return n;
      if (!this.cons(i)) break;
      i++;
    }
    i++;
    for (;;) {
      for (;;) {
        if (i > j) return n;
        if (this.cons(i)) break;
        i++;
      }
      i++;
      n++;
      for (;;) {
        if (i > j) return n;
        if (!this.cons(i)) break;
        i++;
      }
      i++;
    }
  }

  /** Does b[0..j] hold a vowel? */
  vowelInStem(): boolean {
    for (let i = 0; i <= this.j; i++) if (!this.cons(i)) return true;
    return false;
  }

  /** Do b[i-1] and b[i] form a double consonant? */
  doubleC(i: number): boolean {
    return i >= 1 && this.b[i] === this.b[i - 1] && this.cons(i);
  }

  /** Is b[i-2..i] consonant-vowel-consonant, the last not w, x or y? (-hop, -cav; not -snow, -box, -tray.) */
  cvc(i: number): boolean {
    if (i < 2 || !this.cons(i) || this.cons(i - 1) || !this.cons(i - 2)) return false;
    const ch = this.b[i];
    return ch !== "w" && ch !== "x" && ch !== "y";
  }

  /** Does b[0..k] end with s? If so, j is set to the end of the stem before it. */
  ends(s: string): boolean {
    const len = s.length;
    if (len > this.k + 1) return false;
    for (let i = 0; i < len; i++) if (this.b[this.k - len + 1 + i] !== s[i]) return false;
    this.j = this.k - len;
    return true;
  }

  /** Replace b[j+1..k] by s. */
  setTo(s: string): void {
    this.b.length = this.j + 1;
    for (const ch of s) this.b.push(ch);
    this.k = this.j + s.length;
  }

  /** `setTo(s)` if the stem's measure is > 0. */
  r(s: string): void {
    if (this.m() > 0) this.setTo(s);
  }

  /** Try the (suffix, replacement) pairs in order; the first suffix that matches decides (then `r`). */
  replaceFirst(pairs: readonly (readonly [string, string])[]): void {
    for (const [suffix, to] of pairs) {
      if (this.ends(suffix)) {
        this.r(to);
        return;
      }
    }
  }

  /** Step 1ab: plurals and -ed / -ing. */
  step1ab(): void {
    const b = this.b;
    if (b[this.k] === "s") {
      if (this.ends("sses")) this.k -= 2;
      else if (this.ends("ies")) this.setTo("i");
      else if (b[this.k - 1] !== "s") this.k--;
      this.b.length = this.k + 1;
    }
    if (this.ends("eed")) {
      if (this.m() > 0) {
        this.k--;
        this.b.length = this.k + 1;
      }
    } else if ((this.ends("ed") || this.ends("ing")) && this.vowelInStem()) {
      this.k = this.j;
      this.b.length = this.k + 1;
      if (this.ends("at")) this.setTo("ate");
      else if (this.ends("bl")) this.setTo("ble");
      else if (this.ends("iz")) this.setTo("ize");
      else if (this.doubleC(this.k)) {
        const ch = this.b[this.k];
        if (ch !== "l" && ch !== "s" && ch !== "z") {
          this.k--;
          this.b.length = this.k + 1;
        }
      } else {
        this.j = this.k;
        if (this.m() === 1 && this.cvc(this.k)) this.setTo("e");
      }
    }
  }

  /** Step 1c: y → i when there is another vowel in the stem. */
  step1c(): void {
    if (this.ends("y") && this.vowelInStem()) this.b[this.k] = "i";
  }

  /** Step 2: double suffixes to single ones (-ization → -ize), keyed on the penultimate letter. */
  step2(): void {
    if (this.k < 1) return;
    const table: Record<string, readonly (readonly [string, string])[]> = {
      a: [
        ["ational", "ate"],
        ["tional", "tion"],
      ],
      c: [
        ["enci", "ence"],
        ["anci", "ance"],
      ],
      e: [["izer", "ize"]],
      l: [
        ["bli", "ble"],
        ["alli", "al"],
        ["entli", "ent"],
        ["eli", "e"],
        ["ousli", "ous"],
      ],
      o: [
        ["ization", "ize"],
        ["ation", "ate"],
        ["ator", "ate"],
      ],
      s: [
        ["alism", "al"],
        ["iveness", "ive"],
        ["fulness", "ful"],
        ["ousness", "ous"],
      ],
      t: [
        ["aliti", "al"],
        ["iviti", "ive"],
        ["biliti", "ble"],
      ],
      g: [["logi", "log"]],
    };
    const pairs = table[this.b[this.k - 1]];
    if (pairs) this.replaceFirst(pairs);
  }

  /** Step 3: -ic-, -full, -ness etc., keyed on the last letter. */
  step3(): void {
    const table: Record<string, readonly (readonly [string, string])[]> = {
      e: [
        ["icate", "ic"],
        ["ative", ""],
        ["alize", "al"],
      ],
      i: [["iciti", "ic"]],
      l: [
        ["ical", "ic"],
        ["ful", ""],
      ],
      s: [["ness", ""]],
    };
    const pairs = table[this.b[this.k]];
    if (pairs) this.replaceFirst(pairs);
  }

  /** Step 4: strip -ant, -ence etc. in context <c>vcvc<v>, keyed on the penultimate letter. */
  step4(): void {
    if (this.k < 1) return;
    const table: Record<string, readonly string[]> = {
      a: ["al"],
      c: ["ance", "ence"],
      e: ["er"],
      i: ["ic"],
      l: ["able", "ible"],
      n: ["ant", "ement", "ment", "ent"],
      o: ["ion", "ou"],
      s: ["ism"],
      t: ["ate", "iti"],
      u: ["ous"],
      v: ["ive"],
      z: ["ize"],
    };
    const suffixes = table[this.b[this.k - 1]];
    if (!suffixes) return;
    let found = false;
    for (const s of suffixes) {
      if (!this.ends(s)) continue;
      // -ion goes only after s or t
      if (s === "ion" && !(this.j >= 0 && (this.b[this.j] === "s" || this.b[this.j] === "t"))) continue;
      found = true;
      break;
    }
    if (!found) return;
    if (this.m() > 1) {
      this.k = this.j;
      this.b.length = this.k + 1;
    }
  }

  /** Step 5: remove a final -e if m > 1 (or m = 1 and not *o), and -ll → -l if m > 1. */
  step5(): void {
    this.j = this.k;
    if (this.b[this.k] === "e") {
      const a = this.m();
      if (a > 1 || (a === 1 && !this.cvc(this.k - 1))) {
        this.k--;
        this.b.length = this.k + 1;
      }
    }
    // m() still measures b[0..j] with j the end before a removed -e, as in the reference code
    if (this.b[this.k] === "l" && this.doubleC(this.k)) {
      if (this.m() > 1) {
        this.k--;
        this.b.length = this.k + 1;
      }
    }
  }
}

/** The Porter stem of a lower-case word. */
export function porterStem(word: string): string {
  if (word.length <= 2) return word;
  const w = new Word(word);
  w.step1ab();
  if (w.k > 0) {
    w.step1c();
    w.step2();
    w.step3();
    w.step4();
    w.step5();
  }
  return w.b.slice(0, w.k + 1).join("");
}
