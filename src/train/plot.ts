/** Dependency-free SVG line charts: the training curves of a run, and the charts of experiment reports. */

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

function panel(
  title: string,
  series: Series[],
  x0: number,
  width: number,
  height: number,
  xLabel = "steps",
): string {
  const pts = series.flatMap((s) => s.points).filter(([, y]) => Number.isFinite(y));
  if (pts.length === 0) return "";
  const [minX, maxX] = [Math.min(...pts.map((p) => p[0])), Math.max(...pts.map((p) => p[0]))];
  let [minY, maxY] = [Math.min(...pts.map((p) => p[1])), Math.max(...pts.map((p) => p[1]))];
  if (maxY - minY < 1e-9) [minY, maxY] = [minY - 0.5, maxY + 0.5];
  const m = { l: 52, r: 12, t: 28, b: 36 };
  const sx = (x: number) => x0 + m.l + ((x - minX) / Math.max(1e-9, maxX - minX)) * (width - m.l - m.r);
  const sy = (y: number) => m.t + (1 - (y - minY) / (maxY - minY)) * (height - m.t - m.b);
  const parts = [
    `<text x="${x0 + width / 2}" y="18" text-anchor="middle" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const y = minY + ((maxY - minY) * i) / 4;
    parts.push(
      `<line x1="${x0 + m.l}" x2="${x0 + width - m.r}" y1="${sy(y)}" y2="${sy(y)}" stroke="#ddd"/>`,
      `<text x="${x0 + m.l - 4}" y="${sy(y) + 4}" text-anchor="end">${y.toPrecision(3)}</text>`,
    );
  }
  parts.push(
    `<text x="${x0 + m.l}" y="${height - 8}">${minX}</text>`,
    `<text x="${x0 + width - m.r}" y="${height - 8}" text-anchor="end">${maxX} ${escapeXml(xLabel)}</text>`,
  );
  const legendWidth = 8 + 7 * Math.max(...series.map((s) => s.name.length));
  const legendX = x0 + width - m.r - legendWidth - 4;
  parts.push(
    `<rect x="${legendX}" y="${m.t + 2}" width="${legendWidth}" height="${14 * series.length + 6}" fill="white" fill-opacity="0.85" stroke="#ccc"/>`,
  );
  series.forEach((s, i) => {
    const d = s.points
      .filter(([, y]) => Number.isFinite(y))
      .map(([x, y], j) => `${j ? "L" : "M"}${sx(x).toFixed(1)},${sy(y).toFixed(1)}`)
      .join("");
    parts.push(
      `<path d="${d}" fill="none" stroke="${s.color}" stroke-width="1.5"${s.dashed ? ' stroke-dasharray="4 3"' : ""}/>`,
      `<text x="${legendX + 4}" y="${m.t + 16 + 14 * i}" fill="${s.color}">${escapeXml(s.name)}</text>`,
    );
  });
  return parts.join("\n");
}

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
