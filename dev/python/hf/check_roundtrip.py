"""Load a Hugging Face folder with transformers and compare its logits with the ones in a JSON file.

    dev/python/.venv/bin/python dev/python/hf/check_roundtrip.py FOLDER INPUTS.json [--out RESULT.json] [--atol 1e-4]

FOLDER is anything AutoModelForSequenceClassification + AutoTokenizer load offline (config.json, model.safetensors,
tokenizer.json, ...): e.g. a folder cmploss saved after fine-tuning. INPUTS.json (every test/fixtures/hf/*/expected.json
qualifies) holds:
  "inputs":   [{"text": str, "text_pair": str | null}, ...]   tokenized here with the folder's tokenizer, each on its
              own with truncation="longest_first", then padded together (padding=True);
  "tokenizer_call": {"max_length": 32}                          optional (or a top-level "max_length"; default 32);
  "input_ids", "attention_mask", "token_type_ids"               optional pre-tokenized batch [B, T]. With "inputs"
              as well, the tokenizer's ids must equal these (a tokenizer parity check) and they are what is run;
  "logits":   [[float, ...], ...]                               optional expected [B, C];
  "atol":     float                                             optional, overridden by --atol (default 1e-4).

Prints {"logits", "max_abs_diff", "atol", "ok", ...} as JSON (also to --out). The model runs in float32 whatever
the stored dtype (an fp16 folder is upcast on load). Exit status: 0 when every |logit - expected| <= atol (or no
expected logits were given), 1 on a larger difference or a tokenization mismatch, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForSequenceClassification, AutoTokenizer  # noqa: E402

BATCH_KEYS = ("input_ids", "attention_mask", "token_type_ids")


def tokenize(tok, inputs, max_length):
    encs = [tok(x["text"], x.get("text_pair"), truncation="longest_first", max_length=max_length) for x in inputs]
    return {k: v.tolist() for k, v in tok.pad(encs, padding=True, return_tensors="pt").items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("folder")
    ap.add_argument("inputs")
    ap.add_argument("--out", help="also write the result JSON here")
    ap.add_argument("--atol", type=float, help="max allowed |logit difference| (default: the file's atol, else 1e-4)")
    args = ap.parse_args(argv)

    with open(args.inputs, encoding="utf-8") as f:
        spec = json.load(f)
    given = {k: spec[k] for k in BATCH_KEYS if k in spec}
    if "inputs" not in spec and "input_ids" not in given:
        ap.error(f"{args.inputs}: expected an 'inputs' list or an 'input_ids' batch")
    atol = args.atol if args.atol is not None else float(spec.get("atol", 1e-4))
    max_length = spec.get("tokenizer_call", {}).get("max_length", spec.get("max_length", 32))

    torch.set_num_threads(1)
    transformers.utils.logging.disable_progress_bar()
    model = AutoModelForSequenceClassification.from_pretrained(args.folder, dtype=torch.float32).eval()
    result: dict = {"folder": args.folder, "model_class": type(model).__name__, "atol": atol}
    ok = True

    if "inputs" in spec:
        tok = AutoTokenizer.from_pretrained(args.folder)
        batch = tokenize(tok, spec["inputs"], max_length)
        mismatched = [k for k in given if given[k] != batch.get(k)]
        if mismatched:
            ok = False
            result["tokenization_mismatch"] = {k: {"expected": given[k], "tokenizer": batch.get(k)} for k in mismatched}
        batch.update(given)
    else:
        batch = given
    batch = {k: torch.tensor(v, dtype=torch.long) for k, v in batch.items() if k in BATCH_KEYS}
    if "token_type_ids" in batch and model.config.type_vocab_size == 1 and int(batch["token_type_ids"].max()) > 0:
        ap.error("token_type_ids > 0 for a model with type_vocab_size 1")

    with torch.no_grad():
        logits = model(**batch).logits.double().numpy()
    result["logits"] = logits.tolist()

    if "logits" in spec:
        expected = np.asarray(spec["logits"], dtype=np.float64)
        if expected.shape != logits.shape:
            ok = False
            result["shape_mismatch"] = {"expected": list(expected.shape), "got": list(logits.shape)}
        else:
            diff = float(np.abs(logits - expected).max())
            result["max_abs_diff"] = diff
            ok = ok and diff <= atol
    result["ok"] = ok

    text = json.dumps(result, ensure_ascii=False)
    print(text)
    if args.out:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text + "\n")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
