"""Golden values for src/loss/comparative.test.ts: the comparative loss of SPEC.md sections 2-5.

An independent float64 numpy restatement of the formulas, with gradients derived by hand (no autograd), and a
two-sided finite-difference self-check of those gradients wherever the loss is differentiable.

Conventions shared with the TypeScript implementation (and with the reference zycdev/CmpLoss in PyTorch):
  * hinge: a pair whose difference is exactly 0 passes the gradient (torch's clamp_min backward is
    `where(self >= min, grad, 0)`, and the reference ranks with F.margin_ranking_loss = clamp_min(0));
  * primary "max": the gradient goes to the first maximal column (torch.max(dim) returns the first index);
  * the dummy effect (target best/first) and the schedule gate are constants: no gradient flows through them;
  * n = 1 (no ablation, c = 0) is the plain task loss l0 whatever the options (the reference forces
    just_cmp = False and cr_weight = 0 when n_drop + n_crop = 0, and its primary over one column is l0).

Run:  python3 -m venv dev/python/.venv && dev/python/.venv/bin/pip install -r dev/python/requirements.txt
      dev/python/.venv/bin/python dev/python/gen_loss_fixtures.py        # writes test/fixtures/loss.json
"""

from __future__ import annotations

import itertools
import json
import pathlib

import numpy as np

SCHEDULE_THRESHOLD = 1.1
OUT = pathlib.Path(__file__).resolve().parents[2] / "test" / "fixtures" / "loss.json"

# Loss tables [B, n]: column 0 is the full model, then increasingly ablated variants. Two decimals keep every
# non-tied pair difference >= 0.01 apart, so float32 (jax-js) and float64 (here) agree on every hinge's sign.
TABLES: list[tuple[str, list[list[float]]]] = [
    ("n1", [[0.5], [1.2], [0.0], [2.3]]),
    # row 1: the ablated model is better; row 2: tie; row 3: zero loss (ties the ultra dummy)
    ("n2", [[0.3, 0.8], [0.9, 0.4], [0.6, 0.6], [0.0, 0.25]]),
    # a low-loss table: batch-mean primary < 1.1 for every primary, so the schedule keeps R
    ("n3_low", [[0.12, 0.35, 0.71], [0.4, 0.22, 0.9], [0.05, 0.05, 0.3], [0.6, 0.5, 0.45]]),
    # a high-loss table: batch-mean primary > 1.1 for every primary, so the schedule drops R
    ("n3_high", [[1.3, 2.1, 1.7], [2.4, 1.9, 2.6], [1.5, 1.5, 1.5], [0.9, 2.2, 3.0]]),
    # row 0: tie at the max, columns 1 and 3 (first-index rule of primary max); row 2: the full model is worst
    (
        "n5",
        [
            [0.2, 1.4, 0.7, 1.4, 0.9],
            [0.31, 0.45, 0.52, 0.88, 1.63],
            [2.05, 1.1, 0.64, 0.93, 0.27],
            [0.77, 0.77, 0.2, 1.05, 1.05],
        ],
    ),
    # mixed: batch-mean primary is on different sides of 1.1 for different primaries
    (
        "n4_mixed",
        [[0.4, 1.9, 1.2, 2.8], [1.1, 0.6, 0.85, 1.45], [0.15, 0.3, 0.45, 0.6], [1.8, 1.35, 0.95, 0.5]],
    ),
]


# ------------------------------------------------------------------------------------------- ranking losses
def hinge(s: np.ndarray) -> tuple[float, np.ndarray]:
    """Mean over pairs i < j of max(0, s_j - s_i) (SPEC 2, Eq. 5) and its gradient w.r.t. s."""
    m = s.shape[0]
    pairs = list(itertools.combinations(range(m), 2))
    if not pairs:
        return 0.0, np.zeros(m)
    value, g = 0.0, np.zeros(m)
    for i, j in pairs:
        d = s[j] - s[i]
        if d >= 0:
            value += d
            g[j] += 1.0
            g[i] -= 1.0
    return value / len(pairs), g / len(pairs)


def list_mle(s: np.ndarray) -> tuple[float, np.ndarray]:
    """sum_{k=0}^{m-2} [log sum_{q>=k} exp(s_q) - s_k] (SPEC 4) and its gradient w.r.t. s."""
    m = s.shape[0]
    value, g = 0.0, np.zeros(m)
    for k in range(m - 1):
        tail = s[k:]
        top = tail.max()
        w = np.exp(tail - top)
        value += top + np.log(w.sum()) - s[k]
        g[k:] += w / w.sum()
        g[k] -= 1.0
    return value, g


# ------------------------------------------------------------------------------------------- dummy baseline
def dummy_effect(s: np.ndarray, target: str) -> float:
    """The dummy model's effect (SPEC 3); a constant for differentiation."""
    if target == "ultra":
        return 0.0
    if target == "best":
        return float(s.max())
    first, star = float(s[0]), float(s[1:].max())
    return (first + star) / 2 if first > star else star


# ------------------------------------------------------------------------------------------------ primaries
def primary(l: np.ndarray, kind: str) -> tuple[np.ndarray, np.ndarray]:
    """primary(l) per row [B] and d primary / d l [B, n] (SPEC 5)."""
    b, n = l.shape
    g = np.zeros((b, n))
    if kind == "max":
        idx = l.argmax(axis=1)  # numpy's argmax is the first maximal index, like torch.max(dim)
        g[np.arange(b), idx] = 1.0
        return l[np.arange(b), idx], g
    if kind == "avg":
        g[:] = 1.0 / n
        return l.mean(axis=1), g
    col = 0 if kind == "first" else n - 1
    g[:, col] = 1.0
    return l[:, col].copy(), g


# ----------------------------------------------------------------------------------------------- whole loss
def comparative(l: np.ndarray, o: dict, frozen: dict | None = None) -> tuple[np.ndarray, np.ndarray, dict]:
    """Per-example loss [B], d sum(loss) / d l [B, n], and the constants (dummy effects, schedule gate).

    `frozen` re-uses given constants, so that finite differences see them as constants too.
    """
    b, n = l.shape
    t = o.get("temperature", 1.0)
    if n == 1:
        return l[:, 0].copy(), np.ones((b, 1)), {}
    rank = list_mle if o.get("listwise", False) else hinge
    s = -l / t
    consts: dict = {}
    if o["kind"] == "cmp":
        target = o.get("target", "ultra")
        dummies = frozen["dummies"] if frozen else [dummy_effect(s[r], target) for r in range(b)]
        consts["dummies"] = dummies
        values, grads = [], []
        for r in range(b):
            v, gs = rank(np.append(s[r], dummies[r]))
            values.append(v)
            grads.append(-gs[:n] / t)
        return np.array(values), np.array(grads), consts
    prim, gprim = primary(l, o.get("primary", "max"))
    w = o.get("weight", 0.0)
    dropped = o.get("schedule", False) and prim.mean() > SCHEDULE_THRESHOLD
    gate = frozen["gate"] if frozen else (0.0 if dropped else 1.0)
    consts["gate"] = gate
    consts["primary_mean"] = float(prim.mean())
    values, grads = prim.copy(), gprim.copy()
    for r in range(b):
        v, gs = rank(s[r])
        values[r] += gate * w * v
        grads[r] += gate * w * (-gs / t)
    return values, grads, consts


def option_grid() -> list[dict]:
    """Every combination each kind accepts: target only with "cmp", primary/weight/schedule only with "regulariser"."""
    grid = []
    for listwise, t in itertools.product([False, True], [1.0, 0.5]):
        for target in ["ultra", "best", "first"]:
            grid.append({"kind": "cmp", "target": target, "listwise": listwise, "temperature": t})
        for prim, w, sched in itertools.product(["max", "avg", "first", "last"], [0.0, 0.5], [False, True]):
            grid.append(
                {
                    "kind": "regulariser",
                    "primary": prim,
                    "weight": w,
                    "schedule": sched,
                    "listwise": listwise,
                    "temperature": t,
                }
            )
    return grid


def check_gradient(l: np.ndarray, o: dict, grad: np.ndarray, consts: dict) -> int:
    """Two-sided finite differences, constants frozen; entries at a kink (the sides disagree) are skipped."""
    h, checked = 1e-6, 0
    for r, c in itertools.product(*map(range, l.shape)):
        up, down = l.copy(), l.copy()
        up[r, c] += h
        down[r, c] -= h
        base = comparative(l, o, consts or None)[0].sum()
        right = (comparative(up, o, consts or None)[0].sum() - base) / h
        left = (base - comparative(down, o, consts or None)[0].sum()) / h
        if abs(right - left) > 1e-6:
            continue
        assert abs(right - grad[r, c]) < 1e-5, (o, r, c, right, grad[r, c])
        checked += 1
    return checked


def check_margins(l: np.ndarray, o: dict, consts: dict) -> None:
    """No hinge difference and no schedule mean may sit so close to a kink that float32 could flip it."""
    t = o.get("temperature", 1.0)
    for r in range(l.shape[0]):
        s = -l[r] / t
        if "dummies" in consts:
            s = np.append(s, consts["dummies"][r])
        for i, j in itertools.combinations(range(s.shape[0]), 2):
            d = abs(s[j] - s[i])
            assert d == 0 or d > 1e-3, (o, r, i, j, d)
    if o.get("schedule", False) and "primary_mean" in consts:
        assert abs(consts["primary_mean"] - SCHEDULE_THRESHOLD) > 1e-3, (o, consts)


def rounded(x: np.ndarray) -> list:
    return [rounded(v) for v in x] if x.ndim > 0 else float(f"{float(x):.9g}")  # type: ignore[return-value]


def main() -> None:
    tables = []
    checked, gated = 0, {True: 0, False: 0}
    for name, rows in TABLES:
        l = np.array(rows, dtype=np.float64)
        cases = []
        for o in option_grid():
            value, grad, consts = comparative(l, o)
            check_margins(l, o, consts)
            checked += check_gradient(l, o, grad, consts)
            if o.get("schedule", False) and o["weight"] > 0 and l.shape[1] > 1:
                gated[consts["gate"] == 0.0] += 1
            cases.append({"options": o, "value": rounded(value), "grad": rounded(grad)})
        tables.append({"name": name, "losses": rows, "cases": cases})
    assert gated[True] > 0 and gated[False] > 0, gated
    doc = {
        "generator": "dev/python/gen_loss_fixtures.py (numpy, float64, hand-derived gradients)",
        "value": "comparativeLoss(losses, options) per example [B]",
        "grad": "d sum(comparativeLoss(losses, options)) / d losses [B, n]; dummy and schedule gate constant",
        "tables": tables,
    }
    # One case per line keeps the file reviewable and its diffs small.
    lines = ["{"]
    for key in ("generator", "value", "grad"):
        lines.append(f"  {json.dumps(key)}: {json.dumps(doc[key])},")
    lines.append('  "tables": [')
    for ti, tb in enumerate(tables):
        lines.append("    {")
        lines.append(f'      "name": {json.dumps(tb["name"])},')
        lines.append(f'      "losses": {json.dumps(tb["losses"])},')
        lines.append('      "cases": [')
        for ci, case in enumerate(tb["cases"]):
            comma = "," if ci + 1 < len(tb["cases"]) else ""
            lines.append(f"        {json.dumps(case, separators=(',', ':'))}{comma}")
        lines.append("      ]")
        lines.append("    }" + ("," if ti + 1 < len(tables) else ""))
    lines.append("  ]")
    lines.append("}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text("\n".join(lines) + "\n")
    n_cases = sum(len(tb["cases"]) for tb in tables)
    print(f"wrote {OUT} ({OUT.stat().st_size} bytes): {n_cases} cases")
    print(f"{checked} gradient entries checked by finite differences")
    print(f"schedule with weight > 0: R dropped in {gated[True]} cases, kept in {gated[False]}")


if __name__ == "__main__":
    main()
