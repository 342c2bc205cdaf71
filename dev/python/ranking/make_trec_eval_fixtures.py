"""Write test/fixtures/ranking/trec-eval-parity.json: seeded qrels and runs with their pytrec_eval values.

The cases are built to hit trec_eval's conventions: tied scores (so its re-sort by score, then document id
descending, decides the order; ids such as d1/d10/d2 sort differently as strings than as numbers), graded qrels
with relevance levels 1 and 2, judged non-relevant and negative grades, run queries missing from the qrels, qrels
queries missing from the run, queries with no relevant document, and a long run that passes the 100 and 1000 cuts.

Every number in the file comes from pytrec_eval (pytrec-eval-terrier, the trec_eval C code). MRR@10 is read off
recip_rank: the first relevant rank r is ≤ 10 exactly when 1/r ≥ 0.1. Means are trec_eval -c: over every qrels
query, a query the run lacks scoring 0.

Run: /work/main/dev/python/.venv/bin/python dev/python/ranking/make_trec_eval_fixtures.py
"""

import json
import random
from pathlib import Path

import pytrec_eval

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "test" / "fixtures" / "ranking" / "trec-eval-parity.json"

# our name -> pytrec_eval's
MEASURES = {
    "ndcg@10": "ndcg_cut_10",
    "ndcg@5": "ndcg_cut_5",
    "recall@5": "recall_5",
    "recall@100": "recall_100",
    "recall@1000": "recall_1000",
    "map@5": "map_cut_5",
    "map@1000": "map_cut_1000",
    "p@10": "P_10",
}
REQUEST = {"ndcg_cut.5,10", "recall.5,100,1000", "map_cut.5,1000", "P.10", "recip_rank"}


def make_case(rng, name, n_queries, max_docs, n_ids, score_levels, grades, long_query=False):
    qrels, run = {}, {}
    for q in range(n_queries):
        qid = f"q{q}"
        judged = rng.sample(range(n_ids), rng.randint(1, min(8, n_ids)))
        qrels[qid] = {f"d{d}": rng.choice(grades) for d in judged}
        if q % 5 == 4:
            # no relevant document: only judged non-relevant
            qrels[qid] = {d: 0 for d in qrels[qid]}
        if q % 7 == 3:
            continue  # missing from the run
        n = rng.randint(0, max_docs) if not (long_query and q == 0) else 1200
        ids = rng.sample(range(max(n_ids, n)), min(n, max(n_ids, n)))
        run[qid] = {f"d{d}": float(rng.randint(0, score_levels)) / 4 for d in ids}
    run["not-in-qrels"] = {"d1": 1.0, "d2": 0.5}
    return name, qrels, run


def evaluate(qrels, run, level):
    ev = pytrec_eval.RelevanceEvaluator(qrels, REQUEST, relevance_level=level)
    raw = ev.evaluate(run)
    per_query = {}
    for qid in qrels:
        if qid in raw:
            v = raw[qid]
            row = {ours: v[theirs] for ours, theirs in MEASURES.items()}
            rr = v["recip_rank"]
            row["mrr@10"] = rr if rr >= 0.1 - 1e-12 else 0.0
            row["recip_rank"] = rr
        else:
            row = {ours: 0.0 for ours in MEASURES}
            row["mrr@10"] = 0.0
            row["recip_rank"] = 0.0
        per_query[qid] = row
    names = list(MEASURES) + ["mrr@10", "recip_rank"]
    mean = {m: sum(r[m] for r in per_query.values()) / len(per_query) for m in names}
    return per_query, mean


def main():
    rng = random.Random(20240528)
    specs = [
        make_case(rng, "ties-binary", 20, 25, 30, 3, [0, 1, 1]),
        make_case(rng, "graded", 20, 30, 40, 8, [0, 1, 2, 3, -1]),
        make_case(rng, "long-run", 6, 40, 1500, 40, [0, 1, 2], long_query=True),
    ]
    cases = []
    for name, qrels, run in specs:
        for level in (1, 2):
            per_query, mean = evaluate(qrels, run, level)
            cases.append(
                {
                    "name": f"{name} level {level}",
                    "relevanceLevel": level,
                    "qrels": qrels,
                    "run": run,
                    "perQuery": per_query,
                    "mean": mean,
                }
            )
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "generator": "dev/python/ranking/make_trec_eval_fixtures.py",
                "pytrec_eval": "pytrec-eval-terrier",
                "cases": cases,
            }
        )
        + "\n"
    )
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes, {len(cases)} cases)")


if __name__ == "__main__":
    main()
