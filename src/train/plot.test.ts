import { describe, expect, it } from "vitest";
import { chartSvg, trainingCurvesSvg, utilityCurveSvg } from "./plot.js";

interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

const attr = (tag: string, name: string) => Number(new RegExp(`\\b${name}="([^"]*)"`).exec(tag)![1]);
const boxes = (svg: string, cls: string): Box[] =>
  [...svg.matchAll(new RegExp(`<rect class="${cls}"[^>]*>`, "g"))].map(([tag]) => ({
    x: attr(tag, "x"),
    y: attr(tag, "y"),
    width: attr(tag, "width"),
    height: attr(tag, "height"),
  }));
const overlap = (a: Box, b: Box) =>
  a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
const inside = (x: number, y: number, b: Box) =>
  x >= b.x && x <= b.x + b.width && y >= b.y && y <= b.y + b.height;
/** Each panel's tick labels on one axis, in order (panels in the order drawn). */
const tickLabels = (svg: string, axis: "x" | "y") =>
  [...svg.matchAll(new RegExp(`<text class="${axis}-tick"[^>]*>([^<]*)</text>`, "g"))].map((m) => m[1]);
const samples = (svg: string) => [...svg.matchAll(/<line class="legend-sample"[^>]*>/g)].map(([tag]) => tag);

const steps = Array.from({ length: 120 }, (_, i) => {
  const base = 0.7 - 0.25 * (1 - Math.exp(-i / 40));
  return { step: i + 1, loss: 0.9 * base, variant_losses: [base, base + 0.02, base + 0.04] };
});

describe("curves.svg", () => {
  const flatEvals = [20, 40, 60, 80, 100, 120].map((step) => ({ step, value: 0.509 }));
  const svg = trainingCurvesSvg(steps, flatEvals, "accuracy");

  it("puts each panel's legend outside its plotting area, with a line sample per series", () => {
    const areas = boxes(svg, "plot-area");
    const legends = boxes(svg, "legend");
    expect(areas).toHaveLength(2);
    expect(legends).toHaveLength(2);
    for (const legend of legends) for (const area of areas) expect(overlap(legend, area)).toBe(false);
    // Losses panel: the dashed objective and three variants; dev panel: the metric.
    const lines = samples(svg);
    expect(lines).toHaveLength(5);
    expect(lines[0]).toMatch(/stroke="#000"[^>]*stroke-dasharray/);
    expect(lines.slice(1, 4).map((l) => /stroke="([^"]*)"/.exec(l)![1])).toEqual([
      "#1f77b4",
      "#ff7f0e",
      "#2ca02c",
    ]);
    for (const l of lines.slice(1)) expect(l).not.toMatch(/dasharray/);
    lines.forEach((l, i) => {
      expect(inside(attr(l, "x1"), attr(l, "y1"), legends[i < 4 ? 0 : 1])).toBe(true);
      expect(inside(attr(l, "x2"), attr(l, "y2"), legends[i < 4 ? 0 : 1])).toBe(true);
    });
    // Every curve's points lie in its plotting area (the legend cannot cover them).
    for (const [, d] of svg.matchAll(/<path d="([^"]*)"/g)) {
      for (const [, x, y] of d.matchAll(/[ML]([\d.]+),([\d.]+)/g)) {
        expect(areas.some((a) => inside(Number(x), Number(y), a))).toBe(true);
      }
    }
  });

  it("labels every tick on both axes, and a flat dev metric gets a narrow axis around it", () => {
    const x = tickLabels(svg, "x");
    expect(x).toEqual(["20", "40", "60", "80", "100", "120", "20", "40", "60", "80", "100", "120"]);
    const y = tickLabels(svg, "y");
    expect(y).toEqual([
      "0.40",
      "0.45",
      "0.50",
      "0.55",
      "0.60",
      "0.65",
      "0.70",
      "0.75",
      "0.48",
      "0.49",
      "0.50",
      "0.51",
      "0.52",
      "0.53",
      "0.54",
    ]);
  });
});

describe("a long run's curves.svg", () => {
  it("draws 50,000 steps (more points than Math.min(...points) takes)", () => {
    const long = Array.from({ length: 50_000 }, (_, i) => ({
      step: i + 1,
      loss: 1 / (1 + i),
      variant_losses: [1, 2, 3, 4, 5].map((v) => v / (1 + i)),
    }));
    const svg = trainingCurvesSvg(long, [{ step: 50_000, value: 0.9 }], "accuracy");
    expect(tickLabels(svg, "x").slice(0, 5)).toEqual(["10000", "20000", "30000", "40000", "50000"]);
    // Its one evaluation is a dot (a path of one point draws nothing).
    expect(svg.match(/<circle [^>]*fill="#1f77b4"/g)).toHaveLength(1);
  });
});

describe("utility-curve.svg", () => {
  it("labels the loss ticks with enough digits to differ", () => {
    const points = [0, 1, 2, 4, 8].map((power, i) => ({
      power,
      value: 0.51 + 0.002 * i,
      loss: 0.6951 + 0.00009 * i,
    }));
    const svg = utilityCurveSvg(points, "accuracy");
    const y = tickLabels(svg, "y");
    expect(new Set(y).size).toBe(y.length);
    expect(y.filter((l) => l.startsWith("0.695"))).toEqual([
      "0.6951",
      "0.6952",
      "0.6953",
      "0.6954",
      "0.6955",
    ]);
    expect(tickLabels(svg, "x")).toEqual(["0", "2", "4", "6", "8", "0", "2", "4", "6", "8"]);
    expect(samples(svg)).toHaveLength(2);
  });
});

describe("chartSvg", () => {
  it("labels whole-number steps without fractions", () => {
    const svg = chartSvg("two steps", [
      {
        name: "full model",
        color: "#1f77b4",
        points: [
          [1, 0.691],
          [2, 0.69],
        ],
      },
    ]);
    expect(tickLabels(svg, "x")).toEqual(["1", "2"]);
  });

  it("wraps a long legend onto rows below the plotting area", () => {
    const series = Array.from({ length: 7 }, (_, i) => ({
      name: `method ${i} (3 of 5 runs)`,
      color: `#00000${i}`,
      points: [
        [0, i],
        [10, i + 1],
      ] as [number, number][],
    }));
    const svg = chartSvg("many", series);
    const [area] = boxes(svg, "plot-area");
    const [legend] = boxes(svg, "legend");
    expect(overlap(area, legend)).toBe(false);
    expect(legend.y + legend.height).toBeLessThanOrEqual(300);
    expect(legend.height).toBeGreaterThan(15); // more than one row
    expect(samples(svg)).toHaveLength(7);
  });
});
