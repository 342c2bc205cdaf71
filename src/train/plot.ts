/** Dependency-free SVG line charts: the training curves of a run, and the charts of experiment reports. */
import { niceAxis } from "./axis.js";

export interface Series {
  name: string;
  color: string;
  points: [number, number][];
  dashed?: boolean;
}

export const COLORS = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2"];

export function escapeXml(s: string): string {
  return s.replace(/[<>&"]/g, (c) => ({ "<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;" })[c]!);
}

/** Rough width of `text` in the charts' 11 px sans-serif, for laying out labels and the legend. */
function textWidth(text: string): number {
  return 6.2 * text.length;
}

const LEGEND_ROW = 15;
const LEGEND_SAMPLE = 22;

/**
 * A legend's layout in `width` pixels: columns of equal width (the widest item's), as many as fit, each item a
 * short line sample in its series' colour and dash, then its name.
 */
function legendLayout(
  series: Series[],
  width: number,
): { columns: number; columnWidth: number; rows: number } {
  const columnWidth = LEGEND_SAMPLE + 4 + Math.max(...series.map((s) => textWidth(s.name))) + 16;
  const columns = Math.max(1, Math.min(series.length, Math.floor(width / columnWidth)));
  return { columns, columnWidth, rows: Math.ceil(series.length / columns) };
}

/**
 * One chart in the rectangle [x0, x0 + width] × [0, height]: a title, the plotting area with ticks and labels
 * on both axes (shared `niceAxis`), and below it a legend that never covers the curves.
 */
function panel(
  title: string,
  series: Series[],
  x0: number,
  width: number,
  height: number,
  xLabel = "steps",
): string {
  const finite = series.map((s) => s.points.filter(([x, y]) => Number.isFinite(x) && Number.isFinite(y)));
  const pts = finite.flat();
  if (pts.length === 0) return "";
  const xs = pts.map((p) => p[0]);
  const xAxis = niceAxis(xs, { extend: false, integer: xs.every(Number.isInteger) });
  const yAxis = niceAxis(pts.map((p) => p[1]));
  const left = x0 + 14 + Math.max(...yAxis.labels.map(textWidth));
  const right = x0 + width - 16;
  const legend = legendLayout(series, right - left);
  const top = 28;
  const bottom = height - 40 - LEGEND_ROW * legend.rows; // below: tick labels, the x label, the legend
  const sx = (x: number) => left + ((x - xAxis.min) / (xAxis.max - xAxis.min)) * (right - left);
  const sy = (y: number) => top + (1 - (y - yAxis.min) / (yAxis.max - yAxis.min)) * (bottom - top);
  const parts = [
    `<text x="${x0 + width / 2}" y="18" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
    `<rect class="plot-area" x="${left}" y="${top}" width="${right - left}" height="${bottom - top}" fill="none" stroke="#999"/>`,
  ];
  yAxis.ticks.forEach((y, i) => {
    const at = sy(y).toFixed(1);
    parts.push(
      `<line x1="${left}" x2="${right}" y1="${at}" y2="${at}" stroke="#e4e4e4"/>`,
      `<line x1="${left - 4}" x2="${left}" y1="${at}" y2="${at}" stroke="#999"/>`,
      `<text class="y-tick" x="${left - 6}" y="${(sy(y) + 4).toFixed(1)}" text-anchor="end">${yAxis.labels[i]}</text>`,
    );
  });
  xAxis.ticks.forEach((x, i) => {
    const at = sx(x).toFixed(1);
    parts.push(
      `<line x1="${at}" x2="${at}" y1="${top}" y2="${bottom}" stroke="#f0f0f0"/>`,
      `<line x1="${at}" x2="${at}" y1="${bottom}" y2="${bottom + 4}" stroke="#999"/>`,
      `<text class="x-tick" x="${at}" y="${bottom + 15}" text-anchor="middle">${xAxis.labels[i]}</text>`,
    );
  });
  parts.push(
    `<text x="${(left + right) / 2}" y="${bottom + 28}" text-anchor="middle" fill="#555">${escapeXml(xLabel)}</text>`,
  );
  series.forEach((s, i) => {
    if (finite[i].length === 0) return;
    const d = finite[i]
      .map(([x, y], j) => `${j ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
      .join("");
    const dots =
      finite[i].length === 1
        ? `<circle cx="${sx(finite[i][0][0]).toFixed(1)}" cy="${sy(finite[i][0][1]).toFixed(1)}" r="2.5" fill="${s.color}"/>`
        : ""; // a path of one point draws nothing
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? DASH : ""}/>${dots}`,
    );
  });
  const legendTop = bottom + 34;
  parts.push(
    `<rect class="legend" x="${left}" y="${legendTop}" width="${right - left}" height="${LEGEND_ROW * legend.rows}" fill="none"/>`,
  );
  series.forEach((s, i) => {
    const x = left + legend.columnWidth * (i % legend.columns);
    const y = legendTop + LEGEND_ROW * Math.floor(i / legend.columns) + LEGEND_ROW / 2;
    parts.push(
      `<line class="legend-sample" x1="${x}" x2="${x + LEGEND_SAMPLE}" y1="${y}" y2="${y}" stroke="${s.color}" stroke-width="2"${s.dashed ? DASH : ""}/>`,
      `<text x="${x + LEGEND_SAMPLE + 4}" y="${y + 4}">${escapeXml(s.name)}</text>`,
    );
  });
  return parts.join("\n");
}

const DASH = ' stroke-dasharray="4 3"';

/** Moving average that keeps curves readable for thousands of noisy steps. */
export function smooth(points: [number, number][], window: number): [number, number][] {
  if (window <= 1) return points;
  const out: [number, number][] = [];
  let sum = 0;
  for (let i = 0; i < points.length; i++) {
    sum += points[i][1];
    if (i >= window) sum -= points[i - window][1];
    out.push([points[i][0], sum / Math.min(i + 1, window)]);
  }
  return out;
}

/**
 * Two panels: training losses (overall + each variant's task loss) and the dev metric.
 * @param steps per-step records; @param evals dev evaluations.
 */
export function trainingCurvesSvg(
  steps: { step: number; loss: number; variant_losses: number[] }[],
  evals: { step: number; value: number }[],
  metricName: string,
): string {
  const width = 520;
  const height = 300;
  const window = Math.max(1, Math.round(steps.length / 60));
  const variants = steps[0]?.variant_losses.length ?? 0;
  const lossSeries: Series[] = [
    {
      name: "training objective",
      color: "#000",
      points: smooth(
        steps.map((s) => [s.step, s.loss]),
        window,
      ),
      dashed: true,
    },
    ...Array.from({ length: variants }, (_, v) => ({
      name: v === 0 ? "task loss: full model" : `task loss: ablation ${v}`,
      color: COLORS[v % COLORS.length],
      points: smooth(
        steps.map((s) => [s.step, s.variant_losses[v]] as [number, number]),
        window,
      ),
    })),
  ];
  const evalSeries: Series[] = [
    { name: `dev ${metricName}`, color: COLORS[0], points: evals.map((e) => [e.step, e.value]) },
  ];
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${2 * width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel("Training losses (moving average)", lossSeries, 0, width, height),
    panel(`Dev ${metricName}`, evalSeries, width, width, height),
    `</svg>`,
  ].join("\n");
}

/** One chart as a standalone SVG. */
export function chartSvg(
  title: string,
  series: Series[],
  xLabel = "steps",
  width = 520,
  height = 300,
): string {
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(title, series, 0, width, height, xLabel),
    `</svg>`,
  ].join("\n");
}

/**
 * A trained run's utility curve (SPEC §8): dev metric, and dev loss where the task has one, against the
 * forced-dropout power k.
 */
export function utilityCurveSvg(
  points: { power: number; value: number; loss: number | null }[],
  metricName: string,
  width = 420,
  height = 280,
): string {
  const metric: Series[] = [
    { name: `dev ${metricName}`, color: COLORS[0], points: points.map((p) => [p.power, p.value]) },
  ];
  const withLoss = points.filter((p) => p.loss !== null && Number.isFinite(p.loss));
  const loss: Series[] = [
    { name: "dev loss", color: COLORS[1], points: withLoss.map((p) => [p.power, p.loss!]) },
  ];
  const panels = withLoss.length > 0 ? 2 : 1;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${panels * width}" height="${height}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    panel(`Dev ${metricName} under forced dropout`, metric, 0, width, height, "dropout power k"),
    panels === 2 ? panel("Dev loss under forced dropout", loss, width, width, height, "dropout power k") : "",
    `</svg>`,
  ].join("\n");
}
