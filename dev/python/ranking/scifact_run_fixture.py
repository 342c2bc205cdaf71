"""Write test/fixtures/ranking/scifact-bm25-test.json: pytrec_eval's measures of our BM25 run on SciFact test.

The run is made by our CLI (the data is CC BY-NC and not bundled; it lives in ../shared/data/scifact):

  npx cmploss retrieve --task prf --data-dir ../shared/data/scifact --split test --bm25 --output /tmp/bm25.trec
  /work/main/dev/python/.venv/bin/python dev/python/ranking/scifact_run_fixture.py /tmp/bm25.trec

The fixture holds the run file's sha256 and line count (so the test knows it rebuilt the same run) and
pytrec_eval's per-query and mean values (mean over every qrels query, as trec_eval -c; MRR@10 from recip_rank).
"""

import hashlib
import json
import sys
from pathlib import Path

import pytrec_eval

ROOT = Path(__file__).resolve().parents[3]
DATA = ROOT.parent / "shared" / "data" / "scifact"
OUT = ROOT / "test" / "fixtures" / "ranking" / "scifact-bm25-test.json"
MEASURES = {"ndcg@10": "ndcg_cut_10", "recall@100": "recall_100", "map@1000": "map_cut_1000", "recall@1000": "recall_1000"}


def main(run_file):
    raw = Path(run_file).read_bytes()
    run = {}
    for line in raw.decode().splitlines():
        qid, _, doc, _, score, _ = line.split()
        run.setdefault(qid, {})[doc] = float(score)
    qrels = {}
    with open(DATA / "qrels" / "test.tsv") as f:
        next(f)
        for line in f:
            q, d, s = line.rstrip("\n").split("\t")
            qrels.setdefault(q, {})[d] = int(s)
    ev = pytrec_eval.RelevanceEvaluator(qrels, {"ndcg_cut.10", "recall.100,1000", "map_cut.1000", "recip_rank"})
    res = ev.evaluate(run)
    per_query = {}
    for q in qrels:
        v = res.get(q)
        row = {ours: (v[theirs] if v else 0.0) for ours, theirs in MEASURES.items()}
        rr = v["recip_rank"] if v else 0.0
        row["mrr@10"] = rr if rr >= 0.1 - 1e-12 else 0.0
        per_query[q] = row
    mean = {m: sum(r[m] for r in per_query.values()) / len(per_query) for m in [*MEASURES, "mrr@10"]}
    OUT.write_text(
        json.dumps(
            {
                "generator": "dev/python/ranking/scifact_run_fixture.py",
                "command": "cmploss retrieve --task prf --data-dir ../shared/data/scifact --split test --bm25",
                "runSha256": hashlib.sha256(raw).hexdigest(),
                "runLines": raw.count(b"\n"),
                "queries": len(qrels),
                "mean": mean,
                "perQuery": per_query,
            },
            indent=1,
        )
        + "\n"
    )
    print(json.dumps(mean))


if __name__ == "__main__":
    main(sys.argv[1])
