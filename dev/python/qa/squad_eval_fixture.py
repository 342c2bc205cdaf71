"""Write test/fixtures/qa/squad_metric.json: SQuAD v1.1 EM/F1 for tricky (prediction, golds) pairs.

An independent implementation of the documented evaluate-v1.1 algorithm (normalize: lower-case, remove
string.punctuation, remove the whole words a/an/the, collapse whitespace; EM on normalized strings;
bag-of-tokens F1; max over golds; mean x 100 over all questions, a missing prediction scoring 0).

Run: dev/python/.venv/bin/python dev/python/qa/squad_eval_fixture.py
"""

import json
import re
import string
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
PUNCT = frozenset(string.punctuation)


def normalize(s: str) -> str:
    s = s.lower()
    s = "".join(ch for ch in s if ch not in PUNCT)
    s = re.sub(r"\b(a|an|the)\b", " ", s)
    return " ".join(s.split())


def em(pred: str, gold: str) -> float:
    return float(normalize(pred) == normalize(gold))


def f1(pred: str, gold: str) -> float:
    p = normalize(pred).split()
    g = normalize(gold).split()
    remaining = {}
    for t in g:
        remaining[t] = remaining.get(t, 0) + 1
    same = 0
    for t in p:
        if remaining.get(t, 0) > 0:
            same += 1
            remaining[t] -= 1
    if same == 0:
        return 0.0
    precision = 1.0 * same / len(p)
    recall = 1.0 * same / len(g)
    return (2 * precision * recall) / (precision + recall)


CASES = [
    ("Denver Broncos", ["Denver Broncos", "The Denver Broncos"]),
    ("the Denver Broncos", ["Denver Broncos"]),
    ("Broncos", ["Denver Broncos"]),
    ("Denver Broncos Broncos", ["Denver Broncos"]),
    ("", ["Denver Broncos"]),
    ("", [""]),
    ("a", ["an"]),
    ("the", ["a an the"]),
    ("The Beatles!", ["the beatles"]),
    ("U.S.A.", ["USA"]),
    ("U.S. Army", ["US army"]),
    ("rock-and-roll", ["rock and roll"]),
    ("rock–and–roll", ["rock and roll"]),
    ("“quoted”", ['"quoted"']),
    ("it's", ["its"]),
    ("it’s", ["its"]),
    ("théatre", ["the atre"]),
    ("the\u00e9", ["é"]),
    ("thé", ["th"]),
    ("anthem", ["them"]),
    ("a_b", ["a b"]),
    ("an_the", ["the"]),
    ("1,000", ["1000"]),
    ("$1.5 billion", ["1.5 billion"]),
    ("3.14", ["314"]),
    ("50%", ["50 percent"]),
    ("São Paulo", ["sao paulo"]),
    ("Zürich", ["ZÜRICH"]),
    ("İstanbul", ["istanbul"]),
    ("ΟΔΟΣ", ["οδος"]),
    ("Straße", ["STRASSE"]),
    ("北京", ["北京市"]),
    ("北京 市", ["北京市"]),
    ("tab\tseparated\nnewline", ["tab separated newline"]),
    ("non\u00a0breaking", ["non breaking"]),
    ("ideographic\u3000space", ["ideographic space"]),
    ("zero\u200bwidth", ["zero width"]),
    ("unit\x1fsep", ["unit sep"]),
    ("next\x85line", ["next line"]),
    ("the the the", ["the"]),
    ("cat cat dog", ["cat dog dog"]),
    ("a cat and a dog", ["the cat", "a dog"]),
    ("the cat", ["dog", "a cat sat"]),
    ("in 1066", ["1066", "in 1066 AD"]),
    ("(born 1981)", ["1981"]),
    ("[citation needed]", ["citation needed"]),
    ("Wait... what?", ["wait what"]),
    ("A", ["a"]),
    ("An apple a day", ["apple day"]),
    ("anan", ["an an"]),
    ("a.b", ["ab"]),
    ("a-b", ["a b"]),
    ("a'b", ["ab"]),
    ("x a y", ["x y"]),
    ("🍕 pizza", ["pizza 🍕"]),
    ("🍕", ["pizza"]),
    ("ｔｈｅ cat", ["cat"]),
    ("THE CAT", ["cat"]),
    ("The \u0301cat", ["cat"]),
    ("e\u0301", ["é"]),
    ("theᵃ", ["ᵃ"]),
    ("the½", ["½"]),
    ("Ⅻthe", ["Ⅻ"]),
]


def main() -> None:
    cases = []
    golds = {}
    preds = {}
    for i, (pred, gold) in enumerate(CASES):
        qid = f"q{i}"
        golds[qid] = gold
        preds[qid] = pred
        cases.append(
            {
                "id": qid,
                "prediction": pred,
                "golds": gold,
                "normalized": normalize(pred),
                "exact_match": max(em(pred, g) for g in gold),
                "f1": max(f1(pred, g) for g in gold),
            }
        )
    # One question without a prediction: it counts in the total and scores 0.
    golds["unanswered"] = ["anything"]
    total = len(golds)
    em_sum = 0.0
    f1_sum = 0.0
    for qid, gold in golds.items():
        if qid not in preds:
            continue
        em_sum += max(em(preds[qid], g) for g in gold)
        f1_sum += max(f1(preds[qid], g) for g in gold)
    aggregate = {"exact_match": 100.0 * em_sum / total, "f1": 100.0 * f1_sum / total, "total": total}
    out = ROOT / "test/fixtures/qa/squad_metric.json"
    out.write_text(json.dumps({"cases": cases, "unanswered": ["unanswered"], "aggregate": aggregate},
                              ensure_ascii=False, indent=1) + "\n")
    print(f"wrote {out}: {len(cases)} cases, aggregate {aggregate}")


if __name__ == "__main__":
    main()
