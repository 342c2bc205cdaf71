import { describe, expect, it } from "vitest";
import { hashString, hostRng, mixSeed, mixSeedLegacy, shuffled, shuffleInPlace } from "./hostRng.js";

// Pinned from the two generators this module replaced (tasks/batch.ts's mulberry32/fmix32 and
// ablation/cmpCrop.ts's hostRng/mixSeed) at commit dbe864f: data orders, distractor sets and crop plans of
// existing runs must not move.
describe("host RNG streams are pinned", () => {
  it("hostRng", () => {
    expect(Array.from({ length: 4 }, hostRng(42))).toEqual([
      0.4869888692628592, 0.5050487946718931, 0.07134048454463482, 0.3900591270066798,
    ]);
    expect(Array.from({ length: 2 }, hostRng(0))).toEqual([0.26642920868471265, 0.0003297457005828619]);
    expect(Array.from({ length: 2 }, hostRng(0xffffffff))).toEqual([0.03413586947135627, 0.3834734447300434]);
  });

  it("mixSeed, hashString, shuffled", () => {
    expect([mixSeed(42), mixSeed(42, 3), mixSeed(42, 3, 7), mixSeed(0xffffffff, 0xffffffff)]).toEqual([
      3856264912, 4190087272, 1734386347, 680820073,
    ]);
    expect([hashString(""), hashString("5733be284776f41900661182"), hashString("é∑")]).toEqual([
      2166136261, 3247410744, 1791774671,
    ]);
    expect(shuffled([...Array(10).keys()], hostRng(9))).toEqual([0, 9, 1, 8, 3, 5, 4, 6, 2, 7]);
    expect(Array.from(shuffleInPlace(Int32Array.from([...Array(10).keys()]), hostRng(9)))).toEqual([
      0, 9, 1, 8, 3, 5, 4, 6, 2, 7,
    ]);
  });

  it("mixSeedLegacy (epochOrder's seed; also checked in Python: seed ^ fmix32((epoch + 0x9e3779b9) mod 2^32))", () => {
    expect([
      mixSeedLegacy(0xffffffff, 0xffffffff),
      mixSeedLegacy(123456789, 1),
      mixSeedLegacy(42, 3),
    ]).toEqual([3374402300, 2449159294, 3984711417]);
  });

  it("rejects seeds outside uint32", () => {
    expect(() => mixSeed(-1)).toThrow(RangeError);
    expect(() => hostRng(2 ** 32)).toThrow(/hostRng: expected seed/);
  });
});

describe("host RNG properties", () => {
  it("hostRng is deterministic, in [0, 1), and seed-sensitive", () => {
    const a = Array.from({ length: 100 }, hostRng(5));
    const b = Array.from({ length: 100 }, hostRng(5));
    const c = Array.from({ length: 100 }, hostRng(6));
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(a.every((x) => x >= 0 && x < 1)).toBe(true);
  });

  it("mixSeed depends on salt order; hashString is stable", () => {
    expect(mixSeed(1, 2, 3)).not.toBe(mixSeed(1, 3, 2));
    expect(mixSeed(1, 2, 3)).toBe(mixSeed(1, 2, 3));
    expect(hashString("5733be284776f41900661182")).toBe(hashString("5733be284776f41900661182"));
    expect(() => mixSeed(-1)).toThrow(RangeError);
    expect(() => hostRng(2 ** 32)).toThrow(/hostRng/);
  });

  it("shuffled is a permutation and leaves its input alone", () => {
    const xs = [...Array(20).keys()];
    const ys = shuffled(xs, hostRng(1));
    expect(xs).toEqual([...Array(20).keys()]);
    expect([...ys].sort((a, b) => a - b)).toEqual(xs);
  });
});
