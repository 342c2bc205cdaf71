#!/usr/bin/env bash
# Stage what a GPU experiment needs besides the code: a pretrained model and task data, in .gpustage/
# (git-ignored). The device pack (~49 MB) and a model such as MiniLM (45 MB in float16) exceed one device
# call's 64 MiB together, so they travel in two calls to the same warm machine (ignored files a call brought
# stay there for the next call):
#
#   here:    bash scripts/device-build.sh                                  # .devicepack + .gpu (compiled JS)
#            bash scripts/device-stage.sh <hf-model-folder> [<glue task folder> | <data file>…]
#   call 1:  carry [".gpustage"]              command: du -sh .gpustage
#   call 2:  carry [".devicepack", ".gpu"]    command: bash scripts/gpu-experiment.sh $OUT --model .gpustage/model \
#              --tasks rte --data-dirs rte=.gpustage/data/RTE …
#   (call 2 must start within the machine's 30 s of warm idle time, or call 1 is lost.)
#
# The weights are stored in float16 (rounding each to 11 significant bits; fine-tuning runs in float32 from
# there); tokenizer and config files are copied as they are. Needs python3 with numpy.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { echo "usage: scripts/device-stage.sh <hf-model-folder> [<glue task folder> | <data file>…]" >&2; exit 2; }
model="$1"
shift
[[ -f "$model/config.json" && -f "$model/model.safetensors" ]] ||
  { echo "device-stage: $model: expected config.json and model.safetensors" >&2; exit 1; }
rm -rf .gpustage.partial
trap 'rm -rf .gpustage.partial' EXIT
mkdir -p .gpustage.partial/model .gpustage.partial/data
for f in config.json tokenizer.json tokenizer_config.json special_tokens_map.json vocab.txt; do
  if [[ -f "$model/$f" ]]; then cp "$model/$f" .gpustage.partial/model/; fi
done
python3 - "$model/model.safetensors" .gpustage.partial/model/model.safetensors <<'PY'
import json, struct, sys
import numpy as np
src, dst = sys.argv[1], sys.argv[2]
with open(src, "rb") as f:
    (n,) = struct.unpack("<Q", f.read(8))
    header = json.loads(f.read(n))
    data = f.read()
meta = header.pop("__metadata__", None)
out_header, chunks, offset = {}, [], 0
for name, t in header.items():
    start, end = t["data_offsets"]
    raw = data[start:end]
    if t["dtype"] == "F32":
        raw = np.frombuffer(raw, dtype="<f4").astype("<f2").tobytes()
        dtype = "F16"
    else:
        dtype = t["dtype"]
    out_header[name] = {"dtype": dtype, "shape": t["shape"], "data_offsets": [offset, offset + len(raw)]}
    chunks.append(raw)
    offset += len(raw)
if meta is not None:
    out_header["__metadata__"] = meta
text = json.dumps(out_header)
text += " " * ((8 - (8 + len(text)) % 8) % 8)
with open(dst, "wb") as f:
    f.write(struct.pack("<Q", len(text)))
    f.write(text.encode())
    for c in chunks:
        f.write(c)
PY
for data in "$@"; do
  # a GLUE task folder (its .tsv files) or a QA file such as SQuAD's dev-v1.1.json
  if [[ -d "$data" ]] && compgen -G "$data/*.tsv" >/dev/null; then
    mkdir -p ".gpustage.partial/data/$(basename "$data")"
    cp "$data"/*.tsv ".gpustage.partial/data/$(basename "$data")/"
  elif [[ -f "$data" ]]; then
    cp "$data" .gpustage.partial/data/
  else
    echo "device-stage: $data: expected a GLUE task folder (*.tsv) or a data file" >&2
    exit 1
  fi
done
rm -rf .gpustage
mv .gpustage.partial .gpustage
du -sh .gpustage
size=$(du -sm .gpustage | cut -f1)
((size < 62)) || { echo "device-stage: .gpustage is ${size} MB; one call carries at most 64 MiB" >&2; exit 1; }
