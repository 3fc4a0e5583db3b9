// A formula column, new or edited, in a modal dialog: name, key, type and the formula, with
// suggestions as you type (columns after `{`, functions on a name). The textarea stays a
// multi-line textbox (HTML allows a textarea no combobox role) with the combobox pattern's
// autocomplete attributes: aria-autocomplete, aria-controls its listbox, aria-activedescendant
// the highlighted option; the arrow keys move through it, Tab or Enter accepts, Escape closes
// it, and a live region says how many are suggested. Then the API's error
// with the mistake underlined in the text (a mirror of the textarea behind it, with a <mark> at
// the error's position), and the values of the first rows (POST .../formula-preview, debounced,
// the stale request cancelled). Saving creates or updates the column; a sync fills its values.

import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  ApiError,
  call,
  type Body,
  type Column,
  type ColumnType,
  type FieldError,
  type FormulaFunction,
  type FormulaPreview,
} from "./api";
import { formats, viewerZone } from "./format";
import {
  accept,
  contextAt,
  keyFrom,
  loadFunctions,
  suggestionsFor,
  tokenAt,
  type Suggestion,
} from "./formula";

const TYPES: ColumnType[] = ["text", "integer", "number", "boolean", "date", "datetime", "json"];
const PREVIEW_ROWS = 10;
const DEBOUNCE = 250;

interface Props {
  token: string;
  panelId: string;
  columns: Column[];
  /** The formula column edited; null for a new one. */
  column: Column | null;
  onSaved: (column: Column, created: boolean) => void;
  onClose: () => void;
}

/** What the API said is wrong with a formula (a 422), and the formula it said it of. */
interface Problem {
  formula: string;
  error: FieldError | null; // the formula's own error: message, hint, position
  others: string[]; // anything else refused (the key, the name, another column's formula)
}

function problemOf(e: unknown, formula: string): Problem {
  if (!(e instanceof ApiError)) return { formula, error: null, others: [String(e)] };
  const errors = e.problem?.errors ?? [];
  const own = errors.find((x) => x.field === "body.formula") ?? null;
  const others = errors.filter((x) => x !== own).map((x) => `${x.field}: ${x.message}`);
  if (!own && !others.length) others.push(e.message);
  return { formula, error: own, others };
}

function isAbort(e: unknown): boolean {
  return e instanceof DOMException && e.name === "AbortError";
}

export function FormulaEditor({ token, panelId, columns, column, onSaved, onClose }: Props) {
  const dialog = useRef<HTMLDialogElement>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const mirror = useRef<HTMLDivElement>(null);
  const nameInput = useRef<HTMLInputElement>(null);
  const [name, setName] = useState(column?.name ?? "");
  const [key, setKey] = useState(column?.key ?? "");
  const [keyTouched, setKeyTouched] = useState(column !== null);
  const [type, setType] = useState<ColumnType | "">(column?.type ?? "");
  const [formula, setFormula] = useState(column?.formula ?? "");
  const [caret, setCaret] = useState(0);
  const [functions, setFunctions] = useState<FormulaFunction[]>([]);
  const [open, setOpen] = useState(false);
  const [focused, setFocused] = useState(false);
  const [active, setActive] = useState(0);
  const [preview, setPreview] = useState<FormulaPreview | null>(null);
  const [previewed, setPreviewed] = useState(""); // the formula the preview is of
  const [problem, setProblem] = useState<Problem | null>(null);
  const [checking, setChecking] = useState(false);
  const [saving, setSaving] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const own = column?.key ?? null;
  const names = useMemo(() => new Map(columns.map((c) => [c.key, c])), [columns]);

  useEffect(() => {
    dialog.current?.showModal();
    if (column) {
      const el = area.current;
      el?.focus();
      el?.setSelectionRange(el.value.length, el.value.length);
      setCaret(el?.value.length ?? 0);
    } else nameInput.current?.focus();
    loadFunctions(token)
      .then(setFunctions)
      .catch((e: unknown) => setFailure(`The function list did not load: ${String(e)}`));
  }, []);

  // The textarea grows with its text (no scroll bar): the mirror behind it then wraps its
  // lines exactly as the textarea does.
  useLayoutEffect(() => {
    const el = area.current;
    if (!el) return;
    el.style.height = "auto";
    el.style.height = `${el.scrollHeight + el.offsetHeight - el.clientHeight}px`;
  }, [formula]);

  const previewBody = (text: string, limit: number) => {
    const body: Body<"/api/v1/panels/{panel_id}/formula-preview", "post"> = {
      formula: text,
      limit,
    };
    if (type) body.type = type;
    if (own) body.key = own;
    return body;
  };

  // Checked and evaluated as they type: 250 ms after the last change; a newer change cancels
  // the request under way (its answer would be of a formula no longer there).
  useEffect(() => {
    if (!formula.trim()) {
      setPreview(null);
      setProblem(null);
      setChecking(false);
      return;
    }
    const controller = new AbortController();
    const timer = window.setTimeout(async () => {
      setChecking(true);
      try {
        const answer = await call<FormulaPreview>(token, `/panels/${panelId}/formula-preview`, {
          method: "POST",
          body: JSON.stringify(previewBody(formula, PREVIEW_ROWS)),
          signal: controller.signal,
        });
        setPreview(answer);
        setPreviewed(formula);
        setProblem(null);
      } catch (e) {
        if (isAbort(e)) return;
        setPreview(null);
        setProblem(problemOf(e, formula));
      }
      setChecking(false);
    }, DEBOUNCE);
    return () => {
      window.clearTimeout(timer);
      controller.abort();
    };
  }, [formula, type]);

  const context = useMemo(() => contextAt(formula, caret), [formula, caret]);
  const suggestions = useMemo(
    () => suggestionsFor(context, columns, functions, own),
    [context, columns, functions, own],
  );
  const listed = open && focused && suggestions.length > 0;
  const current = listed ? Math.min(active, suggestions.length - 1) : -1;

  useEffect(() => {
    if (current >= 0) document.getElementById(`formula-option-${current}`)?.scrollIntoView({ block: "nearest" });
  }, [current, listed]);

  function choose(suggestion: Suggestion) {
    if (!context) return;
    const next = accept(formula, context, suggestion);
    // Written at once, caret included, so that the next key typed lands after the suggestion
    // (the render that follows finds the same value and leaves it).
    const el = area.current;
    if (el) {
      el.value = next.text;
      el.setSelectionRange(next.caret, next.caret);
    }
    setFormula(next.text);
    setCaret(next.caret);
    setOpen(false);
  }

  function onKeyDown(event: KeyboardEvent) {
    if (listed) {
      const n = suggestions.length;
      const plain = !event.shiftKey && !event.ctrlKey && !event.altKey && !event.metaKey;
      if (event.key === "ArrowDown" || event.key === "ArrowUp") {
        event.preventDefault();
        setActive((current + (event.key === "ArrowDown" ? 1 : n - 1)) % n);
        return;
      }
      if ((event.key === "Enter" || event.key === "Tab") && plain) {
        event.preventDefault();
        choose(suggestions[current]);
        return;
      }
      if (event.key === "Escape") {
        // Closes the suggestions only, not the dialog.
        event.preventDefault();
        event.stopPropagation();
        setOpen(false);
        return;
      }
    }
    if (event.key === " " && event.ctrlKey) {
      event.preventDefault();
      setActive(0);
      setOpen(true);
    }
  }

  function moved(event: Event) {
    const el = event.currentTarget as HTMLTextAreaElement;
    const at = el.selectionStart ?? 0;
    if (at !== caret) {
      setCaret(at);
      if (!contextAt(el.value, at)) setOpen(false);
    }
  }

  async function save(event: Event) {
    event.preventDefault();
    setSaving(true);
    setFailure(null);
    const text = formula;
    try {
      // Automatic: the column type of the formula's own result, as the preview gives it.
      let target = type;
      if (!target) {
        const checked = await call<FormulaPreview>(token, `/panels/${panelId}/formula-preview`, {
          method: "POST",
          body: JSON.stringify(previewBody(text, 1)),
        });
        target = checked.type;
      }
      let saved: Column;
      if (column) {
        const body: Body<"/api/v1/panels/{panel_id}/columns/{column_id}", "patch"> = {
          name: name.trim(),
          type: target,
          formula: text,
        };
        saved = await call<Column>(token, `/panels/${panelId}/columns/${column.id}`, {
          method: "PATCH",
          body: JSON.stringify(body),
        });
      } else {
        const body: Body<"/api/v1/panels/{panel_id}/columns", "post"> = {
          key,
          name: name.trim(),
          type: target,
          formula: text,
        };
        saved = await call<Column>(token, `/panels/${panelId}/columns`, {
          method: "POST",
          body: JSON.stringify(body),
        });
      }
      onSaved(saved, column === null);
      dialog.current?.close();
    } catch (e) {
      if (e instanceof ApiError && e.status === 422) setProblem(problemOf(e, text));
      else setFailure(e instanceof ApiError ? e.message : String(e));
    } finally {
      setSaving(false);
    }
  }

  // The underline: the token at the error's position, while the text is the one checked.
  const error = problem?.error ?? null;
  const marked =
    error && error.position !== null && error.position !== undefined && problem!.formula === formula
      ? tokenAt(formula, error.position)
      : null;
  const chosen = current >= 0 ? suggestions[current] : null;
  const shownAs = formats(viewerZone);
  const title = column ? `Edit formula of “${column.name}”` : "New formula column";
  const fresh = preview !== null && previewed === formula;

  return (
    <dialog
      ref={dialog}
      class="formula-editor"
      aria-labelledby="formula-title"
      onClose={onClose}
    >
      <form onSubmit={save}>
        <h2 id="formula-title">{title}</h2>
        <div class="formula-fields">
          <label>
            Name
            <input
              ref={nameInput}
              value={name}
              required
              maxLength={200}
              onInput={(e) => {
                const next = e.currentTarget.value;
                setName(next);
                if (!keyTouched) setKey(keyFrom(next));
              }}
            />
          </label>
          {!column && (
            <div class="formula-key">
              <label>
                Key
                <input
                value={key}
                required
                pattern="[a-z_][a-z0-9_]{0,62}"
                aria-describedby="formula-key-help"
                spellcheck={false}
                autoComplete="off"
                  onInput={(e) => {
                    setKey(e.currentTarget.value);
                    setKeyTouched(true);
                  }}
                />
              </label>
              <span id="formula-key-help" class="muted small">
                From the name unless you change it: a–z, 0–9 and _
              </span>
            </div>
          )}
          <label>
            Type
            <select
              value={type}
              onChange={(e) => setType(e.currentTarget.value as ColumnType | "")}
            >
              <option value="">
                Automatic{fresh ? ` (${preview!.formula_type})` : " (the formula’s own type)"}
              </option>
              {TYPES.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </select>
          </label>
        </div>

        <label for="formula-text" class="formula-label">
          Formula
        </label>
        <div class="formula-box">
          <div class="formula-field">
            <div class="formula-mirror" ref={mirror} aria-hidden="true" data-testid="formula-mirror">
              {marked ? (
                <>
                  {formula.slice(0, marked[0])}
                  <mark data-testid="formula-mark">{formula.slice(marked[0], marked[1]) || " "}</mark>
                  {formula.slice(marked[1])}
                </>
              ) : (
                formula
              )}
            </div>
            <textarea
              id="formula-text"
              ref={area}
              aria-autocomplete="list"
              aria-haspopup="listbox"
              aria-controls="formula-suggestions"
              aria-activedescendant={current >= 0 ? `formula-option-${current}` : undefined}
              aria-describedby="formula-help formula-problem"
              aria-invalid={marked !== null || undefined}
              value={formula}
              rows={3}
              required
              maxLength={10_000}
              spellcheck={false}
              autoComplete="off"
              autoCapitalize="off"
              onInput={(e) => {
                const el = e.currentTarget;
                setFormula(el.value);
                setCaret(el.selectionStart ?? el.value.length);
                setActive(0);
                setOpen(true);
              }}
              onKeyDown={onKeyDown}
              onKeyUp={moved}
              onClick={moved}
              onFocus={() => setFocused(true)}
              onBlur={() => setFocused(false)}
              onScroll={(e) => {
                if (mirror.current) mirror.current.scrollTop = e.currentTarget.scrollTop;
              }}
            />
          </div>
          <div class="formula-suggest" hidden={!listed}>
            <ul
              id="formula-suggestions"
              role="listbox"
              aria-label={context?.kind === "column" ? "Columns" : "Functions"}
            >
              {listed &&
                suggestions.map((s, i) => (
                  <li
                    key={s.kind === "column" ? `c:${s.column.key}` : `f:${s.fn.name}`}
                    id={`formula-option-${i}`}
                    role="option"
                    aria-selected={i === current}
                    aria-describedby={i === current ? "formula-suggestion-detail" : undefined}
                    onMouseDown={(e) => e.preventDefault()}
                    onClick={() => choose(s)}
                  >
                    {s.kind === "column" ? (
                      <>
                        <span class="option-name">{s.column.name}</span>{" "}
                        <code class="muted">{`{${s.column.key}}`}</code>
                      </>
                    ) : (
                      <>
                        <span class="option-name">{s.fn.name}</span>{" "}
                        <span class="muted">{s.fn.category}</span>
                      </>
                    )}
                  </li>
                ))}
            </ul>
            <div id="formula-suggestion-detail" class="formula-detail" data-testid="suggestion-detail">
              {chosen?.kind === "function" && (
                <>
                  <code>{chosen.fn.usage}</code>
                  <p>{chosen.fn.description}</p>
                  <p class="muted">
                    Gives {chosen.fn.returns}. Example: <code>{chosen.fn.example}</code>
                    {chosen.fn.example_result ? ` → ${chosen.fn.example_result}` : ""}
                  </p>
                </>
              )}
              {chosen?.kind === "column" && (
                <>
                  <code>{`{${chosen.column.key}}`}</code>
                  <p>
                    Column “{chosen.column.name}”, {chosen.column.type}
                    {chosen.column.formula ? `, the formula ${chosen.column.formula}` : ""}
                  </p>
                </>
              )}
            </div>
          </div>
        </div>
        <p id="formula-help" class="muted small">
          Type {"{"} for a column, or letters for a function; arrows choose, Tab or Enter
          accepts, Escape closes the list. Ctrl+Space suggests again.
        </p>
        <p class="visually-hidden" aria-live="polite">
          {listed
            ? `${suggestions.length} ${context?.kind === "column" ? "columns" : "functions"} suggested`
            : ""}
        </p>
        <div id="formula-problem" class="formula-problem" aria-live="polite" data-testid="formula-problem">
          {problem?.error && (
            <p class="error">
              <span data-testid="formula-error">{problem.error.message}</span>
              {problem.error.line ? (
                <span class="muted">
                  {" "}
                  (line {problem.error.line}, column {problem.error.column})
                </span>
              ) : null}
              {problem.error.hint && (
                <>
                  <br />
                  <span data-testid="formula-hint">Hint: {problem.error.hint}</span>
                </>
              )}
            </p>
          )}
          {problem?.others.map((text) => (
            <p class="error" key={text}>
              {text}
            </p>
          ))}
        </div>

        <section class="formula-preview" aria-labelledby="formula-preview-title">
          <h3 id="formula-preview-title">
            Preview{" "}
            <span class="muted small" aria-live="polite">
              {checking ? "checking…" : ""}
            </span>
          </h3>
          {!formula.trim() && <p class="muted">The values of the first rows show here.</p>}
          {problem && !preview && formula.trim() && (
            <p class="muted">No values while the formula has an error.</p>
          )}
          {preview && (
            <div class={fresh ? "" : "stale"} data-testid="preview-of" data-formula={previewed}>
              <p data-testid="preview-summary">
                Gives <strong data-testid="preview-type">{preview.type}</strong>
                {preview.formula_type !== preview.type
                  ? ` (the formula's own type: ${preview.formula_type})`
                  : ""}
                {" · "}
                {preview.version === null
                  ? "no rows: the panel has no version yet"
                  : `${preview.complete ? "every row" : `the first ${preview.rows.length} rows`} of version ${preview.version}`}
                {preview.errors ? ` · ${preview.errors} with an error` : ""}
              </p>
              {preview.rows.length > 0 && (
                <div class="preview-table">
                  <table data-testid="preview">
                    <caption class="visually-hidden">
                      Values of the formula for the first rows, with the columns it reads
                    </caption>
                    <thead>
                      <tr>
                        {preview.columns.map((k) => (
                          <th scope="col" key={k}>
                            {names.get(k)?.name ?? k}
                          </th>
                        ))}
                        <th scope="col" class="value">
                          {name.trim() || "Value"}
                        </th>
                      </tr>
                    </thead>
                    <tbody>
                      {preview.rows.map((row) => (
                        <tr key={row.row_id} data-row-id={row.row_id} class={row.error ? "failed" : ""}>
                          {preview.columns.map((k) => (
                            <td key={k} class={names.get(k)?.type}>
                              {shownAs.value(row.inputs[k], names.get(k)?.type ?? "text")}
                            </td>
                          ))}
                          <td
                            class={`value ${preview.type}`}
                            data-value={JSON.stringify(row.value ?? null)}
                          >
                            {row.error ? (
                              <span class="error">error</span>
                            ) : row.value === null ? (
                              <span class="muted">blank</span>
                            ) : (
                              shownAs.value(row.value, preview.type)
                            )}
                          </td>
                        </tr>
                      ))}
                    </tbody>
                  </table>
                </div>
              )}
              {preview.notes.length > 0 && (
                <ul class="notes" aria-label="Notes">
                  {preview.notes.map((note) => (
                    <li key={note}>{note}</li>
                  ))}
                </ul>
              )}
            </div>
          )}
        </section>

        <p class="muted small">
          {column
            ? "The column's values change at the panel's next sync."
            : "A new formula column has no values until the panel syncs; the preview shows what the sync will fill."}
        </p>
        {failure && (
          <p role="alert" class="error">
            {failure}
          </p>
        )}
        <div class="dialog-actions">
          <button type="button" onClick={() => dialog.current?.close()}>
            Cancel
          </button>
          <button type="submit" class="primary" disabled={saving || !formula.trim()}>
            {column ? "Save formula" : "Add column"}
          </button>
        </div>
      </form>
    </dialog>
  );
}
