// A view as a chart, drawn by Chart.js on a canvas (role="img", labelled), with the values it
// draws in a visually hidden table for screen readers (and tests: each row has data-key and
// data-value). Loaded on demand (ChartLoader): the grid alone never downloads Chart.js.

import {
  BarController,
  BarElement,
  CategoryScale,
  Chart,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
  type ChartConfiguration,
} from "chart.js";
import { useEffect, useRef } from "preact/hooks";
import type { Drawn, Point } from "./charts";
import { formatNumber, lowerFirst } from "./format";

Chart.register(
  BarController,
  BarElement,
  CategoryScale,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);
Chart.defaults.font.family = 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
Chart.defaults.color = "#1d2330";
Chart.defaults.animation = false; // a live refresh redraws at once; screenshots are stable

const ACCENT = "#1f5fbf";
const NEGATIVE = "#b3261e";

export interface ChartProps {
  drawn: Drawn;
  dimensionName: string;
  measureName: string;
  /** The dimension is a datetime column: its buckets are UTC calendar units. */
  utc: boolean;
}

function describe({ drawn, dimensionName, measureName, utc }: ChartProps): string {
  const { spec, points } = drawn;
  const things = spec.kind === "line" ? "points" : spec.kind === "histogram" ? "bins" : "bars";
  const by =
    spec.kind === "line"
      ? `${spec.bucket ?? "day"} of ${dimensionName}${utc ? " (UTC)" : ""}`
      : spec.kind === "histogram"
        ? `${dimensionName} in bins of ${formatNumber(drawn.width ?? 0)}`
        : dimensionName;
  const kind =
    spec.kind === "bar" ? "Bar chart" : spec.kind === "line" ? "Line chart" : "Histogram";
  return `${kind} of ${lowerFirst(measureName)} by ${by}: ${points.length} ${things}`;
}

function config(props: ChartProps): ChartConfiguration<"bar" | "line", (number | null)[], string> {
  const { drawn, dimensionName, measureName, utc } = props;
  const { spec, points } = drawn;
  const values = points.map((p) => p.value);
  const histogram = spec.kind === "histogram";
  const tooltip = {
    callbacks: {
      label: (item: { raw: unknown }) =>
        `${measureName}: ${item.raw === null ? "no rows" : formatNumber(Number(item.raw))}`,
    },
  };
  const scales = {
    x: {
      title: {
        display: true,
        text: utc && spec.kind === "line" ? `${dimensionName} (UTC)` : dimensionName,
      },
      ticks: { autoSkip: true, maxRotation: 50 },
      grid: { display: spec.kind === "line" },
    },
    y: {
      beginAtZero: true,
      title: { display: true, text: measureName },
      ticks: { callback: (value: string | number) => formatNumber(Number(value)) },
    },
  };
  const base = {
    responsive: true,
    maintainAspectRatio: false,
    plugins: { legend: { display: false }, tooltip },
    scales,
  };
  if (spec.kind === "line") {
    return {
      type: "line",
      data: {
        labels: points.map((p) => p.label),
        datasets: [
          {
            label: measureName,
            data: values,
            borderColor: ACCENT,
            backgroundColor: ACCENT,
            pointRadius: points.length > 120 ? 0 : 3,
            borderWidth: 2,
          },
        ],
      },
      options: base,
    };
  }
  return {
    type: "bar",
    data: {
      labels: points.map((p) => p.label),
      datasets: [
        {
          label: measureName,
          data: values,
          backgroundColor: values.map((v) => ((v ?? 0) < 0 ? NEGATIVE : ACCENT)),
          borderColor: "#ffffff",
          borderWidth: histogram ? 1 : 0,
          barPercentage: histogram ? 1 : 0.8,
          categoryPercentage: histogram ? 1 : 0.8,
        },
      ],
    },
    options: base,
  };
}

function dataKey(point: Point): string | undefined {
  return point.key === null ? undefined : String(point.key);
}

export function ChartView(props: ChartProps) {
  const { drawn, dimensionName, measureName } = props;
  const canvas = useRef<HTMLCanvasElement>(null);
  const label = describe(props);
  const rows = drawn.blank ? [...drawn.points, drawn.blank] : drawn.points;

  useEffect(() => {
    if (!canvas.current || !drawn.points.length) return;
    const chart = new Chart(canvas.current, config(props));
    return () => chart.destroy();
  }, [drawn, dimensionName, measureName, props.utc]);

  if (!rows.length) {
    return (
      <p class="chart-empty" data-testid="chart-empty">
        No rows to chart: the filter leaves none, or the panel has none yet.
      </p>
    );
  }
  return (
    <figure class="chart" data-testid="chart">
      {drawn.points.length > 0 && (
        <div class="chart-box">
          <canvas ref={canvas} role="img" aria-label={label} data-testid="chart-canvas">
            {label}
          </canvas>
        </div>
      )}
      <figcaption class="muted">
        {label}
        {drawn.spec.kind === "histogram" && drawn.automatic ? " (width chosen automatically)" : ""}
        {drawn.truncated && (
          <strong class="warning" data-testid="chart-truncated">
            {" "}
            · showing the first 1,000 groups only
          </strong>
        )}
        {drawn.blank && (
          <span data-testid="chart-blank">
            {" "}
            · (blank) {dimensionName}:{" "}
            {drawn.blank.value === null ? "no value" : formatNumber(drawn.blank.value)}, not on the
            time axis
          </span>
        )}
      </figcaption>
      <table class="visually-hidden" data-testid="chart-data">
        <caption>Values of the chart</caption>
        <thead>
          <tr>
            <th scope="col">{dimensionName}</th>
            <th scope="col">{measureName}</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((p, i) => (
            <tr
              key={i}
              data-key={dataKey(p)}
              data-blank={p.key === null ? "" : undefined}
              data-value={p.value === null ? "" : String(p.value)}
              data-filled={p.filled ? "" : undefined}
            >
              <th scope="row">{p.label}</th>
              <td>{p.value === null ? "no value" : formatNumber(p.value)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}
