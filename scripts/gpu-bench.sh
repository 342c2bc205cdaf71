#!/usr/bin/env bash
# The GPU half of the benchmark, in one command, on a bare NVIDIA machine (no Node, no network):
#
#   here:        ../shared/tools/device-pack.sh                     # packs .devicepack (Node 22, dawn.node, Vulkan loader)
#                npm ci --omit=dev --prefix .prod && cp -r node_modules/tsx node_modules/esbuild node_modules/@esbuild node_modules/get-tsconfig node_modules/resolve-pkg-maps .prod/node_modules/
#   device run:  carry [".devicepack", ".prod/node_modules"]; command: bash scripts/gpu-bench.sh
#
# It runs cmploss's train step on WebGPU (Dawn → Vulkan → the NVIDIA driver) and the PyTorch peer on CUDA for the
# same shapes, and writes bench/results/gpu-<date>.json (+ a Markdown table on stdout). See ../shared/GPU.md.
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ -d .prod/node_modules && ! -d node_modules ]]; then ln -s .prod/node_modules node_modules; fi
# shellcheck disable=SC1091
. .devicepack/prelude.sh
nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader || true
export CMPLOSS_BENCH_PYTHON="${CMPLOSS_BENCH_PYTHON:-python3}"
node --import tsx bench/run.ts --device webgpu --torch-device cuda --out "bench/results/gpu-$(date +%Y%m%d).json" "$@"
