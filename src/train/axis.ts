/**
 * Axis ranges and tick labels for the SVG plots (curves.svg, utility-curve.svg, the experiment report's charts
 * and the browser example's chart): "nice" ticks in steps of 1, 2 or 5 × 10^k, a label at every tick with just
 * enough digits for neighbouring labels to differ, and a padded range around a flat series.
 */

export interface Axis {
  /** The drawn range; with `extend` it is the outermost ticks, else the data's range. */
  min: number;
  max: number;
  /** Tick positions, ascending, all within [min, max]. */
  ticks: number[];
  /** One label per tick, all different. */
  labels: string[];
}

export interface AxisOptions {
  /** Stretch the range out to the nearest ticks around the data (for a y axis); default true. */
  extend?: boolean;
  /** About how many intervals between ticks; default 5. */
  intervals?: number;
  /** Whole-number data (steps, powers): no ticks between whole numbers; default false. */
  integer?: boolean;
}

/** The 1, 2 or 5 × 10^k nearest to `raw` on a log scale (so about as many ticks as asked for). */
export function niceStep(raw: number): number {
  const exponent = Math.floor(Math.log10(raw));
  // 10^k by division for negative k: 1 / 10 is exactly the double nearest 0.1, 10 ** -1 need not be.
  const power = exponent >= 0 ? 10 ** exponent : 1 / 10 ** -exponent;
  const steps = [1, 2, 5, 10].map((mantissa) => mantissa * power);
  const distance = (step: number) => Math.abs(Math.log(step / raw));
  return steps.reduce((best, step) => (distance(step) < distance(best) ? step : best));
}

/** Labels for ticks `step` apart: fixed-point, or exponential for very large or very small values. */
export function tickLabels(ticks: number[], step: number): string[] {
  const maxAbs = Math.max(...ticks.map(Math.abs));
  const stepExponent = Math.floor(Math.log10(step) + 1e-9);
  const exponential = maxAbs >= 1e6 || (maxAbs > 0 && maxAbs < 1e-3);
  let digits = exponential
    ? Math.max(0, Math.floor(Math.log10(maxAbs) + 1e-9) - stepExponent)
    : Math.max(0, -stepExponent);
  for (; ; digits++) {
    const labels = ticks.map((t) => {
      if (t === 0) return "0";
      const s = exponential ? t.toExponential(Math.min(digits, 100)) : t.toFixed(Math.min(digits, 100));
      return s.replace(/^-(0(\.0*)?)$/, "$1"); // no "-0.00"
    });
    if (new Set(labels).size === labels.length || digits >= 100) return labels;
  }
}

/**
 * The axis for `values` (non-finite ones ignored). A flat series (all values equal, up to rounding noise) gets
 * a range of ±5 % around its value (±1 around 0), so that it is drawn mid-plot with ticks that differ.
 */
export function niceAxis(values: readonly number[], options: AxisOptions = {}): Axis {
  const { extend = true, intervals = 5, integer = false } = options;
  // A loop, not Math.min(...values): a long run's curves have more points than a call takes arguments.
  let [lo, hi] = [Infinity, -Infinity];
  for (const v of values) {
    if (Number.isFinite(v)) [lo, hi] = [Math.min(lo, v), Math.max(hi, v)];
  }
  if (lo > hi) [lo, hi] = [0, 0];
  const magnitude = Math.max(Math.abs(lo), Math.abs(hi));
  if (hi - lo <= 1e-9 * magnitude) {
    const middle = (lo + hi) / 2;
    const half = middle === 0 ? 1 : 0.05 * Math.abs(middle);
    [lo, hi] = [middle - half, middle + half];
  }
  const step = Math.max(integer ? 1 : 0, niceStep((hi - lo) / intervals));
  // Tick k sits at k · step; the small tolerance keeps a value that is a tick up to rounding on that tick.
  const first = extend ? Math.floor(lo / step + 1e-9) : Math.ceil(lo / step - 1e-9);
  const last = extend ? Math.ceil(hi / step - 1e-9) : Math.floor(hi / step + 1e-9);
  // Rounded to 15 significant digits: 3 × 1e-9 is 3.0000000000000004e-9 in floating point.
  const ticks = Array.from({ length: last - first + 1 }, (_, i) =>
    Number(((first + i) * step).toPrecision(15)),
  );
  return {
    min: extend ? Math.min(ticks[0], lo) : lo,
    max: extend ? Math.max(ticks[ticks.length - 1], hi) : hi,
    ticks,
    labels: tickLabels(ticks, step),
  };
}
