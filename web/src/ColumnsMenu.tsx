// Which columns show, and in what order: a checkbox per column with move up/down buttons.

import type { Column } from "./api";

export interface Shown {
  key: string;
  visible: boolean;
}

interface Props {
  columns: Column[];
  shown: Shown[];
  onChange: (shown: Shown[]) => void;
}

export function ColumnsMenu({ columns, shown, onChange }: Props) {
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
        {shown.map((item, i) => (
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
        ))}
      </ul>
    </details>
  );
}
