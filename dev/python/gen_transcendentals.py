"""Float64 reference values of exp, erf, erfc, exact GELU and 1/x at the points test/enginePatchesChild.ts
evaluates (each point rounded to float32 first, as the engine sees it). Writes
test/fixtures/engine/transcendentals.json; run: python dev/python/gen_transcendentals.py"""
import json
import math
import struct
from pathlib import Path

POINTS = [-6, -4, -3, -2.5, -2, -1.5, -1, -0.75, -0.5, -0.25, -0.1, -1e-3, 0, 1e-3, 0.1, 0.25, 0.5, 0.75, 1,
          1.5, 2, 2.5, 3, 4, 6]


def f32(x: float) -> float:
    return struct.unpack("f", struct.pack("f", x))[0]


xs = [f32(p) for p in POINTS]
out = {
    "points": POINTS,
    "exp": [math.exp(x) for x in xs],
    "erf": [math.erf(x) for x in xs],
    "erfc": [math.erfc(x) for x in xs],
    "gelu": [x * 0.5 * math.erfc(-x / math.sqrt(2)) for x in xs],
    "reciprocal": [1 / x if x != 0 else None for x in xs],
}
path = Path(__file__).resolve().parents[2] / "test/fixtures/engine/transcendentals.json"
path.write_text(json.dumps(out, indent=1) + "\n")
print(f"wrote {path}")
