"""Golden values for src/tasks/metrics.test.ts, from scikit-learn and SciPy.

Run: python3 -m venv /tmp/v && /tmp/v/bin/pip install scipy scikit-learn
     /tmp/v/bin/python dev/python/make_metrics.py > test/fixtures/tasks/metrics.json
"""
import json

import numpy as np
import scipy
import sklearn
from scipy.stats import pearsonr, spearmanr
from sklearn.metrics import accuracy_score, f1_score, matthews_corrcoef

rng = np.random.default_rng(0)
bin_gold = rng.integers(0, 2, 30)
bin_pred = np.where(rng.random(30) < 0.7, bin_gold, 1 - bin_gold)
mc_gold = rng.integers(0, 3, 30)
mc_pred = np.where(rng.random(30) < 0.6, mc_gold, rng.integers(0, 3, 30))
x = rng.normal(size=25)
y = 0.6 * x + rng.normal(size=25)
tx = np.round(rng.normal(size=25) * 2) / 2  # many ties
ty = np.round((tx + rng.normal(size=25)) * 2) / 2


def case(expr, value, **arrays):
    return {"expr": expr, "value": float(value), **{k: v.tolist() for k, v in arrays.items()}}


cases = {
    "accuracy_binary": case("accuracy_score(gold, pred)", accuracy_score(bin_gold, bin_pred), pred=bin_pred, gold=bin_gold),
    "mcc_binary": case("matthews_corrcoef(gold, pred)", matthews_corrcoef(bin_gold, bin_pred), pred=bin_pred, gold=bin_gold),
    "mcc_multiclass": case("matthews_corrcoef(gold, pred)", matthews_corrcoef(mc_gold, mc_pred), pred=mc_pred, gold=mc_gold),
    "mcc_constant_pred": case(
        "matthews_corrcoef(gold, pred)", matthews_corrcoef(bin_gold, np.ones(30, int)), pred=np.ones(30, int), gold=bin_gold
    ),
    "f1_binary": case("f1_score(gold, pred)", f1_score(bin_gold, bin_pred), pred=bin_pred, gold=bin_gold),
    "f1_no_positives": case(
        "f1_score(gold, pred, zero_division=0)",
        f1_score(np.zeros(5, int), np.zeros(5, int), zero_division=0),
        pred=np.zeros(5, int),
        gold=np.zeros(5, int),
    ),
    "pearson": case("pearsonr(pred, gold).statistic", pearsonr(x, y).statistic, pred=x, gold=y),
    "pearson_offset": case("pearsonr(pred, gold).statistic", pearsonr(x + 1e6, y).statistic, pred=x + 1e6, gold=y),
    "spearman": case("spearmanr(pred, gold).statistic", spearmanr(x, y).statistic, pred=x, gold=y),
    "spearman_ties": case("spearmanr(pred, gold).statistic", spearmanr(tx, ty).statistic, pred=tx, gold=ty),
}
# Per-task golden scores for scoreAll: the metric set of HF transformers' `glue_compute_metrics` per task
# (cola: mcc; mrpc, qqp: acc_and_f1; sts-b: pearson_and_spearman; others: acc), without its combined_score.
# Keys use cmploss's metric names. A separate generator keeps the cases above unchanged.
task_rng = np.random.default_rng(1)
CLASSIFY = {"accuracy": "accuracy_score(gold, pred)", "f1": "f1_score(gold, pred)", "matthews_corrcoef": "matthews_corrcoef(gold, pred)"}
REGRESS = {"pearson": "pearsonr(pred, gold).statistic", "spearman": "spearmanr(pred, gold).statistic"}
TASK_METRICS = {
    "CoLA": (2, ["matthews_corrcoef"]),
    "SST-2": (2, ["accuracy"]),
    "MRPC": (2, ["f1", "accuracy"]),
    "STS-B": (None, ["pearson", "spearman"]),
    "QQP": (2, ["f1", "accuracy"]),
    "MNLI": (3, ["accuracy"]),
    "QNLI": (2, ["accuracy"]),
    "RTE": (2, ["accuracy"]),
    "WNLI": (2, ["accuracy"]),
}
tasks = {}
for name, (classes, metrics) in TASK_METRICS.items():
    if classes is None:
        gold = np.round(task_rng.uniform(0, 5, 40), 3)
        pred = np.clip(gold + task_rng.normal(0, 1, 40), 0, 5)
        values = {"pearson": pearsonr(pred, gold).statistic, "spearman": spearmanr(pred, gold).statistic}
        exprs = REGRESS
    else:
        gold = task_rng.integers(0, classes, 40)
        pred = np.where(task_rng.random(40) < 0.7, gold, task_rng.integers(0, classes, 40))
        values = {
            "accuracy": accuracy_score(gold, pred),
            "f1": f1_score(gold, pred) if classes == 2 else float("nan"),
            "matthews_corrcoef": matthews_corrcoef(gold, pred),
        }
        exprs = CLASSIFY
    tasks[name] = {
        "exprs": {m: exprs[m] for m in metrics},
        "scores": {m: float(values[m]) for m in metrics},
        "pred": pred.tolist(),
        "gold": gold.tolist(),
    }

# One case per line, so diffs stay readable.
header = {"numpy": np.__version__, "scipy": scipy.__version__, "sklearn": sklearn.__version__}
lines = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in cases.items()]
task_lines = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in tasks.items()]
print('{"generator": "dev/python/make_metrics.py", "versions": ' + json.dumps(header) + ', "cases": {')
print(",\n".join(lines))
print('}, "tasks": {')
print(",\n".join(task_lines))
print("}}")
