"""PyTorch CPU peer of bench/stepTiming.ts: steady-state train-step time of one shape.

Usage: python bench/torch_step.py '<json>'   (the same fields as StepTimingArgs, plus "threads")
Prints one JSON line.

A minimal post-LN BERT in plain torch (no transformers): word + position + token-type embeddings, LayerNorm
eps 1e-12, multi-head attention with a padding mask, exact (erf) GELU, tanh pooler, dropout, linear classifier.
The objective is the one cmploss trains:
- c = 0: per-example cross-entropy with ordinary dropout 0.1 (F.dropout);
- c > 0: CmpDrop. Variant k (k = 0..c) uses rate p_k = 1 - (1 - 0.1)^k at every dropout site, with SHARED
  uniform draws: each site draws u once for the B-row shape and variant k keeps u >= p_k, scaled by
  1 / (1 - p_k). "batched" runs the c + 1 variants as one pass over (c + 1)·B rows (the embeddings are computed
  once for the B rows and fanned out at the first dropout site, as cmploss does); "sequential" runs c + 1
  passes over B rows and restores the generator before each pass, so every pass sees the same draws. The
  per-example CE table [B, c + 1] gets the dummy baseline 0 appended ("ultra") and the loss is the mean over
  pairs i < j of relu(l_i - l_j), averaged over the batch.
AdamW (lr 1e-4, betas 0.9/0.999, eps 1e-8, weight decay 0.01 except biases and LayerNorm), grad-norm clip 1.0.
"""

from __future__ import annotations

import json
import math
import os
import resource
import sys
import time

import torch
import torch.nn.functional as F
from torch import nn

PRESETS = {
    "bert-L2-H128-A2": dict(layers=2, hidden=128, heads=2, intermediate=512),
    "bert-L4-H256-A4": dict(layers=4, hidden=256, heads=4, intermediate=1024),
    "bert-L4-H512-A8": dict(layers=4, hidden=512, heads=8, intermediate=2048),
    "minilm-L6-H384-A12": dict(layers=6, hidden=384, heads=12, intermediate=1536),
}

P_DROP = 0.1
LN_EPS = 1e-12
MASKED = -1e9


class Dropout:
    """Dropout for one forward pass: ordinary (powers None) or nested CmpDrop with shared draws."""

    def __init__(self, powers: list[int] | None, rows: int, generator: torch.Generator | None):
        self.powers = powers
        self.rows = rows  # B: the rows that share one draw
        self.gen = generator
        if powers is not None:
            rates = [1 - (1 - P_DROP) ** k for k in powers]
            self.p = torch.tensor(rates, dtype=torch.float32)
            self.scale = torch.tensor([1 / (1 - r) for r in rates], dtype=torch.float32)

    def __call__(self, x: torch.Tensor, expand: bool = False) -> torch.Tensor:
        if self.powers is None:
            return F.dropout(x, P_DROP, training=True)
        V = len(self.powers)
        B = self.rows
        if all(k == 0 for k in self.powers):  # the full model: dropout off, no draw (as cmploss)
            return x if not expand else x.repeat(V, *[1] * (x.dim() - 1))
        unit = x.shape[1:]
        u = torch.rand((B, *unit), generator=self.gen).unsqueeze(0)  # [1, B, ...]
        view = [V] + [1] * (len(unit) + 1)
        mult = torch.where(u >= self.p.view(view), self.scale.view(view), torch.zeros(()))  # [V, B, ...]
        grouped = x.view(1 if expand else V, B, *unit)
        return (grouped * mult).reshape(V * B, *unit)


class Layer(nn.Module):
    def __init__(self, H: int, N: int, I: int):
        super().__init__()
        self.N = N
        self.query = nn.Linear(H, H)
        self.key = nn.Linear(H, H)
        self.value = nn.Linear(H, H)
        self.attn_out = nn.Linear(H, H)
        self.attn_ln = nn.LayerNorm(H, eps=LN_EPS)
        self.inter = nn.Linear(H, I)
        self.out = nn.Linear(I, H)
        self.out_ln = nn.LayerNorm(H, eps=LN_EPS)

    def forward(self, x: torch.Tensor, bias: torch.Tensor, drop: Dropout) -> torch.Tensor:
        R, T, H = x.shape
        N = self.N
        D = H // N

        def heads(y: torch.Tensor) -> torch.Tensor:
            return y.view(R, T, N, D).transpose(1, 2)

        q, k, v = heads(self.query(x)), heads(self.key(x)), heads(self.value(x))
        scores = torch.matmul(q * (1 / math.sqrt(D)), k.transpose(-1, -2)) + bias
        probs = drop(torch.softmax(scores, dim=-1))
        context = torch.matmul(probs, v).transpose(1, 2).reshape(R, T, H)
        h = self.attn_ln(drop(self.attn_out(context)) + x)
        ffn = self.out(F.gelu(self.inter(h)))
        return self.out_ln(drop(ffn) + h)


class BertClassifier(nn.Module):
    def __init__(self, vocab: int, layers: int, hidden: int, heads: int, intermediate: int, max_pos: int):
        super().__init__()
        self.word = nn.Embedding(vocab, hidden)
        self.pos = nn.Embedding(max_pos, hidden)
        self.token_type = nn.Embedding(2, hidden)
        self.emb_ln = nn.LayerNorm(hidden, eps=LN_EPS)
        self.layers = nn.ModuleList([Layer(hidden, heads, intermediate) for _ in range(layers)])
        self.pooler = nn.Linear(hidden, hidden)
        self.classifier = nn.Linear(hidden, 2)
        for m in self.modules():  # HF BERT init
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, std=0.02)
            if isinstance(m, nn.Linear):
                nn.init.zeros_(m.bias)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor, types: torch.Tensor, drop: Dropout) -> torch.Tensor:
        B, T = ids.shape
        pos = torch.arange(T).unsqueeze(0)
        x = self.emb_ln(self.word(ids) + self.pos(pos) + self.token_type(types))
        x = drop(x, expand=True)  # [B, T, H] -> [V·B, T, H]
        V = x.shape[0] // B
        bias = ((1 - mask.float()) * MASKED).view(B, 1, 1, T)
        if V > 1:
            bias = bias.repeat(V, 1, 1, 1)
        for layer in self.layers:
            x = layer(x, bias, drop)
        pooled = torch.tanh(self.pooler(x[:, 0]))
        return self.classifier(drop(pooled))


def ultra_pairwise(table: torch.Tensor) -> torch.Tensor:
    """[B, n] task losses -> [B]: mean over pairs i < j of [l_0..l_{n-1}, 0] of relu(l_i - l_j)."""
    full = torch.cat([table, torch.zeros_like(table[:, :1])], dim=1)
    m = full.shape[1]
    i, j = torch.triu_indices(m, m, offset=1)
    return torch.relu(full[:, i] - full[:, j]).mean(dim=1)


def objective(model: BertClassifier, batch: dict, n_drop: int, mode: str, seed: int) -> torch.Tensor:
    ids, mask, types, labels = batch["ids"], batch["mask"], batch["types"], batch["labels"]
    B = ids.shape[0]
    if n_drop == 0:
        logits = model(ids, mask, types, Dropout(None, B, None))
        return F.cross_entropy(logits, labels, reduction="none").mean()
    powers = list(range(n_drop + 1))
    V = len(powers)
    gen = torch.Generator(device=DEVICE)
    if mode == "batched":
        gen.manual_seed(seed)
        logits = model(ids, mask, types, Dropout(powers, B, gen))
        table = F.cross_entropy(logits, labels.repeat(V), reduction="none").view(V, B).t()
    else:
        columns = []
        for k in powers:
            gen.manual_seed(seed)  # the same draws at every site in every pass
            logits = model(ids, mask, types, Dropout([k], B, gen))
            columns.append(F.cross_entropy(logits, labels, reduction="none"))
        table = torch.stack(columns, dim=1)
    return ultra_pairwise(table).mean()


def parallel_info_head(lines: int = 8) -> list[str]:
    return [line for line in torch.__config__.parallel_info().splitlines() if line.strip()][:lines]


# CMPLOSS_TORCH_DEVICE=cuda runs the peer on the GPU (bench/run.ts --torch-device cuda; scripts/gpu-bench.sh).
DEVICE = os.environ.get("CMPLOSS_TORCH_DEVICE", "cpu")


def main() -> None:
    torch.set_default_device(DEVICE)
    args = json.loads(sys.argv[1])
    threads = int(args["threads"])
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    shape = PRESETS[args["preset"]]
    B, T, vocab = args["batchSize"], args["seqLen"], args["vocab"]
    model = BertClassifier(vocab, max_pos=max(512, T), **shape)
    model.train()
    decay = [p for n, p in model.named_parameters() if not (n.endswith("bias") or "_ln" in n)]
    no_decay = [p for n, p in model.named_parameters() if n.endswith("bias") or "_ln" in n]
    opt = torch.optim.AdamW(
        [{"params": decay, "weight_decay": 0.01}, {"params": no_decay, "weight_decay": 0.0}],
        lr=1e-4,
        betas=(0.9, 0.999),
        eps=1e-8,
    )
    data_gen = torch.Generator(device=DEVICE).manual_seed(1)

    def batch() -> dict:
        return {
            "ids": torch.randint(5, vocab, (B, T), generator=data_gen),
            "mask": torch.ones(B, T, dtype=torch.long),
            "types": torch.zeros(B, T, dtype=torch.long),
            "labels": torch.randint(0, 2, (B,), generator=data_gen),
        }

    times: list[float] = []
    cpu_times: list[float] = []
    losses: list[float] = []
    for i in range(args["warmup"] + args["steps"]):
        b = batch()
        t0 = time.perf_counter()
        c0 = time.process_time()
        opt.zero_grad(set_to_none=True)
        loss = objective(model, b, args["nDrop"], args["mode"], seed=1000 + i)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        value = loss.item()
        dt = (time.perf_counter() - t0) * 1000
        dc = (time.process_time() - c0) * 1000
        if i >= args["warmup"]:
            times.append(dt)
            cpu_times.append(dc)
            losses.append(value)
    ordered, mid = sorted(times), len(times) // 2
    median = ordered[mid] if len(times) % 2 else (ordered[mid - 1] + ordered[mid]) / 2
    result = {
        **args,
        "threads": threads,
        "ms_per_step": [round(t, 1) for t in times],
        "median_ms": median,
        # CPU time of the whole process per step: on a shared machine, the work done rather than the wait.
        "cpu_ms_per_step": [round(t, 1) for t in cpu_times],
        "median_cpu_ms": sorted(cpu_times)[mid] if len(cpu_times) % 2 else (sorted(cpu_times)[mid - 1] + sorted(cpu_times)[mid]) / 2,
        "examples_per_s": 1000 * B / median,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        **(
            {"peak_gpu_mb": round(torch.cuda.max_memory_allocated() / 2**20), "gpu": torch.cuda.get_device_name()}
            if DEVICE == "cuda"
            else {}
        ),
        "losses": losses,
        "torch_version": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "torch_parallel_info": parallel_info_head(),
        "openblas_coretype": os.environ.get("OPENBLAS_CORETYPE"),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
