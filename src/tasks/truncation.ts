/** Longest-first truncation of a text pair, as Hugging Face tokenizers do it. */

/**
 * Lengths of A and B after HF's `longest_first` truncation to `budget` tokens in total (special tokens
 * excluded), as the Rust `truncate_encodings`: if the shorter text fits in half the budget it is kept and the
 * longer one gets the rest; otherwise both get half, and the odd token goes to the originally longer text, or
 * to B on a tie. (This differs from "drop one token from the longer, from B on ties" on some odd budgets, and
 * from the slow Python tokenizers, which give the odd token to A on a tie.)
 */
export function truncateLongestFirst(lenA: number, lenB: number, budget: number): [number, number] {
  if (lenA + lenB <= budget) return [lenA, lenB];
  const swap = lenA > lenB;
  let n1 = swap ? lenB : lenA;
  let n2 = n1 > budget ? n1 : Math.max(n1, budget - n1);
  if (n1 + n2 > budget) {
    n1 = Math.floor(budget / 2);
    n2 = n1 + (budget % 2);
  }
  return swap ? [n2, n1] : [n1, n2];
}
