// The filter editor's model: a flat AND/OR list of conditions, turned into the API's filter tree.
// Which operators a column type offers, their labels and the values they take come from the API.

import {
  call,
  type ColumnType,
  type Condition,
  type FilterNode,
  type FilterOperators,
  type Takes,
} from "./api";

export interface Draft {
  column: string;
  op: string;
  value: string;
  value2: string; // the high end of a pair ([low, high])
  unit: string; // a window's: days | weeks | months
  direction: string; // a window's: past | next
}

export interface FilterState {
  combinator: "and" | "or";
  conditions: Draft[];
  /** A saved filter the flat editor cannot show (nested groups): kept and ANDed as it is. */
  locked: FilterNode | null;
}

/** The operator table the editor works from; the page holds no operator list of its own. */
export class Operators {
  static readonly none = new Operators({ operators: {}, types: {} });

  constructor(private readonly table: FilterOperators) {}

  /** What the editor offers for a column type, in order; a new condition takes the first. */
  offered(type: ColumnType): string[] {
    return this.table.types[type]?.editor ?? [];
  }

  label(op: string): string {
    return this.table.operators[op]?.label ?? op;
  }

  takes(op: string): Takes {
    return this.table.operators[op]?.takes ?? "one";
  }
}

export async function loadOperators(token: string): Promise<Operators> {
  return new Operators(await call<FilterOperators>(token, "/filter-operators"));
}

export function noFilter(): FilterState {
  return { combinator: "and", conditions: [], locked: null };
}

export function blankDraft(column: string, type: ColumnType, operators: Operators): Draft {
  const op = operators.offered(type)[0] ?? "";
  return { column, op, value: "", value2: "", unit: "days", direction: "past" };
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
export function toCondition(
  draft: Draft,
  type: ColumnType,
  operators: Operators,
): Condition | null {
  const { column, op } = draft;
  const takes = operators.takes(op);
  if (takes === "none") return { column, op };
  if (takes === "pair") {
    if (!draft.value.trim() || !draft.value2.trim()) return null;
    return { column, op, value: [scalar(draft.value, type), scalar(draft.value2, type)] };
  }
  if (takes === "window") {
    const count = Number(draft.value);
    if (!draft.value.trim() || Number.isNaN(count)) return null;
    return { column, op, value: { [draft.direction]: count, unit: draft.unit } };
  }
  if (!draft.value.trim()) return null;
  if (takes === "many") {
    const items = draft.value.split(",").filter((item) => item.trim() !== "");
    return { column, op, value: items.map((item) => scalar(item, type)) };
  }
  return { column, op, value: scalar(draft.value, type) };
}

export function toTree(
  state: FilterState,
  types: Map<string, ColumnType>,
  operators: Operators,
): FilterNode | null {
  const conditions = state.conditions
    .map((draft) => toCondition(draft, types.get(draft.column) ?? "text", operators))
    .filter((c): c is Condition => c !== null);
  const own: FilterNode | null = conditions.length
    ? ({ [state.combinator]: conditions } as FilterNode)
    : null;
  if (state.locked && own) return { and: [state.locked, own] };
  return state.locked ?? own;
}

function draftOf(condition: Condition, operators: Operators): Draft {
  const { column, op } = condition;
  const draft: Draft = { column, op, value: "", value2: "", unit: "days", direction: "past" };
  const takes = operators.takes(op);
  const value = condition.value;
  const text = (v: unknown): string => {
    if (v && typeof v === "object" && "days_ago" in v) return `${String(v.days_ago)} days ago`;
    if (v && typeof v === "object" && "days_from_now" in v)
      return `${String(v.days_from_now)} days from now`;
    return v === null || v === undefined ? "" : String(v);
  };
  if (takes === "pair" && Array.isArray(value)) {
    draft.value = text(value[0]);
    draft.value2 = text(value[1]);
  } else if (takes === "window" && value && typeof value === "object") {
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
export function fromTree(tree: FilterNode | null, operators: Operators): FilterState {
  if (!tree) return noFilter();
  if (isCondition(tree)) {
    return { combinator: "and", conditions: [draftOf(tree, operators)], locked: null };
  }
  const combinator = "and" in tree ? "and" : "or";
  const children = "and" in tree ? tree.and : tree.or;
  if (children.every(isCondition)) {
    const conditions = (children as Condition[]).map((c) => draftOf(c, operators));
    return { combinator, conditions, locked: null };
  }
  return { combinator: "and", conditions: [], locked: tree };
}
