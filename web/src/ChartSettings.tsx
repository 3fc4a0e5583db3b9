// A chart's settings: kind, dimension (the columns that fit the kind), measure (the count of
// rows or an aggregate of a column), and bucket (a time unit, or a bin width: empty is
// automatic). The API's message shows here when it refuses them.

import type { ChartKind, ChartSpec, Column } from "./api";
import { dimensions, KIND_NAMES, MEASURES, measureColumns, TIME_UNITS, withKind } from "./charts";
import { formatNumber } from "./format";

interface SettingsProps {
  columns: Column[];
  spec: ChartSpec;
  onChange: (spec: ChartSpec) => void;
  /** The bin width the page chose for a histogram without one. */
  automaticWidth: number | null;
  error: string | null;
}

export function ChartSettings({ columns, spec, onChange, automaticWidth, error }: SettingsProps) {
  const fitting = dimensions(spec.kind, columns);
  const fn = spec.measure?.function ?? "";
  const measured = fn ? measureColumns(fn, columns) : [];

  function setMeasure(next: string) {
    const measure = MEASURES.find((m) => m.fn === next); // none: the count of rows
    if (!measure) return onChange({ ...spec, measure: null });
    const choices = measureColumns(measure.fn, columns);
    const column = choices.some((c) => c.key === spec.measure?.column)
      ? spec.measure!.column
      : choices[0]?.key;
    if (column) onChange({ ...spec, measure: { function: measure.fn, column } });
  }

  return (
    <fieldset class="chart-settings">
      <legend>Chart</legend>
      <label>
        Chart type{" "}
        <select
          value={spec.kind}
          onChange={(e) => onChange(withKind(spec, e.currentTarget.value as ChartKind, columns))}
        >
          {(Object.keys(KIND_NAMES) as ChartKind[]).map((kind) => (
            <option key={kind} value={kind} disabled={!dimensions(kind, columns).length}>
              {KIND_NAMES[kind]}
            </option>
          ))}
        </select>
      </label>
      <label>
        Dimension{" "}
        <select
          value={spec.dimension}
          onChange={(e) => onChange({ ...spec, dimension: e.currentTarget.value })}
        >
          {fitting.map((c) => (
            <option key={c.key} value={c.key}>
              {c.name}
            </option>
          ))}
        </select>
      </label>
      <label>
        Measure{" "}
        <select value={fn} onChange={(e) => setMeasure(e.currentTarget.value)}>
          <option value="">Count of rows</option>
          {MEASURES.filter((m) => measureColumns(m.fn, columns).length).map((m) => (
            <option key={m.fn} value={m.fn}>
              {m.name}…
            </option>
          ))}
        </select>
      </label>
      {spec.measure && (
        <label>
          Measure column{" "}
          <select
            value={spec.measure.column}
            onChange={(e) =>
              onChange({
                ...spec,
                measure: { function: spec.measure!.function, column: e.currentTarget.value },
              })
            }
          >
            {measured.map((c) => (
              <option key={c.key} value={c.key}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
      )}
      {spec.kind === "line" && (
        <label>
          Time unit{" "}
          <select
            value={spec.bucket ?? "day"}
            onChange={(e) => onChange({ ...spec, bucket: e.currentTarget.value })}
          >
            {TIME_UNITS.map((unit) => (
              <option key={unit} value={unit}>
                {unit.charAt(0).toUpperCase() + unit.slice(1)}
              </option>
            ))}
          </select>
        </label>
      )}
      {spec.kind === "histogram" && (
        <label>
          Bin width{" "}
          <input
            type="number"
            step="any"
            class="narrow"
            value={spec.bucket ?? ""}
            placeholder={
              automaticWidth === null ? "automatic" : `auto (${formatNumber(automaticWidth)})`
            }
            aria-describedby="bin-width-hint"
            onInput={(e) => onChange({ ...spec, bucket: e.currentTarget.value || null })}
          />
        </label>
      )}
      {spec.kind === "histogram" && (
        <span id="bin-width-hint" class="muted">
          {spec.bucket
            ? "empty: automatic"
            : `automatic${automaticWidth === null ? "" : `: ${formatNumber(automaticWidth)}`}`}
        </span>
      )}
      {error && (
        <p role="alert" class="error" data-testid="chart-error">
          {error}
        </p>
      )}
    </fieldset>
  );
}
