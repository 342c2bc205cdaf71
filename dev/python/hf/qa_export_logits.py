"""Load a QA folder that cmploss exported with transformers' AutoModelForQuestionAnswering and record its logits.

    dev/python/.venv/bin/python dev/python/hf/qa_export_logits.py FOLDER OUT.json

FOLDER is the `hf-model/` a cmploss QA run writes (scripts/qa-export-fixture.ts exports the committed run
test/fixtures/hf/qa-run/ into a temporary folder and calls this script). It is loaded offline with
AutoModelForQuestionAnswering and AutoTokenizer; QUESTIONS below are tokenized as (question, context) pairs with
truncation="only_second", max_length 64, padded together, and run in eval mode (dropout off). OUT.json gets the
batch (input_ids, attention_mask, token_type_ids), the start and end logits [B, T], the model class transformers
picked, and the library versions. test/hfQaExport.test.ts compares cmploss's logits for the same ids (≤ 1e-4)
and its tokenizer's ids with these.
"""

from __future__ import annotations

import json
import os
import sys

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import torch  # noqa: E402
import transformers  # noqa: E402
from transformers import AutoModelForQuestionAnswering, AutoTokenizer  # noqa: E402

MAX_LENGTH = 64
QUESTIONS = [
    {
        "question": "What color is the sky?",
        "context": "On a clear day the sky is blue, and at sunset it turns orange.",
    },
    {
        "question": "Who wrote the play?",
        "context": "The play was written by a young author in the spring of 1890.",
    },
    {
        "question": "Where is the river?",
        "context": "A long river runs through the old city, past the market and the bridge.",
    },
]


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    folder, out = argv
    torch.manual_seed(0)
    tok = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForQuestionAnswering.from_pretrained(folder)
    model.eval()
    enc = tok(
        [q["question"] for q in QUESTIONS],
        [q["context"] for q in QUESTIONS],
        truncation="only_second",
        max_length=MAX_LENGTH,
        padding=True,
        return_tensors="pt",
    )
    with torch.no_grad():
        result = model(**enc)
    record = {
        "model_class": type(model).__name__,
        "versions": {"transformers": transformers.__version__, "torch": torch.__version__},
        "max_length": MAX_LENGTH,
        "inputs": QUESTIONS,
        "input_ids": enc["input_ids"].tolist(),
        "attention_mask": enc["attention_mask"].tolist(),
        "token_type_ids": enc["token_type_ids"].tolist(),
        "start_logits": result.start_logits.tolist(),
        "end_logits": result.end_logits.tolist(),
    }
    with open(out, "w", encoding="utf-8") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    print(f"{out}: {record['model_class']}, batch {list(enc['input_ids'].shape)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
