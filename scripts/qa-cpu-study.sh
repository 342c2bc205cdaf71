#!/usr/bin/env bash
# The extractive-QA ablation study sized to a 2-core CPU (docs/QA.md, "The study sized to this CPU"; issue 30):
# the main grid (CE / CmpDrop / CmpCrop / both) and the equal-compute control (CE for two epochs) side by side,
# seeds 1-2 of both first, so that the paired comparison with the control is there before seed 3, then seed 3 of
# both (the last two calls also write the grids' full reports). Side by side, because one after the other left
# a core idle while a grid's last, slowest run (both, three variants) finished. Every grid resumes where it
# stopped (Ctrl-C checkpoints the runs in flight; --save-steps 10 bounds what a kill loses), so run it again to
# go on.
#
#   bash scripts/qa-cpu-study.sh [<root folder, default runs>]
#
# SQUAD (default ../shared/data/squad-v1.1/dev-v1.1.json) and MODEL (default
# ~/.cache/cmploss/models/all-MiniLM-L6-v2, from scripts/fetch-minilm.sh) say where the data and the model are;
# NICE (default 15) keeps it behind other work on the machine; JOBS (default 2) runs at once in the main grid,
# beside one run of the control.
set -euo pipefail
root="${1:-runs}"
squad="${SQUAD:-../shared/data/squad-v1.1/dev-v1.1.json}"
model="${MODEL:-$HOME/.cache/cmploss/models/all-MiniLM-L6-v2}"
[[ -f "$squad" ]] || { echo "qa-cpu-study: $squad: expected SQuAD v1.1's dev-v1.1.json (set SQUAD)" >&2; exit 1; }
[[ -f "$model/config.json" ]] || { echo "qa-cpu-study: $model: expected a model folder (scripts/fetch-minilm.sh; set MODEL)" >&2; exit 1; }
# paths as given from here, before moving to the repository root
squad="$(realpath "$squad")" model="$(realpath "$model")" root="$(realpath -m "$root")"
cd "$(dirname "$0")/.."
grid() {
  nice -n "${NICE:-15}" node --import tsx src/cli/main.ts experiment --tasks squad-distractor \
    --data-dirs "squad-distractor=$squad" --model "$model" \
    --n-drop 1 --n-crop 1 --distractors 2 --max-seq-length 256 --train-questions 2000 --dev-questions 300 \
    --lr 3e-4 --warmup-ratio 0.1 --eval-steps 1000 --save-steps 10 --utility-powers 0,2,8 "$@"
}
for seeds in 1,2 1,2,3; do
  grid --methods ce,cmp-drop,cmp-crop,cmp-both --epochs 1 --seeds "$seeds" --jobs "${JOBS:-2}" \
    --output-dir "$root/qa-cpu-lr3e-4" &
  main=$!
  grid --methods ce --epochs 2 --seeds "$seeds" --jobs 1 --output-dir "$root/qa-cpu-lr3e-4-ce2ep" &
  control=$!
  # either grid failing stops the study (after the other has finished its runs in flight)
  wait "$main" && main_ok=1 || main_ok=0
  wait "$control" || exit 1
  [[ $main_ok == 1 ]] || exit 1
done
