#!/usr/bin/env bash
# Build what the GPU half of the benchmark needs on a bare NVIDIA machine (no Node.js, no network), in ignored
# folders that travel with the working tree:
#   .devicepack/  Node 22, Dawn's dawn.node and the Vulkan loader (../shared/tools/device-pack.sh, ~49 MB)
#   .gpu/out/     src/ and bench/ compiled to plain JavaScript (no tsx or esbuild to carry)
#   .gpu/node_modules/  production dependencies only (webgpu comes from .devicepack: its npm package is 130 MB)
# Then on the GPU machine, from the repo root:  bash scripts/gpu-bench.sh [output folder]
# (the device tool's call: carry [".devicepack", ".gpu"]). Prints the size of what travels.
set -euo pipefail
cd "$(dirname "$0")/.."
pack_script="${DEVICE_PACK:-../shared/tools/device-pack.sh}"
if [[ ! -f .devicepack/prelude.sh ]]; then
  [[ -f "$pack_script" ]] || { echo "device-build: $pack_script not found (set DEVICE_PACK)" >&2; exit 1; }
  bash "$pack_script"
fi
rm -rf .gpu
npx tsc -p tsconfig.device.json
cp bench/*.py .gpu/out/bench/
ln -s ../../data .gpu/out/data # src/tasks/glue/reader.js finds the bundled data three folders up
cp package.json package-lock.json .gpu/
(cd .gpu && npm ci --omit=dev --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error)
# --ignore-scripts skipped cmploss's postinstall: patch the engine here (patches/README.md).
node scripts/apply-patches.mjs --target .gpu/node_modules/@jax-js/jax --quiet
du -shL .devicepack .gpu/out .gpu/node_modules 2>/dev/null || du -sh .devicepack .gpu
