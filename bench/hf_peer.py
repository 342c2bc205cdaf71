"""PyTorch + transformers peer for fine-tuning a real Hugging Face folder (e.g. all-MiniLM-L6-v2).

Usage: python bench/hf_peer.py '<json>'  with fields
  model (folder), nDrop (c), batchSize, seqLen, steps, warmup, threads
Prints one JSON line: median ms per train step, examples/s, peak RSS.

The objective is cmploss's, computed the way the reference implementation does it with transformers models:
c = 0 is plain cross-entropy with the model's dropout; c > 0 runs c + 1 sequential forward passes over the same
batch, restoring the RNG state before each so every pass draws the same uniforms, with every nn.Dropout set to
rate 1 - (1 - p)^k for pass k (k = 0 is dropout off), then the "ultra" pairwise comparative loss over the
[B, c + 1] per-example losses. AdamW (lr 5e-5, weight decay 0.01 except biases/LayerNorm), clip 1.0.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import torch
import torch.nn.functional as F
from transformers import AutoModelForSequenceClassification


def main() -> None:
    a = json.loads(sys.argv[1])
    torch.set_num_threads(a["threads"])
    torch.manual_seed(0)
    model = AutoModelForSequenceClassification.from_pretrained(a["model"], num_labels=2)
    model.train()
    drops = [m for m in model.modules() if isinstance(m, torch.nn.Dropout)]
    base_p = [m.p for m in drops]
    decay = [p for n, p in model.named_parameters() if not ("bias" in n or "LayerNorm" in n)]
    no_decay = [p for n, p in model.named_parameters() if "bias" in n or "LayerNorm" in n]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}], lr=5e-5)
    B, T, c = a["batchSize"], a["seqLen"], a["nDrop"]
    vocab = model.config.vocab_size
    g = torch.Generator().manual_seed(1)
    times, losses = [], []
    for i in range(a["warmup"] + a["steps"]):
        ids = torch.randint(5, vocab, (B, T), generator=g)
        labels = torch.randint(0, 2, (B,), generator=g)
        mask = torch.ones(B, T, dtype=torch.long)
        t0 = time.perf_counter()
        if c == 0:
            loss = F.cross_entropy(model(input_ids=ids, attention_mask=mask).logits, labels)
        else:
            state = torch.get_rng_state()
            cols = []
            for k in range(c + 1):
                for m, p in zip(drops, base_p):
                    m.p = 1 - (1 - p) ** k
                torch.set_rng_state(state)
                logits = model(input_ids=ids, attention_mask=mask).logits
                cols.append(F.cross_entropy(logits, labels, reduction="none"))
            table = torch.stack(cols + [torch.zeros(B)], dim=1)  # [B, c + 2] with the ultra dummy
            diffs = table[:, :, None] - table[:, None, :]  # l_i - l_j
            upper = torch.triu(torch.ones(c + 2, c + 2, dtype=torch.bool), diagonal=1)
            loss = F.relu(diffs[:, upper]).mean()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        dt = time.perf_counter() - t0
        if i >= a["warmup"]:
            times.append(dt * 1000)
            losses.append(float(loss))
    times.sort()
    med = times[len(times) // 2]
    print(
        json.dumps(
            {
                **a,
                "impl": "torch+transformers",
                "median_ms": med,
                "examples_per_s": 1000 * B / med,
                "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024,
                "losses": losses,
                "torch": torch.__version__,
            }
        )
    )


if __name__ == "__main__":
    main()
