// Which columns show, and in what order: a checkbox per column with move up/down buttons. For
// editors, formula columns can be added and their formulas edited from here too.

import type { Column } from "./api";

export interface Shown {
  key: string;
  visible: boolean;
}

interface Props {
  columns: Column[];
  shown: Shown[];
  onChange: (shown: Shown[]) => void;
  /** Columns the current version does not have yet: they show after the next sync. */
  unsynced?: ReadonlySet<string>;
  /** Editors only: open the formula editor, for a new column or a formula column. */
  onNewFormula?: () => void;
  onEditFormula?: (column: Column) => void;
}

export function ColumnsMenu({ columns, shown, onChange, unsynced, onNewFormula, onEditFormula }: Props) {
  const byKey = new Map(columns.map((c) => [c.key, c]));
  const names = new Map(columns.map((c) => [c.key, c.name]));
  const swap = (i: number, j: number) => {
    if (j < 0 || j >= shown.length) return;
    const next = [...shown];
    [next[i], next[j]] = [next[j], next[i]];
    onChange(next);
  };
  return (
    <details class="menu">
      <summary>Columns ({shown.filter((s) => s.visible).length})</summary>
      <ul aria-label="Columns">
        {shown.map((item, i) => {
          const column = byKey.get(item.key);
          return (
            <li key={item.key}>
              <label>
                <input
                  type="checkbox"
                  checked={item.visible}
                  onChange={(e) =>
                    onChange(
                      shown.map((s, j) => (j === i ? { ...s, visible: e.currentTarget.checked } : s)),
                    )
                  }
                />
                {names.get(item.key) ?? item.key}
              </label>
              {unsynced?.has(item.key) && <span class="muted small">after the next sync</span>}
              {onEditFormula && column?.formula != null && (
                <button
                  type="button"
                  aria-label={`Edit formula of ${column.name}`}
                  title={column.formula}
                  onClick={() => onEditFormula(column)}
                >
                  Edit formula
                </button>
              )}
              <button
                type="button"
                class="icon"
                aria-label={`Move ${names.get(item.key)} up`}
                onClick={() => swap(i, i - 1)}
              >
                ↑
              </button>
              <button
                type="button"
                class="icon"
                aria-label={`Move ${names.get(item.key)} down`}
                onClick={() => swap(i, i + 1)}
              >
                ↓
              </button>
            </li>
          );
        })}
        {onNewFormula && (
          <li class="menu-action">
            <button type="button" onClick={onNewFormula}>
              New formula column…
            </button>
          </li>
        )}
      </ul>
    </details>
  );
}
