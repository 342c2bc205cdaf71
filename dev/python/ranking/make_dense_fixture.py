"""Write test/fixtures/ranking/dense-bert-tiny.json: sentence vectors of the small BEIR fixture's documents and
queries from transformers, pooled as sentence-transformers' Pooling(mean) + Normalize (all-MiniLM-L6-v2's
modules), with the committed random bert-tiny folder (test/fixtures/hf/bert-tiny).

Documents are `title + " " + text` (title omitted when empty), queries their text; max_length 24 truncates some.

Run: /work/main/dev/python/.venv/bin/python dev/python/ranking/make_dense_fixture.py
"""

import json
from pathlib import Path

import torch
from transformers import AutoModel, AutoTokenizer

ROOT = Path(__file__).resolve().parents[3]
MODEL = ROOT / "test" / "fixtures" / "hf" / "bert-tiny"
BEIR = ROOT / "test" / "fixtures" / "ranking" / "beir"
OUT = ROOT / "test" / "fixtures" / "ranking" / "dense-bert-tiny.json"
MAX_LENGTH = 24


def main():
    docs = [json.loads(l) for l in (BEIR / "corpus.jsonl").read_text().splitlines()]
    queries = [json.loads(l) for l in (BEIR / "queries.jsonl").read_text().splitlines()]
    texts = [(d["title"] + " " + d["text"]) if d.get("title") else d["text"] for d in docs]
    texts += [q["text"] for q in queries]
    tok = AutoTokenizer.from_pretrained(MODEL)
    model = AutoModel.from_pretrained(MODEL).eval()
    enc = tok(texts, padding=True, truncation=True, max_length=MAX_LENGTH, return_tensors="pt")
    with torch.no_grad():
        h = model(**enc).last_hidden_state
    m = enc["attention_mask"].unsqueeze(-1).float()
    mean = (h * m).sum(1) / m.sum(1).clamp(min=1e-9)
    vec = torch.nn.functional.normalize(mean, p=2, dim=1)
    OUT.write_text(
        json.dumps(
            {
                "generator": "dev/python/ranking/make_dense_fixture.py",
                "maxLength": MAX_LENGTH,
                "texts": texts,
                "lengths": enc["attention_mask"].sum(1).tolist(),
                "vectors": vec.tolist(),
            }
        )
        + "\n"
    )
    print(f"wrote {OUT}: {len(texts)} texts, lengths {enc['attention_mask'].sum(1).tolist()}")


if __name__ == "__main__":
    main()
