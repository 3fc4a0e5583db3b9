// What a chart shows, apart from drawing it: which columns fit which kind of chart, the
// `/aggregates` labels it asks for, a histogram's automatic bin width, and the answer turned
// into points (empty buckets and bins filled in, blanks labelled).

import type { AggregateSpec, Aggregates, ChartKind, ChartSpec, Column, ColumnType } from "./api";
import { formatNumber, type Formats } from "./format";

export const TIME_UNITS = ["day", "week", "month", "quarter", "year"] as const;
export type TimeUnit = (typeof TIME_UNITS)[number];

export const KIND_NAMES: Record<ChartKind, string> = {
  bar: "Bar",
  line: "Line over time",
  histogram: "Histogram",
};

/** The columns each kind of chart can have along its x axis (as the API checks them). */
const DIMENSIONS: Record<ChartKind, ColumnType[]> = {
  bar: ["text", "integer", "number", "boolean", "date", "datetime"],
  line: ["date", "datetime"],
  histogram: ["integer", "number"],
};

const NUMBERS: ColumnType[] = ["integer", "number"];

/** The measures besides the count of rows, and the columns each takes. */
export const MEASURES: {
  fn: AggregateSpec["function"];
  name: string;
  types: ColumnType[] | null;
}[] = [
  { fn: "sum", name: "Sum of", types: NUMBERS },
  { fn: "avg", name: "Average of", types: NUMBERS },
  { fn: "median", name: "Median of", types: NUMBERS },
  { fn: "min", name: "Minimum of", types: NUMBERS },
  { fn: "max", name: "Maximum of", types: NUMBERS },
  { fn: "count_distinct", name: "Distinct values of", types: null },
  { fn: "count_not_empty", name: "Filled values of", types: null },
  { fn: "count_empty", name: "Empty values of", types: null },
];

export function dimensions(kind: ChartKind, columns: Column[]): Column[] {
  return columns.filter((c) => DIMENSIONS[kind].includes(c.type));
}

export function measureColumns(fn: string, columns: Column[]): Column[] {
  const types = MEASURES.find((m) => m.fn === fn)?.types;
  return columns.filter((c) => c.type !== "json" && (!types || types.includes(c.type)));
}

/** A first chart for a view that has none: bars of the row count by its grouping, or else by
 * its first text (or any other fitting) column; null when no column fits any chart. */
export function defaultSpec(columns: Column[], groupBy: string[]): ChartSpec | null {
  const bars = dimensions("bar", columns);
  const pick =
    bars.find((c) => c.key === groupBy[0]) ?? bars.find((c) => c.type === "text") ?? bars[0];
  return pick ? { kind: "bar", dimension: pick.key, measure: null, bucket: null } : null;
}

/** The same chart as another kind: the dimension kept when it fits (else the measure's column
 * when it fits, else the first column that does), the bucket reset. */
export function withKind(spec: ChartSpec, kind: ChartKind, columns: Column[]): ChartSpec {
  const fitting = dimensions(kind, columns);
  const fits = (key: string | undefined) => fitting.some((c) => c.key === key);
  const dimension = fits(spec.dimension)
    ? spec.dimension
    : fits(spec.measure?.column)
      ? spec.measure!.column
      : (fitting[0]?.key ?? spec.dimension);
  return { ...spec, kind, dimension, bucket: kind === "line" ? "month" : null };
}

/** The spec as saved: no bucket on a bar chart, an empty bin width is automatic (null). */
export function saved(spec: ChartSpec): ChartSpec {
  const bucket = spec.kind === "bar" ? null : spec.bucket?.trim() || null;
  return { ...spec, bucket };
}

/** `count` or `function:column`, the label `/aggregates` answers each value under. */
export function measureLabel(spec: ChartSpec): string {
  return spec.measure ? `${spec.measure.function}:${spec.measure.column}` : "count";
}

function isCount(spec: ChartSpec): boolean {
  return !spec.measure || spec.measure.function.startsWith("count");
}

export function measureName(spec: ChartSpec, names: Map<string, string>): string {
  if (!spec.measure) return "Count of rows";
  const { function: fn, column } = spec.measure;
  const name = MEASURES.find((m) => m.fn === fn)?.name ?? fn;
  return `${name} ${names.get(column) ?? column}`;
}

/** A "nice" bin width (1, 2 or 5 times a power of ten) giving about `bins` bins over
 * [min, max]; at least 1 for an integer column. */
export function niceWidth(min: number, max: number, integer: boolean, bins = 20): number {
  const span = max - min;
  if (!(span > 0)) return 1;
  const step = span / bins;
  const power = Math.floor(Math.log10(step));
  const error = step / 10 ** power;
  const factor =
    error >= Math.sqrt(50) ? 10 : error >= Math.sqrt(10) ? 5 : error >= Math.SQRT2 ? 2 : 1;
  const width = Number((factor * 10 ** power).toPrecision(12));
  return integer ? Math.max(1, Math.round(width)) : width;
}

/** One bar or point: the group's key as the API gave it (null: the blank group). */
export interface Point {
  key: string | number | boolean | null;
  label: string;
  value: number | null;
  /** Not a group of the answer: an empty bucket or bin drawn between two that are. */
  filled: boolean;
}

export interface Drawn {
  spec: ChartSpec;
  points: Point[];
  /** A line chart's blank group: it has no place on the time axis, so it is said, not drawn. */
  blank: Point | null;
  truncated: boolean;
  /** The histogram's bin width, and whether the page chose it. */
  width: number | null;
  automatic: boolean;
}

const MAX_FILLED = 2000;
const UTC_DAY = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const UTC_MONTH = new Intl.DateTimeFormat(undefined, {
  month: "short",
  year: "numeric",
  timeZone: "UTC",
});
const UTC_YEAR = new Intl.DateTimeFormat(undefined, { year: "numeric", timeZone: "UTC" });

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === "") return null;
  const n = typeof value === "number" ? value : Number(value);
  return Number.isFinite(n) ? n : null;
}

/** A bucket's start as milliseconds: a date column gives "2013-01-01", a datetime column an
 * ISO datetime in UTC. */
function instant(key: string): number {
  if (/^\d{4}-\d\d-\d\d$/.test(key)) return Date.parse(`${key}T00:00:00Z`);
  return Date.parse(/(Z|[+-]\d\d:?\d\d)$/.test(key) ? key : `${key}Z`);
}

function nextBucket(ms: number, unit: TimeUnit): number {
  const d = new Date(ms);
  const [y, m, day] = [d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate()];
  if (unit === "day") return Date.UTC(y, m, day + 1);
  if (unit === "week") return Date.UTC(y, m, day + 7);
  if (unit === "month") return Date.UTC(y, m + 1, 1);
  if (unit === "quarter") return Date.UTC(y, m + 3, 1);
  return Date.UTC(y + 1, 0, 1);
}

/** A bucket's name: buckets are calendar units in UTC, so they are named in UTC. */
export function bucketLabel(ms: number, unit: TimeUnit): string {
  const d = new Date(ms);
  if (unit === "day") return UTC_DAY.format(d);
  if (unit === "week") return `Week of ${UTC_DAY.format(d)}`;
  if (unit === "month") return UTC_MONTH.format(d);
  if (unit === "quarter") return `Q${Math.floor(d.getUTCMonth() / 3) + 1} ${UTC_YEAR.format(d)}`;
  return UTC_YEAR.format(d);
}

export function rangeLabel(low: number, width: number): string {
  return `${formatNumber(low)} to ${formatNumber(Number((low + width).toPrecision(12)))}`;
}

/** The answer of `/aggregates` as the points drawn. */
export function toDrawn(
  spec: ChartSpec,
  answer: Aggregates,
  dimensionType: ColumnType,
  shownAs: Formats,
  width: number | null,
  automatic: boolean,
): Drawn {
  const label = measureLabel(spec);
  const empty = isCount(spec) ? 0 : null; // what a bucket with no rows shows
  const given = answer.groups.map((g) => ({
    key: (g.group[spec.dimension] ?? null) as Point["key"],
    value: toNumber(g.values[label]),
  }));
  const blankGroup = given.find((g) => g.key === null);
  const blank = blankGroup ? { ...blankGroup, label: "(blank)", filled: false } : null;
  const keyed = given.filter((g) => g.key !== null);
  const base = { spec, truncated: answer.truncated, width, automatic };

  if (spec.kind === "line") {
    const unit = (spec.bucket ?? "day") as TimeUnit;
    const byTime = new Map(keyed.map((g) => [instant(String(g.key)), g]));
    const times = [...byTime.keys()].sort((a, b) => a - b);
    const all: number[] = [];
    if (times.length) {
      const end = times[times.length - 1];
      for (let t = times[0]; t <= end && all.length <= MAX_FILLED; t = nextBucket(t, unit)) {
        all.push(t);
      }
    }
    const fill = all.length <= MAX_FILLED && all.every((t, i) => i === 0 || t > all[i - 1]);
    const points = (fill ? all : times).map((t) => {
      const found = byTime.get(t);
      return found
        ? { key: found.key, label: bucketLabel(t, unit), value: found.value, filled: false }
        : {
            key: new Date(t).toISOString().slice(0, dimensionType === "date" ? 10 : undefined),
            label: bucketLabel(t, unit),
            value: empty,
            filled: true,
          };
    });
    return { ...base, points, blank };
  }

  if (spec.kind === "histogram" && width) {
    const lows = keyed.map((g) => Number(g.key));
    const first = Math.min(...lows);
    const count = lows.length ? Math.round((Math.max(...lows) - first) / width) + 1 : 0;
    const points: Point[] = [];
    if (count <= MAX_FILLED) {
      const byIndex = new Map(keyed.map((g) => [Math.round((Number(g.key) - first) / width), g]));
      for (let i = 0; i < count; i++) {
        const found = byIndex.get(i);
        const low = found ? Number(found.key) : Number((first + i * width).toPrecision(12));
        points.push({
          key: found ? found.key : low,
          label: rangeLabel(low, width),
          value: found ? found.value : empty,
          filled: !found,
        });
      }
    } else {
      for (const g of keyed) {
        points.push({ ...g, label: rangeLabel(Number(g.key), width), filled: false });
      }
    }
    if (blank) points.push(blank);
    return { ...base, points, blank: null };
  }

  const points: Point[] = given.map((g) => ({
    key: g.key,
    label:
      g.key === null ? "(blank)" : g.key === "" ? "(empty)" : shownAs.value(g.key, dimensionType),
    value: g.value,
    filled: false,
  }));
  return { ...base, points, blank: null };
}
