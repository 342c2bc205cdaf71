#!/usr/bin/env bash
# The GPU half of the benchmark, in one command, on a bare NVIDIA machine (no Node, no network):
#
#   here:        bash scripts/device-build.sh             # .devicepack (Node 22, dawn.node, Vulkan loader) + .gpu (compiled JS)
#   GPU machine: bash scripts/gpu-bench.sh [out-folder]   # with .devicepack and .gpu copied beside the repo's files
#
# Writes into out-folder (default bench/results/gpu-<date>):
#   gpu-probe.json   adapter features (shader-f16, subgroups) and limits; jax-js matmul f32 vs f16 speed and error
#   gpu-bench.json   train-step timings, cmploss on WebGPU (Dawn → Vulkan → the NVIDIA driver) and PyTorch on CUDA,
#                    same shapes, same run (+ gpu-bench.log with the Markdown tables)
#   gpu-bench-nocoalesce.json   cmploss again with CMPLOSS_WEBGPU_COALESCE=0 (one submission per kernel, as jax-js
#                    does by itself) on the smallest and the largest preset: what submit coalescing buys
#   gpu-host.json    per engine patch (published, ≤10, ≤20, installed, no pool trim), same run, interleaved: kernels and
#                    bind groups per step, host µs per kernel, GPU bytes held and their high-water mark, pool bytes,
#                    losses bit-identical or not (bench/gpuHost.ts --full; + gpu-host.log with the tables)
#   gpu-host-breakdown.json   the same steady step with every kind of WebGPU call timed (published vs installed)
#   gpu-train.log, gpu-train-metrics.json   the default `cmploss train` (SST-2, CmpDrop c = 2) on WebGPU
# Each part has its own time limit so that one slow part cannot take the others' results with it.
# GPU_BENCH_PARTS=host,train (any of probe, bench, no-coalescing, host, train; default all, in this order) runs only
# those parts: the device tool allows 600 s per call, and the parts' own limits add up to more.
# GPU_BENCH_SMOKE=1 runs every part on tiny sizes with the local Node and GPU (Mesa's software Vulkan): the test
# of this script on a machine without an NVIDIA GPU.
set -uo pipefail
cd "$(dirname "$0")/.."
out="${1:-bench/results/gpu-$(date +%Y%m%d)}"
mkdir -p "$out"
smoke="${GPU_BENCH_SMOKE:-0}"
parts=",${GPU_BENCH_PARTS:-probe,bench,no-coalescing,host,train},"
for p in ${parts//,/ }; do
  [[ ",probe,bench,no-coalescing,host,train," == *",$p,"* ]] || { echo "gpu-bench: GPU_BENCH_PARTS: unknown part '$p' (expected probe, bench, no-coalescing, host, train)" >&2; exit 2; }
done
[[ -f .gpu/out/bench/run.js ]] || { echo "gpu-bench: .gpu/out missing: run scripts/device-build.sh first" >&2; exit 1; }
if [[ "$smoke" != 1 ]]; then
  # shellcheck disable=SC1091
  . .devicepack/prelude.sh
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
fi
export CMPLOSS_BENCH_PYTHON="${CMPLOSS_BENCH_PYTHON:-python3}" CMPLOSS_THREADS=1 CMPLOSS_BENCH_CHILD_TIMEOUT_S=150
start=$SECONDS
# part NAME: announce it and return 0 when it is selected (the caller skips it otherwise).
part() {
  [[ "$parts" == *",$1,"* ]] || return 1
  echo "== $1 ($((SECONDS - start)) s)" >&2
}

if part probe; then
  if [[ "$smoke" == 1 ]]; then probe_args=(--sizes 64 --reps 2); else probe_args=(); fi
  timeout 60 node .gpu/out/bench/gpuProbe.js "${probe_args[@]}" --out "$out/gpu-probe.json" >/dev/null
fi

if part bench; then
  if [[ "$smoke" == 1 ]]; then
    bench_args=(--quick --only bert-L2-H128-A2 --c 0 --no-torch)
    seq_args=(--quick --only bert-L2-H128-A2 --c 2 --mode sequential --no-torch)
  else
    bench_args=(--mode batched)
    seq_args=(--only bert-L2-H128-A2 --c 2 --mode sequential)
  fi
  timeout 300 node .gpu/out/bench/run.js --device webgpu --torch-device cuda "${bench_args[@]}" \
    --out "$out/gpu-bench.json" 2>&1 | tee "$out/gpu-bench.log"
  timeout 60 node .gpu/out/bench/run.js --device webgpu --torch-device cuda "${seq_args[@]}" \
    --merge "$out/gpu-bench.json" 2>&1 | tee -a "$out/gpu-bench.log"
fi

if part no-coalescing; then
  for preset in bert-L2-H128-A2 minilm-L6-H384-A12; do
    [[ "$smoke" == 1 && "$preset" != bert-L2-H128-A2 ]] && continue
    if [[ "$smoke" == 1 ]]; then c=0; else c=0,2; fi
    if [[ -f "$out/gpu-bench-nocoalesce.json" ]]; then dest=(--merge "$out/gpu-bench-nocoalesce.json"); else dest=(--out "$out/gpu-bench-nocoalesce.json"); fi
    CMPLOSS_WEBGPU_COALESCE=0 timeout 60 node .gpu/out/bench/run.js --device webgpu --impl ts --only "$preset" --c "$c" \
      --mode batched "${dest[@]}" 2>&1 | grep "cmploss 1t:" | tee -a "$out/gpu-bench.log"
  done
fi

if part host; then
  if [[ "$smoke" == 1 ]]; then
    host_args=(--rounds 1 --config steady,lengths)
    breakdown_args=(--rounds 1 --config steady)
  else
    host_args=(--full --rounds 2 --config steady,lengths,minilm)
    breakdown_args=(--full --rounds 1 --config steady)
  fi
  timeout 420 node .gpu/out/bench/gpuHost.js "${host_args[@]}" --out "$out/gpu-host.json" 2>&1 | tee "$out/gpu-host.log"
  timeout 120 node .gpu/out/bench/gpuHost.js "${breakdown_args[@]}" --breakdown --variants published,installed \
    --out "$out/gpu-host-breakdown.json" 2>&1 | tee -a "$out/gpu-host.log"
fi

if part train; then
  if [[ "$smoke" == 1 ]]; then train_args=(--max-steps 3 --eval-steps 3 --max-seq-length 16); else train_args=(); fi
  rm -rf /tmp/cmploss-gpu-train
  timeout 120 node .gpu/out/src/cli/main.js train --device webgpu --output-dir /tmp/cmploss-gpu-train "${train_args[@]}" \
    2>&1 | tr '\r' '\n' | awk 'NR % 20 == 1 || !/eta/' >"$out/gpu-train.log"
  cp /tmp/cmploss-gpu-train/metrics.json "$out/gpu-train-metrics.json" 2>/dev/null || true
  tail -n 5 "$out/gpu-train.log"
fi
echo "== done ($((SECONDS - start)) s)" >&2
ls -la "$out"
