// The filter editor's model: a flat AND/OR list of conditions, turned into the API's filter tree.
// Operators per column type mirror serving/filters.py.

import type { ColumnType, Condition, FilterNode } from "./api";

export interface Draft {
  column: string;
  op: string;
  value: string;
  value2: string; // the high end of "between"; "past"/"next" count of "within"
  unit: string; // within: days | weeks | months
  direction: string; // within: past | next
}

export interface FilterState {
  combinator: "and" | "or";
  conditions: Draft[];
  /** A saved filter the flat editor cannot show (nested groups): kept and ANDed as it is. */
  locked: FilterNode | null;
}

const COMMON = ["is", "is_not", "is_empty", "is_not_empty", "is_any_of", "is_none_of"];
const TEXT = ["contains", "does_not_contain", "starts_with", "ends_with"];
const ORDERED = ["gt", "gte", "lt", "lte", "between"];
const DATES = ["before", "after", "on_or_before", "on_or_after", "within"];

export const OPERATORS: Record<ColumnType, string[]> = {
  text: [...TEXT, ...COMMON],
  json: [...TEXT, ...COMMON],
  integer: [...COMMON, ...ORDERED],
  number: [...COMMON, ...ORDERED],
  date: [...COMMON, ...DATES, ...ORDERED],
  datetime: [...COMMON, ...DATES, ...ORDERED],
  boolean: ["is_true", "is_false", "is_empty", "is_not_empty"],
};

export const LABELS: Record<string, string> = {
  is: "is",
  is_not: "is not",
  is_empty: "is empty",
  is_not_empty: "is not empty",
  is_any_of: "is any of",
  is_none_of: "is none of",
  contains: "contains",
  does_not_contain: "does not contain",
  starts_with: "starts with",
  ends_with: "ends with",
  gt: ">",
  gte: "≥",
  lt: "<",
  lte: "≤",
  between: "between",
  before: "is before",
  after: "is after",
  on_or_before: "is on or before",
  on_or_after: "is on or after",
  within: "is within",
  is_true: "is true",
  is_false: "is false",
};

export const NO_VALUE = new Set(["is_empty", "is_not_empty", "is_true", "is_false"]);

export function blankDraft(column: string, type: ColumnType): Draft {
  return { column, op: OPERATORS[type][0], value: "", value2: "", unit: "days", direction: "past" };
}

function scalar(text: string, type: ColumnType): unknown {
  const trimmed = text.trim();
  if (type === "integer" || type === "number") {
    const number = Number(trimmed);
    return trimmed === "" || Number.isNaN(number) ? trimmed : number;
  }
  if (type === "date" || type === "datetime") {
    const ago = /^(\d+) days? ago$/.exec(trimmed);
    if (ago) return { days_ago: Number(ago[1]) };
    const ahead = /^(\d+) days? from now$/.exec(trimmed);
    if (ahead) return { days_from_now: Number(ahead[1]) };
  }
  return trimmed;
}

/** The API condition for a draft, or null while the draft is incomplete. */
export function toCondition(draft: Draft, type: ColumnType): Condition | null {
  const { column, op } = draft;
  if (NO_VALUE.has(op)) return { column, op };
  if (op === "between") {
    if (!draft.value.trim() || !draft.value2.trim()) return null;
    return { column, op, value: [scalar(draft.value, type), scalar(draft.value2, type)] };
  }
  if (op === "within") {
    const count = Number(draft.value);
    if (!draft.value.trim() || Number.isNaN(count)) return null;
    return { column, op, value: { [draft.direction]: count, unit: draft.unit } };
  }
  if (!draft.value.trim()) return null;
  if (op === "is_any_of" || op === "is_none_of") {
    const items = draft.value.split(",").filter((item) => item.trim() !== "");
    return { column, op, value: items.map((item) => scalar(item, type)) };
  }
  return { column, op, value: scalar(draft.value, type) };
}

export function toTree(state: FilterState, types: Map<string, ColumnType>): FilterNode | null {
  const conditions = state.conditions
    .map((draft) => toCondition(draft, types.get(draft.column) ?? "text"))
    .filter((c): c is Condition => c !== null);
  const own: FilterNode | null = conditions.length
    ? ({ [state.combinator]: conditions } as FilterNode)
    : null;
  if (state.locked && own) return { and: [state.locked, own] };
  return state.locked ?? own;
}

function draftOf(condition: Condition): Draft {
  const draft: Draft = { ...blankDraft(condition.column, "text"), op: condition.op };
  const value = condition.value;
  const text = (v: unknown): string => {
    if (v && typeof v === "object" && "days_ago" in v) return `${String(v.days_ago)} days ago`;
    if (v && typeof v === "object" && "days_from_now" in v)
      return `${String(v.days_from_now)} days from now`;
    return v === null || v === undefined ? "" : String(v);
  };
  if (condition.op === "between" && Array.isArray(value)) {
    draft.value = text(value[0]);
    draft.value2 = text(value[1]);
  } else if (condition.op === "within" && value && typeof value === "object") {
    const within = value as Record<string, unknown>;
    draft.direction = "next" in within ? "next" : "past";
    draft.value = text(within[draft.direction]);
    draft.unit = String(within.unit ?? "days");
  } else if (Array.isArray(value)) {
    draft.value = value.map(text).join(", ");
  } else {
    draft.value = text(value);
  }
  return draft;
}

function isCondition(node: FilterNode): node is Condition {
  return "column" in node;
}

/** The editor state for a saved filter tree: flat groups become editable rows. */
export function fromTree(tree: FilterNode | null): FilterState {
  if (!tree) return { combinator: "and", conditions: [], locked: null };
  if (isCondition(tree)) return { combinator: "and", conditions: [draftOf(tree)], locked: null };
  const combinator = "and" in tree ? "and" : "or";
  const children = "and" in tree ? tree.and : tree.or;
  if (children.every(isCondition)) {
    return { combinator, conditions: (children as Condition[]).map(draftOf), locked: null };
  }
  return { combinator: "and", conditions: [], locked: tree };
}
