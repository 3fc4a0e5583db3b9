// Filter conditions joined by AND or OR; each row: column, operator, value(s). Labelled controls.

import type { Column, Takes } from "./api";
import { blankDraft, type Draft, type FilterState, type Operators } from "./filters";

interface Props {
  columns: Column[];
  operators: Operators;
  state: FilterState;
  onChange: (state: FilterState) => void;
}

export function FilterBar({ columns, operators, state, onChange }: Props) {
  const types = new Map(columns.map((c) => [c.key, c.type]));
  const set = (i: number, patch: Partial<Draft>) => {
    const conditions = state.conditions.map((d, j) => (j === i ? { ...d, ...patch } : d));
    onChange({ ...state, conditions });
  };
  const add = () => {
    const first = columns[0];
    if (!first) return;
    const draft = blankDraft(first.key, first.type, operators);
    onChange({ ...state, conditions: [...state.conditions, draft] });
  };
  return (
    <section class="filters" aria-label="Filters">
      {state.locked && (
        <p class="locked">
          This view has a nested filter, applied as saved:{" "}
          <code>{JSON.stringify(state.locked)}</code>{" "}
          <button type="button" onClick={() => onChange({ ...state, locked: null })}>
            Remove it
          </button>
        </p>
      )}
      {state.conditions.map((draft, i) => {
        const type = types.get(draft.column) ?? "text";
        const id = `filter-${i}`;
        const takes = operators.takes(draft.op);
        const between = takes === "pair";
        const within = takes === "window";
        return (
          <div class="condition" key={i} role="group" aria-label={`Condition ${i + 1}`}>
            {i === 0 ? (
              <span class="where">Where</span>
            ) : i === 1 ? (
              <select
                aria-label="Combine conditions with"
                value={state.combinator}
                onChange={(e) =>
                  onChange({ ...state, combinator: e.currentTarget.value as "and" | "or" })
                }
              >
                <option value="and">and</option>
                <option value="or">or</option>
              </select>
            ) : (
              <span class="where">{state.combinator}</span>
            )}
            <select
              id={`${id}-column`}
              aria-label="Column"
              value={draft.column}
              onChange={(e) => {
                const key = e.currentTarget.value;
                const next = types.get(key) ?? "text";
                const keeps = operators.offered(next).includes(draft.op);
                set(i, keeps ? { column: key } : blankDraft(key, next, operators));
              }}
            >
              {columns.map((c) => (
                <option key={c.key} value={c.key}>
                  {c.name}
                </option>
              ))}
            </select>
            <select
              aria-label="Operator"
              value={draft.op}
              onChange={(e) => set(i, { op: e.currentTarget.value })}
            >
              {operators.offered(type).map((op) => (
                <option key={op} value={op}>
                  {operators.label(op)}
                </option>
              ))}
            </select>
            {within && (
              <select
                aria-label="Past or next"
                value={draft.direction}
                onChange={(e) => set(i, { direction: e.currentTarget.value })}
              >
                <option value="past">the past</option>
                <option value="next">the next</option>
              </select>
            )}
            {takes !== "none" && (
              <input
                aria-label={between ? "From" : within ? "How many" : "Value"}
                value={draft.value}
                inputMode={type === "integer" || type === "number" || within ? "decimal" : "text"}
                placeholder={placeholder(type, takes)}
                onInput={(e) => set(i, { value: e.currentTarget.value })}
              />
            )}
            {between && (
              <input
                aria-label="To"
                value={draft.value2}
                placeholder={placeholder(type, takes)}
                onInput={(e) => set(i, { value2: e.currentTarget.value })}
              />
            )}
            {within && (
              <select
                aria-label="Unit"
                value={draft.unit}
                onChange={(e) => set(i, { unit: e.currentTarget.value })}
              >
                <option value="days">days</option>
                <option value="weeks">weeks</option>
                <option value="months">months</option>
              </select>
            )}
            <button
              type="button"
              class="icon"
              aria-label={`Remove condition ${i + 1}`}
              onClick={() =>
                onChange({ ...state, conditions: state.conditions.filter((_, j) => j !== i) })
              }
            >
              ×
            </button>
          </div>
        );
      })}
      <button type="button" onClick={add}>
        + Add filter
      </button>
    </section>
  );
}

function placeholder(type: string, takes: Takes): string {
  if (takes === "many") return "a, b, c";
  if (type === "date" || type === "datetime") return "2013-01-31, today, 3 days ago";
  return "";
}
