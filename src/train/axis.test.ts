import { describe, expect, it } from "vitest";
import { niceAxis, niceStep } from "./axis.js";

/** Ticks 1, 2 or 5 × 10^k apart, labels all different, the range covering the data and the ticks. */
function expectWellFormed(values: number[], extend = true) {
  const axis = niceAxis(values, { extend });
  expect(axis.ticks.length).toBeGreaterThanOrEqual(2);
  expect(axis.labels).toHaveLength(axis.ticks.length);
  expect(new Set(axis.labels).size).toBe(axis.labels.length);
  const step = axis.ticks[1] - axis.ticks[0];
  const mantissa = step / 10 ** Math.floor(Math.log10(step) + 1e-9);
  expect([1, 2, 5].some((m) => Math.abs(mantissa - m) < 1e-6)).toBe(true);
  for (let i = 1; i < axis.ticks.length; i++) {
    expect(axis.ticks[i] - axis.ticks[i - 1]).toBeCloseTo(step, 12);
  }
  expect(axis.min).toBeLessThanOrEqual(Math.min(...values));
  expect(axis.max).toBeGreaterThanOrEqual(Math.max(...values));
  expect(axis.min).toBeLessThanOrEqual(axis.ticks[0] + 1e-12 * Math.abs(step));
  expect(axis.max).toBeGreaterThanOrEqual(axis.ticks.at(-1)! - 1e-12 * Math.abs(step));
  if (extend) {
    // The outermost ticks enclose the data, so the lowest and highest values have labels around them.
    expect(axis.ticks[0]).toBeLessThanOrEqual(Math.min(...values));
    expect(axis.ticks.at(-1)!).toBeGreaterThanOrEqual(Math.max(...values));
  }
  return axis;
}

describe("niceStep", () => {
  it("rounds to the nearest 1, 2 or 5 × 10^k", () => {
    expect(niceStep(0.13)).toBeCloseTo(0.1, 15);
    expect(niceStep(0.16)).toBeCloseTo(0.2, 15);
    expect(niceStep(0.2)).toBeCloseTo(0.2, 15);
    expect(niceStep(3)).toBe(2);
    expect(niceStep(4)).toBe(5);
    expect(niceStep(7.5)).toBe(10);
    expect(niceStep(420)).toBe(500);
    expect(niceStep(1.6e-5)).toBeCloseTo(2e-5, 20);
  });
});

describe("niceAxis", () => {
  it("gives ordinary data 1-2-5 ticks with a label at each", () => {
    const axis = expectWellFormed([0.31, 0.79]);
    expect(axis.labels).toEqual(["0.3", "0.4", "0.5", "0.6", "0.7", "0.8"]);
  });

  it("pads a flat series by ±5 % around its value, with ticks that differ", () => {
    const axis = expectWellFormed([0.509, 0.509, 0.509]);
    expect(axis.min).toBeGreaterThanOrEqual(0.509 * 0.9);
    expect(axis.max).toBeLessThanOrEqual(0.509 * 1.1);
    expect(axis.labels).toEqual(["0.48", "0.49", "0.50", "0.51", "0.52", "0.53", "0.54"]);
    // Not the 0.00917–1.01 of a ±0.5 pad.
    expect(axis.max - axis.min).toBeLessThan(0.1);
  });

  it("pads a flat series at zero, a single value and rounding noise", () => {
    expect(expectWellFormed([0, 0]).labels).toEqual(["-1.0", "-0.5", "0", "0.5", "1.0"]);
    expectWellFormed([1234.5]);
    const noisy = expectWellFormed([0.6931471805599453, 0.6931471805599454]);
    expect(noisy.max - noisy.min).toBeGreaterThan(0.05);
  });

  it("labels a tiny range with just enough digits to tell the ticks apart", () => {
    // The utility curve's losses: every tick read "0.695" with three significant digits.
    const axis = expectWellFormed([0.69512, 0.69548]);
    expect(axis.labels).toEqual(["0.6951", "0.6952", "0.6953", "0.6954", "0.6955"]);
    expectWellFormed([1 + 1e-7, 1 + 3e-7]);
  });

  it("handles negative values and ranges across zero", () => {
    const axis = expectWellFormed([-3.2, -1.1]);
    expect(axis.labels).toEqual(["-3.5", "-3.0", "-2.5", "-2.0", "-1.5", "-1.0"]);
    const across = expectWellFormed([-0.04, 0.07]);
    expect(across.labels).toContain("0");
    expect(across.labels.some((l) => l.startsWith("-0") && Number(l) === 0)).toBe(false);
  });

  it("uses exponents for very large and very small magnitudes", () => {
    const large = expectWellFormed([0, 2.3e7]);
    expect(large.labels).toEqual(["0", "5.0e+6", "1.0e+7", "1.5e+7", "2.0e+7", "2.5e+7"]);
    expectWellFormed([3e-9, 7e-9]);
    expectWellFormed([1e9, 1e9 + 5]);
  });

  it("keeps an x axis to the data's range, with ticks inside it", () => {
    const axis = expectWellFormed([1, 2105], false);
    expect([axis.min, axis.max]).toEqual([1, 2105]);
    expect(axis.labels).toEqual(["500", "1000", "1500", "2000"]);
    expect(expectWellFormed([0, 1, 2, 4, 8], false).labels).toEqual(["0", "2", "4", "6", "8"]);
    expectWellFormed([200], false);
  });

  it("puts no ticks between whole numbers for whole-number data", () => {
    expect(niceAxis([1, 2], { extend: false }).labels).toEqual(["1.0", "1.2", "1.4", "1.6", "1.8", "2.0"]);
    expect(niceAxis([1, 2], { extend: false, integer: true }).labels).toEqual(["1", "2"]);
    expect(niceAxis([0, 8], { extend: false, integer: true }).labels).toEqual(["0", "2", "4", "6", "8"]);
  });

  it("ignores non-finite values", () => {
    expect(niceAxis([0.2, Number.NaN, 0.4, Infinity]).labels).toEqual(niceAxis([0.2, 0.4]).labels);
  });
});
