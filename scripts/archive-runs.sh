#!/usr/bin/env bash
# Copy an experiment grid's finished runs without their weights, keeping the grid's layout:
#
#   bash scripts/archive-runs.sh <grid folder> <archive folder>
#
# What a finished run (one with metrics.json) keeps: its settings (run.json, grid-config.json), logs
# (train_log.jsonl, eval_log.jsonl, and train.log, the console output `cmploss experiment` keeps of every run:
# progress, notes and any GPU error), metrics.json, curves.svg and the utility/context caches — a few hundred
# KB, small enough to commit beside a published report. Checkpoints, exported models and tokenizers stay behind,
# and unfinished runs are left out (without their checkpoint they would only start over). A finished run
# without train_log.jsonl or eval_log.jsonl is archived, and named on stderr: its curves over steps are lost.
#
# The same command the other way round carries a grid to a fresh machine: `cmploss experiment` skips every run
# that has metrics.json, and `--report-only` rebuilds results.json, results.md and report.html from them, e.g.
#   bash scripts/archive-runs.sh docs/results/minilm-cola-3ep/runs runs/minilm-cola-3ep
set -euo pipefail
if (($# != 2)); then
  echo "usage: bash scripts/archive-runs.sh <grid folder> <archive folder>" >&2
  exit 2
fi
from="$1" to="$2"
[[ -d "$from" ]] || { echo "archive-runs: $from: no such folder" >&2; exit 1; }
# metrics.json last: it is what marks a run finished
keep=(run.json grid-config.json train_log.jsonl eval_log.jsonl train.log curves.svg utility.json context.json metrics.json)
count=0
unlogged=0
while IFS= read -r -d '' metrics; do
  run="$(dirname "$metrics")"
  rel="${run#"$from"}"
  dest="$to/${rel#/}"
  mkdir -p "$dest"
  for file in "${keep[@]}"; do
    # cp to a temporary name, then rename: an interrupted copy never leaves a run that looks finished
    if [[ -f "$run/$file" ]]; then cp "$run/$file" "$dest/.$file.tmp" && mv "$dest/.$file.tmp" "$dest/$file"; fi
  done
  for log in train_log.jsonl eval_log.jsonl; do
    if [[ ! -f "$run/$log" ]]; then
      echo "archive-runs: $run has no $log" >&2
      unlogged=$((unlogged + 1))
      break
    fi
  done
  count=$((count + 1))
done < <(find "$from" -name metrics.json -print0 | sort -z)
note=""
if ((unlogged > 0)); then note=" ($unlogged without logs)"; fi
echo "archive-runs: $count finished run(s) from $from in $to$note"
