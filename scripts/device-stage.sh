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
# there; scripts/to-fp16.ts); tokenizer and config files are copied as they are.
#
# `--runs <grid folder>` also stages the runs an earlier GPU call finished (their logs and metrics, no weights),
# so that gpu-experiment.sh skips them and the grid goes on where it stopped.
set -euo pipefail
usage="usage: scripts/device-stage.sh [--runs <grid folder>] <hf-model-folder> [<glue task folder> | <data file>…]"
runs=""
if [[ "${1:-}" == --runs ]]; then
  runs="${2:?$usage}"
  [[ -d "$runs" ]] || { echo "device-stage: --runs $runs: not a folder" >&2; exit 1; }
  runs="$(cd "$runs" && pwd)"
  shift 2
fi
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { echo "$usage" >&2; exit 2; }
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
npx tsx scripts/to-fp16.ts "$model/model.safetensors" .gpustage.partial/model/model.safetensors
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
if [[ -n "$runs" ]]; then
  # only finished runs (metrics.json), without weights or exported models
  (cd "$runs" && find . -name metrics.json -path '*/seed*' -printf '%h\n') | while read -r run; do
    mkdir -p ".gpustage.partial/runs/$run"
    find "$runs/$run" -maxdepth 1 -type f ! -name '*.safetensors' -exec cp {} ".gpustage.partial/runs/$run/" \;
  done
fi
rm -rf .gpustage
mv .gpustage.partial .gpustage
du -sh .gpustage
size=$(du -sm .gpustage | cut -f1)
((size < 62)) || { echo "device-stage: .gpustage is ${size} MB; one call carries at most 64 MiB" >&2; exit 1; }
