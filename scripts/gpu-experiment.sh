#!/usr/bin/env bash
# `cmploss experiment` on the lent GPU machine (no Node, no network), with its results brought back:
#
#   bash scripts/gpu-experiment.sh <out> <experiment flags…>     (on the GPU machine; see device-stage.sh)
#
# Runs the compiled CLI (.gpu/out, from scripts/device-build.sh) on WebGPU with .devicepack's Node 22 and
# Vulkan loader. The grid writes into /tmp/cmploss-gpu-experiment and ends within GPU_EXPERIMENT_LIMIT_S
# (default 500 s): `--time-limit` (15 s less) starts no run that its task and method's earlier runs say would
# not finish in time, so the GPU goes to the runs that will, and stops the others at the limit; `timeout` is
# the backstop (SIGTERM, which the experiment takes as a request to stop and report, then SIGKILL 10 s later). Every run finished by then comes back: <out>/experiment.tgz holds each run's logs,
# metrics.json, curves and utility/context caches and the reports (no weights), <out>/experiment.log the
# progress. Back here:
#   mkdir -p runs/X && tar -xzf <files_at>/experiment.tgz -C runs/X
#   npx cmploss experiment <the same flags> --output-dir runs/X --report-only
# which trains nothing and rebuilds results.json, results.md and report.html here from the finished runs.
# To go on with that grid in a later session, stage runs/X too: `device-stage.sh --runs runs/X …`.
# Each run's utility (and QA context) curve is computed right after its training, so it comes back too; a run
# that fails does not stop the others (--keep-going).
# Sizing (H100, MiniLM-L6, B 16, T 128): a CE step ≈ 0.19 s, CmpDrop c = 2 ≈ 0.35 s; an RTE epoch is 156 steps.
# `--jobs N` runs N of them side by side on the one GPU: with MiniLM at B 32, `--jobs 4` peaked at 64 GB of the
# H100's 80 (jax-js keeps each process's freed GPU buffers for reuse) for roughly 2.5x the throughput of one at
# a time; `--jobs 6` ran out of GPU memory, and on an H200 (room for six) gave no more throughput than four
# (docs/PERFORMANCE.md, "Several runs on one GPU").
# GPU_EXPERIMENT_SMOKE=1 runs it here on wasm (no .devicepack): the test of this script without a GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
[[ $# -ge 1 ]] || { echo "usage: scripts/gpu-experiment.sh <out> <experiment flags…>" >&2; exit 2; }
out="$1"
shift
mkdir -p "$out"
[[ -f .gpu/out/src/cli/main.js ]] || { echo "gpu-experiment: .gpu/out missing: run scripts/device-build.sh first" >&2; exit 1; }
if [[ "${GPU_EXPERIMENT_SMOKE:-0}" == 1 ]]; then
  device=wasm
else
  # shellcheck disable=SC1091
  . .devicepack/prelude.sh
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
  device=webgpu
fi
work=/tmp/cmploss-gpu-experiment
mkdir -p "$work"
# Runs finished in earlier calls (staged by device-stage.sh --runs, without weights) are skipped, not retrained.
if [[ -d .gpustage/runs ]]; then cp -rn .gpustage/runs/. "$work"/; fi
export CMPLOSS_THREADS=1
limit="${GPU_EXPERIMENT_LIMIT_S:-500}"
timeout -k 10 "$limit" node .gpu/out/src/cli/main.js experiment --device "$device" \
  --output-dir "$work" --keep-going --time-limit "$((limit > 30 ? limit - 15 : limit))" "$@" 2>&1 | tr '\r' '\n' | awk '!/eta/ || NR % 50 == 0' | tee "$out/experiment.log"
status=${PIPESTATUS[0]}
((status == 124)) && echo "gpu-experiment: stopped at the time limit; finished runs come back" | tee -a "$out/experiment.log"
tar -czf "$out/experiment.tgz" --exclude='*.safetensors' --exclude='hf-model' --exclude='tokenizer' -C "$work" .
echo "gpu-experiment: $(find "$work" -name metrics.json | wc -l) finished runs packed into $out/experiment.tgz ($(du -h "$out/experiment.tgz" | cut -f1))"
exit "$status"
