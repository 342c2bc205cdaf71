"""Write test/fixtures/ranking/ranking-loss.json: the PRF passage-ranking loss per row and its gradient, from
torch, with SPEC §9's definition: per row, the target is the lowest-scored relevant document (first on ties),
the other relevant documents are masked to -inf, and the loss is F.cross_entropy over all candidates.

Run: /work/main/dev/python/.venv/bin/python dev/python/ranking/make_ranking_loss_fixture.py
"""

import json
from pathlib import Path

import torch
import torch.nn.functional as F

ROOT = Path(__file__).resolve().parents[3]
OUT = ROOT / "test" / "fixtures" / "ranking" / "ranking-loss.json"


def loss_rows(scores, relevant):
    masked = scores.clone()
    targets = []
    for r in range(scores.size(0)):
        pos = relevant[r].nonzero().flatten()
        t = pos[scores[r, pos].argmin()]
        targets.append(int(t))
        for p in pos:
            if p != t:
                masked[r, p] = float("-inf")
    return F.cross_entropy(masked, torch.tensor(targets), reduction="none"), targets


def main():
    g = torch.Generator().manual_seed(20220711)
    R, N = 6, 40
    scores = (torch.randn(R, N, generator=g) * 4).round(decimals=1)  # rounding makes ties
    relevant = torch.zeros(R, N, dtype=torch.bool)
    for r in range(R):
        k = 1 + r % 4
        relevant[r, torch.randperm(N, generator=g)[:k]] = True
    # a row whose two relevant documents tie at the lowest score
    relevant[5] = False
    relevant[5, 3] = relevant[5, 7] = True
    scores[5, 3] = scores[5, 7] = -1.5
    scores.requires_grad_(True)
    loss, targets = loss_rows(scores, relevant)
    loss.sum().backward()
    OUT.write_text(
        json.dumps(
            {
                "generator": "dev/python/ranking/make_ranking_loss_fixture.py",
                "scores": scores.detach().tolist(),
                "relevant": relevant.int().tolist(),
                "targets": targets,
                "loss": loss.detach().tolist(),
                "gradSum": scores.grad.tolist(),
            }
        )
        + "\n"
    )
    print(f"wrote {OUT}: losses {[round(x, 4) for x in loss.tolist()]}")


if __name__ == "__main__":
    main()
