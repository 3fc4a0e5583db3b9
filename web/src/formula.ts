// The formula editor's text logic, without the DOM: what to suggest at the caret (a column
// after `{`, a function on a name), what accepting a suggestion writes, the extent of the token
// an error position points at, and a column key derived from a name. The lexical rules follow
// the API's tokenizer (formulas/parser.py): "double" or 'single' quoted strings with backslash
// escapes, #date# literals, {Column name} references (\} escapes a brace), NAME( calls.

import { call, type Answer, type Column, type FormulaFunction } from "./api";

export type Suggestion =
  | { kind: "column"; column: Column }
  | { kind: "function"; fn: FormulaFunction };

/** What the caret is in: a column reference from `start` (its `{`), or a name from `start`. */
export interface Context {
  kind: "column" | "function";
  start: number;
  end: number; // the end of the text a suggestion replaces
  prefix: string;
}

const NAME_TAIL = /[A-Za-z_][A-Za-z0-9_]*$/;
const NAME_HEAD = /^[A-Za-z0-9_]*/;
const MAX_SUGGESTIONS = 50;

/** The context at `caret`, or null where nothing is suggested (in a string or a date, say). */
export function contextAt(text: string, caret: number): Context | null {
  let state: "code" | "ref" | "string" | "date" = "code";
  let quote = "";
  let start = 0;
  for (let i = 0; i < caret; i++) {
    const ch = text[i];
    if (state === "string") {
      if (ch === "\\") i++;
      else if (ch === quote) state = "code";
    } else if (state === "ref") {
      if (ch === "\\") i++;
      else if (ch === "}") state = "code";
    } else if (state === "date") {
      if (ch === "#") state = "code";
    } else if (ch === '"' || ch === "'") {
      state = "string";
      quote = ch;
    } else if (ch === "#") {
      state = "date";
    } else if (ch === "{") {
      state = "ref";
      start = i;
    }
  }
  if (state === "ref") {
    const prefix = text.slice(start + 1, caret);
    if (prefix.includes("\n")) return null;
    // A reference already closed after the caret is replaced whole.
    const close = text.indexOf("}", caret);
    const between = close < 0 ? "" : text.slice(caret, close);
    const end = close >= 0 && !/[{\n]/.test(between) ? close + 1 : caret;
    return { kind: "column", start, end, prefix };
  }
  if (state !== "code") return null;
  const before = text.slice(0, caret);
  const name = NAME_TAIL.exec(before);
  if (!name) return null;
  const from = caret - name[0].length;
  // The tail of a number (1e5, 2.5E3) is not a name.
  if (from > 0 && /[0-9.]/.test(text[from - 1])) return null;
  const rest = NAME_HEAD.exec(text.slice(caret))![0];
  return { kind: "function", start: from, end: caret + rest.length, prefix: name[0] };
}

function ranked<T>(items: T[], score: (item: T) => number): T[] {
  return items
    .map((item, i) => ({ item, i, s: score(item) }))
    .filter((x) => x.s > 0)
    .sort((a, b) => b.s - a.s || a.i - b.i)
    .slice(0, MAX_SUGGESTIONS)
    .map((x) => x.item);
}

/** The suggestions for a context: columns by name or key (not the one being edited: it
 * cannot read itself), functions by name; those starting with what is typed first. */
export function suggestionsFor(
  context: Context | null,
  columns: Column[],
  functions: FormulaFunction[],
  own: string | null,
): Suggestion[] {
  if (!context) return [];
  if (context.kind === "column") {
    const typed = context.prefix.trim().toLowerCase();
    const offered = columns.filter((c) => c.key !== own);
    return ranked(offered, (c) => {
      const name = c.name.toLowerCase();
      if (!typed || name.startsWith(typed) || c.key.startsWith(typed)) return 2;
      return name.includes(typed) || c.key.includes(typed) ? 1 : 0;
    }).map((column) => ({ kind: "column", column }));
  }
  const typed = context.prefix.toUpperCase();
  return ranked(functions, (f) => (f.name.startsWith(typed) ? 2 : f.name.includes(typed) ? 1 : 0)).map((fn) => ({ kind: "function", fn }));
}

/** The text with a suggestion accepted, and where the caret goes. */
export function accept(
  text: string,
  context: Context,
  suggestion: Suggestion,
): { text: string; caret: number } {
  let insert: string;
  if (suggestion.kind === "column") {
    insert = `{${suggestion.column.key.replace(/\}/g, "\\}")}}`;
  } else {
    const opened = text[context.end] === "(";
    // A function without arguments is written whole; otherwise the caret waits for them.
    insert = suggestion.fn.name + (opened ? "" : suggestion.fn.max_args === 0 ? "()" : "(");
    if (opened) {
      const next = text.slice(0, context.start) + insert + text.slice(context.end);
      return { text: next, caret: context.start + insert.length + 1 };
    }
  }
  return {
    text: text.slice(0, context.start) + insert + text.slice(context.end),
    caret: context.start + insert.length,
  };
}

const OPERATORS = ["<=", ">=", "!=", "<>"];

/** The extent [start, end) of the token at an error's position: a whole {reference}, string,
 * #date#, name or number; one character otherwise; at the end of the text, an empty extent. */
export function tokenAt(text: string, position: number): [number, number] {
  const at = Math.max(0, Math.min(position, text.length));
  if (at >= text.length) return [text.length, text.length];
  const ch = text[at];
  const through = (close: string, escapes: boolean): number => {
    for (let i = at + 1; i < text.length; i++) {
      if (escapes && text[i] === "\\") i++;
      else if (text[i] === close) return i + 1;
    }
    return text.length;
  };
  if (ch === "{") return [at, through("}", true)];
  if (ch === '"' || ch === "'") return [at, through(ch, true)];
  if (ch === "#") return [at, through("#", false)];
  const word = /^[A-Za-z_][A-Za-z0-9_]*|^(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?/.exec(text.slice(at));
  if (word && word[0]) return [at, at + word[0].length];
  if (OPERATORS.includes(text.slice(at, at + 2))) return [at, at + 2];
  return [at, at + 1];
}

/** A column key from a name: "Delay (hours)" → "delay_hours"; keys are ^[a-z_][a-z0-9_]*$. */
export function keyFrom(name: string): string {
  const key = name
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "_")
    .replace(/^_+|_+$/g, "")
    .slice(0, 63);
  return /^[0-9]/.test(key) ? `_${key}`.slice(0, 63) : key;
}

let catalogue: Promise<FormulaFunction[]> | null = null;

/** The function catalogue, asked once per page (it only changes with the API). */
export function loadFunctions(token: string): Promise<FormulaFunction[]> {
  if (!catalogue) {
    catalogue = call<Answer<"/api/v1/formulas/functions", "get">>(token, "/formulas/functions").then(
      (list) => list.data,
      (error: unknown) => {
        catalogue = null; // asked again next time
        throw error;
      },
    );
  }
  return catalogue;
}
