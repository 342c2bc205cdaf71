"""Write test/fixtures/ranking/prf-input-bert-tiny.json: PRF reformulator inputs built with transformers'
tokenizer for the committed bert-tiny folder, following SPEC §9's layout (LoL's):

  [CLS] q [SEP] p1 [SEP] ... pk [SEP]; token type 0 through the query's [SEP], 1 after;
  the query truncated to max_q tokens of its own (encode with special tokens, max_length = min(max_q + 2, max_len));
  each passage min(max_p, max_len - start - 1) tokens of its own plus [SEP]; stop when max_len - start < 10.

Run: /work/main/dev/python/.venv/bin/python dev/python/ranking/make_prf_input_fixture.py
"""

import json
from pathlib import Path

from transformers import AutoTokenizer

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "test" / "fixtures" / "hf" / "bert-tiny"
BEIR = ROOT / "test" / "fixtures" / "ranking" / "beir"
OUT = ROOT / "test" / "fixtures" / "ranking" / "prf-input-bert-tiny.json"


def build(tok, query, passages, max_len, max_q, max_p):
    # capped at max_len too, so the total never exceeds it (LoL's defaults, 130 < 512, never reach the cap)
    ids = tok.encode(query, add_special_tokens=True, truncation=True, max_length=min(max_q + 2, max_len))
    types = [0] * len(ids)
    ends = [len(ids)]
    for p in passages:
        start = len(ids)
        if max_len - start < 10:
            break
        own = tok.encode(p, add_special_tokens=False)[: min(max_p, max_len - start - 1)]
        ids += own + [tok.sep_token_id]
        types += [1] * (len(ids) - start)
        ends.append(len(ids))
    return {"input_ids": ids, "token_type_ids": types, "ends": ends}


def main():
    tok = AutoTokenizer.from_pretrained(MODEL)
    docs = [json.loads(l) for l in (BEIR / "corpus.jsonl").read_text().splitlines()]
    texts = [(d["title"] + " " + d["text"]) if d.get("title") else d["text"] for d in docs]
    queries = [json.loads(l)["text"] for l in (BEIR / "queries.jsonl").read_text().splitlines()]
    long_query = " ".join(queries)
    cases = []
    for max_len, max_q, max_p in [(512, 128, 128), (64, 8, 16), (40, 4, 12), (30, 128, 128)]:
        for qi, q in enumerate([queries[0], long_query]):
            passages = texts[qi:] + texts[:qi]
            cases.append(
                {
                    "options": {"maxLength": max_len, "maxQueryTokens": max_q, "maxPassageTokens": max_p},
                    "query": q,
                    "passages": passages,
                    **build(tok, q, passages, max_len, max_q, max_p),
                }
            )
    OUT.write_text(json.dumps({"generator": "dev/python/ranking/make_prf_input_fixture.py", "cases": cases}) + "\n")
    print(f"wrote {OUT}: {len(cases)} cases, passages fitted {[len(c['ends']) - 1 for c in cases]}")


if __name__ == "__main__":
    main()
