// The virtualised grid: only the rows in sight (plus a margin) are in the DOM. The grid is one
// keyboard stop; arrows, Page Up/Down, Home and End move the active row. Grouped, it is a tree
// grid: a group's header row toggles its group (click, or Enter/Space when it is the active row;
// Right expands, Left collapses), with aria-expanded.

import {
  Virtualizer,
  elementScroll,
  observeElementOffset,
  observeElementRect,
} from "@tanstack/virtual-core";
import { useEffect, useLayoutEffect, useReducer, useRef, useState } from "preact/hooks";
import type { ColumnType, SortSpec } from "./api";
import type { Formats } from "./format";

export const ROW_HEIGHT = 32;

export interface GridColumn {
  key: string;
  name: string;
  type: ColumnType;
  width: number;
}

/** A line of the grid: a row, or the header of a group of rows (collapsed: its rows hidden). */
export type Line =
  | { kind: "row"; row: Record<string, unknown> }
  | { kind: "group"; id: string; label: string; count: number; summary: string; expanded: boolean };

interface Props {
  columns: GridColumn[];
  rows: Line[];
  total: number | null;
  sorts: SortSpec[];
  onSort: (key: string, add: boolean) => void;
  onNeedMore: () => void;
  /** Rows loaded so far: with collapsed groups, loading more may add no line. */
  loaded: number;
  onToggle: (groupId: string) => void;
  /** Grouped rows make a tree grid: group headers (level 1) expand and collapse their rows. */
  grouped: boolean;
  label: string;
  formats: Formats;
}

function useVirtualizer(count: number, element: () => HTMLElement | null) {
  const [, rerender] = useReducer((n: number) => n + 1, 0);
  const [instance] = useState(
    () =>
      new Virtualizer<HTMLElement, Element>({
        count,
        getScrollElement: element,
        estimateSize: () => ROW_HEIGHT,
        // The sticky header row sits above the rows inside the scroller.
        scrollMargin: ROW_HEIGHT,
        scrollPaddingStart: ROW_HEIGHT,
        overscan: 12,
        scrollToFn: elementScroll,
        observeElementRect,
        observeElementOffset,
        onChange: () => rerender(0),
      }),
  );
  instance.setOptions({ ...instance.options, count });
  useLayoutEffect(() => instance._didMount(), []);
  useLayoutEffect(() => instance._willUpdate());
  return instance;
}

export function Grid(props: Props) {
  const { columns, rows, total, sorts, onSort, onNeedMore, loaded, onToggle, grouped } = props;
  const { label, formats } = props;
  const scroller = useRef<HTMLDivElement>(null);
  const [active, setActive] = useState(0);
  const virtualizer = useVirtualizer(rows.length, () => scroller.current);
  const items = virtualizer.getVirtualItems();
  const template = columns.map((c) => `${c.width}px`).join(" ");
  const width = columns.reduce((sum, c) => sum + c.width, 0);
  const last = items.length ? items[items.length - 1].index : 0;

  useEffect(() => {
    if (rows.length && last >= rows.length - 40) onNeedMore();
  }, [last, rows.length, loaded]);
  useEffect(() => {
    if (active >= rows.length && rows.length) setActive(rows.length - 1);
  }, [rows.length]);

  function move(to: number) {
    const index = Math.max(0, Math.min(rows.length - 1, to));
    setActive(index);
    virtualizer.scrollToIndex(index, { align: "auto" });
  }

  function onKeyDown(event: KeyboardEvent) {
    const page = Math.max(1, Math.floor((scroller.current?.clientHeight ?? 320) / ROW_HEIGHT) - 1);
    const moves: Record<string, number> = {
      ArrowDown: active + 1,
      ArrowUp: active - 1,
      PageDown: active + page,
      PageUp: active - page,
      Home: 0,
      End: rows.length - 1,
    };
    if (event.key in moves && rows.length) {
      event.preventDefault();
      move(moves[event.key]);
      return;
    }
    // On a group's header: Enter or Space toggles it, Right expands and Left collapses it.
    const line = rows[active];
    if (line?.kind !== "group") return;
    const toggle =
      event.key === "Enter" ||
      event.key === " " ||
      (event.key === "ArrowRight" && !line.expanded) ||
      (event.key === "ArrowLeft" && line.expanded);
    if (toggle) {
      event.preventDefault();
      onToggle(line.id);
    }
  }

  return (
    <div
      class="grid"
      role={grouped ? "treegrid" : "grid"}
      aria-label={label}
      aria-rowcount={Math.max(total ?? 0, rows.length) + 1}
      aria-colcount={columns.length}
      aria-activedescendant={rows.length ? `row-${active}` : undefined}
      tabIndex={0}
      ref={scroller}
      onKeyDown={onKeyDown}
      style={{ "--columns": template } as Record<string, string>}
    >
      <div class="grid-head" role="rowgroup" style={{ width: `${width}px` }}>
        <div class="grid-row" role="row" aria-rowindex={1}>
          {columns.map((column, i) => {
            const sort = sorts.findIndex((s) => s.column === column.key);
            const direction = sort >= 0 ? sorts[sort].direction : null;
            return (
              <div
                key={column.key}
                role="columnheader"
                aria-colindex={i + 1}
                aria-sort={
                  direction ? (direction === "asc" ? "ascending" : "descending") : undefined
                }
                class={`cell head ${column.type}`}
              >
                <button
                  type="button"
                  title={`Sort by ${column.name} (Shift: add to the sort)`}
                  onClick={(event) => onSort(column.key, event.shiftKey)}
                >
                  <span class="name">{column.name}</span>
                  {direction && (
                    <span class="sort" aria-hidden="true">
                      {direction === "asc" ? "▲" : "▼"}
                      {sorts.length > 1 ? sort + 1 : ""}
                    </span>
                  )}
                </button>
              </div>
            );
          })}
        </div>
      </div>
      <div
        class="grid-body"
        role="rowgroup"
        style={{ height: `${virtualizer.getTotalSize()}px`, width: `${width}px` }}
      >
        {items.map((item) => {
          const line = rows[item.index];
          const common = {
            key: item.key,
            id: `row-${item.index}`,
            role: "row" as const,
            "aria-rowindex": item.index + 2,
            "aria-selected": item.index === active,
            "aria-level": grouped ? (line.kind === "group" ? 1 : 2) : undefined,
            onClick: () => setActive(item.index),
            style: { transform: `translateY(${item.start - ROW_HEIGHT}px)` },
          };
          if (line.kind === "group") {
            return (
              <div
                {...common}
                aria-expanded={line.expanded}
                class={`grid-row group${item.index === active ? " active" : ""}`}
                onClick={() => {
                  setActive(item.index);
                  onToggle(line.id);
                }}
              >
                <div role="gridcell" aria-colindex={1} aria-colspan={columns.length} class="cell">
                  <span class="twisty" aria-hidden="true">
                    {line.expanded ? "▾" : "▸"}
                  </span>{" "}
                  <strong>{line.label}</strong>
                  <span class="muted">
                    {" "}
                    · {line.count.toLocaleString()} rows{line.summary ? ` · ${line.summary}` : ""}
                  </span>
                </div>
              </div>
            );
          }
          return (
            <div {...common} class={`grid-row${item.index === active ? " active" : ""}`}>
              {columns.map((column, i) => {
                const value = line.row[column.key];
                const when = column.type === "date" || column.type === "datetime";
                return (
                  <div
                    key={column.key}
                    role="gridcell"
                    aria-colindex={i + 1}
                    class={`cell ${column.type}${value === null ? " blank" : ""}`}
                    title={when && typeof value === "string" ? value : undefined}
                  >
                    {formats.value(value, column.type)}
                  </div>
                );
              })}
            </div>
          );
        })}
      </div>
    </div>
  );
}
