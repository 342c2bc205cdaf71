import { describe, expect, it } from "vitest";
import { trainedVariants, variantPlan, variantPowers } from "./plan.js";

const v = (cropLevel: number, dropPower: number) => ({ cropLevel, dropPower });

describe("variantPlan", () => {
  it("matches SPEC §7's example: 1 + 1 → (crop1, p=0), (crop1, p)", () => {
    expect(variantPlan(1, 1)).toEqual([v(0, 0), v(1, 0), v(1, 1)]);
  });

  it("alternates crop first for 2 + 2", () => {
    expect(variantPlan(2, 2)).toEqual([v(0, 0), v(1, 0), v(1, 1), v(2, 1), v(2, 2)]);
  });

  it("is pure CmpCrop or pure CmpDrop when the other count is 0", () => {
    expect(variantPlan(0, 3)).toEqual([v(0, 0), v(1, 0), v(2, 0), v(3, 0)]);
    expect(variantPlan(3, 0)).toEqual([v(0, 0), v(0, 1), v(0, 2), v(0, 3)]);
    expect(variantPlan(0, 0)).toEqual([v(0, 0)]);
  });

  it("finishes the longer kind once the shorter runs out", () => {
    // 3 drops, 1 crop: crop at i=0, then only drops remain.
    expect(variantPlan(3, 1)).toEqual([v(0, 0), v(1, 0), v(1, 1), v(1, 2), v(1, 3)]);
    // 1 drop, 3 crops: i=1 (odd) drops; i=3 is odd but drops are used up, so it crops.
    expect(variantPlan(1, 3)).toEqual([v(0, 0), v(1, 0), v(1, 1), v(2, 1), v(3, 1)]);
  });

  it("adds exactly one crop or drop per step and ends at (nCrop, nDrop)", () => {
    for (let nDrop = 0; nDrop <= 6; nDrop++) {
      for (let nCrop = 0; nCrop <= 6; nCrop++) {
        const plan = variantPlan(nDrop, nCrop);
        expect(plan).toHaveLength(nDrop + nCrop + 1);
        expect(plan[plan.length - 1]).toEqual(v(nCrop, nDrop));
        for (let i = 1; i < plan.length; i++) {
          const dc = plan[i].cropLevel - plan[i - 1].cropLevel;
          const dd = plan[i].dropPower - plan[i - 1].dropPower;
          expect([dc, dd].sort()).toEqual([0, 1]);
          // The rule itself: step i−1 crops iff crops remain and (i−1 is even or drops are used up).
          const crop = plan[i - 1].cropLevel < nCrop && ((i - 1) % 2 === 0 || plan[i - 1].dropPower >= nDrop);
          expect(dc).toBe(crop ? 1 : 0);
        }
      }
    }
  });

  it("rejects negative or fractional counts", () => {
    expect(() => variantPlan(-1, 1)).toThrow(RangeError);
    expect(() => variantPlan(1, 1.5)).toThrow(/nCrop/);
  });
});

describe("trainedVariants / variantPowers: the variants a step trains", () => {
  it("is the comparison chain when anything is ablated", () => {
    expect(trainedVariants(1, 1)).toEqual(variantPlan(1, 1));
    expect(variantPowers(2)).toEqual([0, 1, 2]);
  });

  it("is one model with ordinary dropout (power 1) for plain fine-tuning, c = 0", () => {
    expect(trainedVariants(0, 0)).toEqual([v(0, 1)]);
    expect(variantPowers(0)).toEqual([1]);
  });

  it("refuses a negative or fractional count", () => {
    expect(() => variantPowers(-1)).toThrow(/nDrop/);
    expect(() => trainedVariants(0, 1.5)).toThrow(/nCrop/);
  });
});
