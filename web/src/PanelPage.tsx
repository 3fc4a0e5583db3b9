// One panel: its views, the grid or a chart, filters, sorts, columns, export, version and check
// status, and a live refresh on panel.materialized that keeps the scroll position (and
// re-queries the chart).

import { useEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  aggregates as fetchAggregates,
  aggregatesOf,
  ApiError,
  call,
  request,
  rows as fetchRows,
  rowsParams,
  type AggregateSpec,
  type Aggregates,
  type Body,
  type ChartSpec,
  type Column,
  type ColumnType,
  type Page,
  type Panel,
  type RowGroup,
  type RowsPage,
  type RowsQuery,
  type Session,
  type SortSpec,
  type Version,
  type View,
} from "./api";
import { ChartLoader } from "./ChartLoader";
import { ChartSettings } from "./ChartSettings";
import {
  defaultSpec,
  measureLabel,
  measureName,
  niceWidth,
  saved,
  toDrawn,
  type Drawn,
} from "./charts";
import { ColumnsMenu, type Shown } from "./ColumnsMenu";
import { FilterBar } from "./FilterBar";
import { FormulaEditor } from "./FormulaEditor";
import { fromTree, loadOperators, noFilter, Operators, toTree, type FilterState } from "./filters";
import { formatNumber, formats, schedule, viewerZone, type Formats } from "./format";
import { Grid, type GridColumn, type Line } from "./Grid";
import { LiveEvents, type LiveStatus, type PanelEvent } from "./live";
import { useZoneChoice, ZoneSwitch } from "./ZoneSwitch";

const PAGE = 200;
const EMPTY: Loaded = { rows: [], groups: [], total: null, version: null, cursor: null };
const REFRESH_MAX = 5_000; // rows reloaded after a live update (the rest load as you scroll)
const WIDTHS: Record<string, number> = { integer: 110, number: 130, boolean: 90, date: 120 };

interface Props {
  session: Session;
  panelId: string;
  viewId: string | null;
  onView: (viewId: string | null) => void;
}

/** Which groups are collapsed: every group but the exceptions when `all`, else the exceptions. */
interface Collapsed {
  all: boolean;
  except: ReadonlySet<string>;
}
const NONE_COLLAPSED: Collapsed = { all: false, except: new Set() };

function isCollapsed(collapsed: Collapsed, id: string): boolean {
  return collapsed.all !== collapsed.except.has(id);
}

interface Loaded {
  rows: Record<string, unknown>[];
  groups: RowGroup[]; // with group_by: each group's first row, as an index into rows
  total: number | null;
  version: number | null;
  cursor: string | null;
}

function errorText(error: unknown): string {
  if (error instanceof ApiError) {
    const fields = error.problem?.errors?.map((e) => `${e.field}: ${e.message}`) ?? [];
    return fields.length ? fields.join("; ") : error.message;
  }
  return String(error);
}

function initialShown(columns: Column[], view: View | null): Shown[] {
  if (!view || !view.columns.length) return columns.map((c) => ({ key: c.key, visible: true }));
  const byId = new Map(columns.map((c) => [c.id, c]));
  const listed = [...view.columns]
    .sort((a, b) => a.position - b.position)
    .filter((vc) => byId.has(vc.column_id))
    .map((vc) => ({ key: byId.get(vc.column_id)!.key, visible: vc.visible }));
  const seen = new Set(listed.map((s) => s.key));
  return [...listed, ...columns.filter((c) => !seen.has(c.key)).map((c) => ({ key: c.key, visible: false }))];
}

export function PanelPage({ session, panelId, viewId, onView }: Props) {
  const token = session.token;
  const [panel, setPanel] = useState<Panel | null>(null);
  const [columns, setColumns] = useState<Column[]>([]);
  const [views, setViews] = useState<View[]>([]);
  const [versions, setVersions] = useState<Version[]>([]);
  const [shown, setShown] = useState<Shown[]>([]);
  const [sorts, setSorts] = useState<SortSpec[]>([]);
  const [filter, setFilter] = useState<FilterState>(noFilter());
  const [operators, setOperators] = useState<Operators>(Operators.none);
  const [groupBy, setGroupBy] = useState<string[]>([]);
  const [specs, setSpecs] = useState<AggregateSpec[]>([]);
  const [summary, setSummary] = useState<Aggregates | null>(null);
  const [collapsed, setCollapsed] = useState<Collapsed>(NONE_COLLAPSED);
  const [mode, setMode] = useState<"grid" | "chart">("grid");
  const [chart, setChart] = useState<ChartSpec | null>(null); // kept while the grid shows
  const [drawn, setDrawn] = useState<Drawn | null>(null);
  const [chartError, setChartError] = useState<string | null>(null);
  const [autoWidth, setAutoWidth] = useState<number | null>(null);
  const [loaded, setLoaded] = useState<Loaded>(EMPTY);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [live, setLive] = useState<LiveStatus>("connecting");
  const [newName, setNewName] = useState("");
  const [format, setFormat] = useState("csv");
  const [zoneChoice, setZoneChoice] = useZoneChoice();
  // The formula editor, open on a formula column or on a new one (column null).
  const [editing, setEditing] = useState<{ column: Column | null } | null>(null);
  // Columns the current version does not have yet (added since its sync): not asked of /rows.
  const [unsynced, setUnsynced] = useState<ReadonlySet<string>>(new Set<string>());
  const unsyncedRef = useRef(unsynced);
  unsyncedRef.current = unsynced;
  const generation = useRef(0);
  const chartGeneration = useRef(0);
  const loadedRef = useRef(loaded);
  loadedRef.current = loaded;
  const ready = panel !== null;

  const types = useMemo(() => new Map(columns.map((c) => [c.key, c.type])), [columns]);
  const names = useMemo(() => new Map(columns.map((c) => [c.key, c.name])), [columns]);
  const query: RowsQuery = useMemo(
    () => ({
      columns: shown.filter((s) => s.visible && !unsynced.has(s.key)).map((s) => s.key),
      sorts,
      filter: toTree(filter, types, operators),
      groupBy,
    }),
    [shown, sorts, filter, types, operators, groupBy, unsynced],
  );
  const queryKey = JSON.stringify([query, specs]);
  const canEdit = session.role !== "viewer";
  const current = versions.find((v) => v.current) ?? null;
  const newest = versions[0] ?? null;

  async function loadVersions() {
    const page = await call<Page<Version>>(token, `/panels/${panelId}/versions?limit=5`);
    setVersions(page.data);
  }

  // The panel, its columns and views; then the chosen view's settings.
  useEffect(() => {
    let stale = false;
    setPanel(null);
    setError(null);
    (async () => {
      try {
        const [p, cols, vs, ops] = await Promise.all([
          call<Panel>(token, `/panels/${panelId}`),
          call<Page<Column>>(token, `/panels/${panelId}/columns?limit=500`),
          call<Page<View>>(token, `/panels/${panelId}/views?limit=500`),
          loadOperators(token),
        ]);
        if (stale) return;
        setColumns(cols.data);
        setViews(vs.data);
        setOperators(ops);
        setPanel(p);
        await loadVersions();
      } catch (e) {
        if (!stale) setError(errorText(e));
      }
    })();
    return () => {
      stale = true;
    };
  }, [panelId]);

  useEffect(() => {
    if (!ready) return;
    const view = views.find((v) => v.id === viewId) ?? null;
    setShown(initialShown(columns, view));
    setSorts(view ? view.sorts : []);
    setFilter(fromTree(view ? view.filters : null, operators));
    setGroupBy(view ? view.group_by : []);
    setSpecs(view ? view.aggregates : []);
    setChart(view?.chart ?? null);
    setMode(view?.chart ? "chart" : "grid");
    setDrawn(null);
    setChartError(null);
  }, [ready, viewId]);

  // Another grouping has other groups: all expanded again. A live refresh keeps the choice.
  useEffect(() => setCollapsed(NONE_COLLAPSED), [groupBy.join("\u0000")]);

  function toggleGroup(id: string) {
    setCollapsed((prev) => {
      const except = new Set(prev.except);
      if (except.has(id)) except.delete(id);
      else except.add(id);
      return { all: prev.all, except };
    });
  }

  async function loadFirst(q: RowsQuery) {
    const mine = ++generation.current;
    setLoading(true);
    try {
      const [page, sums] = await Promise.all([
        fetchRows(token, panelId, q, PAGE, null),
        fetchAggregates(token, panelId, q, specs),
      ]);
      if (mine !== generation.current) return;
      setLoaded(append(EMPTY, page));
      setSummary(sums);
      setError(null);
    } catch (e) {
      if (mine !== generation.current) return;
      // A column the current version does not have (a formula column added since its sync):
      // left out until the next sync, and the rows asked again without it.
      const missing = e instanceof ApiError && e.status === 422 ? missingColumn(e, q) : null;
      if (missing && !unsyncedRef.current.has(missing)) {
        setUnsynced(new Set([...unsyncedRef.current, missing]));
        return;
      }
      setError(errorText(e));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }

  useEffect(() => {
    if (!ready || !shown.length) return;
    const timer = window.setTimeout(() => loadFirst(query), 250);
    return () => window.clearTimeout(timer);
  }, [ready, queryKey]);

  /** The chart's values from /aggregates, with the page's filter; a histogram without a bin
   * width first asks for its dimension's range and picks a width giving about 20 bins. */
  async function loadChart() {
    if (!chart) return;
    const mine = ++chartGeneration.current;
    const spec = saved(chart);
    const type = types.get(spec.dimension) ?? "text";
    try {
      let width: number | null = null;
      let bucket: string | null = null;
      let automatic = false;
      if (spec.kind === "line") bucket = spec.bucket ?? "day";
      if (spec.kind === "histogram" && spec.bucket) {
        bucket = spec.bucket;
        width = Number(spec.bucket);
      } else if (spec.kind === "histogram") {
        const d = spec.dimension;
        const labels = [`min:${d}`, `max:${d}`];
        const range = await aggregatesOf(token, panelId, query.filter, [], labels);
        const [low, high] = labels.map((l) => range.footer[l]);
        // No value at all (no rows, or only blanks): any width will do.
        width =
          low === null || high === null || low === undefined || high === undefined
            ? 1
            : niceWidth(Number(low), Number(high), type === "integer");
        bucket = String(width);
        automatic = true;
        if (mine === chartGeneration.current) setAutoWidth(width);
      }
      const answer = await aggregatesOf(
        token,
        panelId,
        query.filter,
        [spec.dimension],
        [measureLabel(spec)],
        bucket,
      );
      if (mine !== chartGeneration.current) return;
      setDrawn(toDrawn(spec, answer, type, formats(zone), width, automatic));
      setChartError(null);
    } catch (e) {
      if (mine !== chartGeneration.current) return;
      setDrawn(null);
      setChartError(errorText(e));
    }
  }
  const loadChartRef = useRef(loadChart);
  loadChartRef.current = loadChart;
  const modeRef = useRef(mode);
  modeRef.current = mode;

  const chartKey = JSON.stringify([chart, query.filter]);
  useEffect(() => {
    if (!ready || mode !== "chart") return;
    const timer = window.setTimeout(() => loadChart(), 250);
    return () => window.clearTimeout(timer);
  }, [ready, mode, chartKey, zoneChoice]);

  function showAs(next: "grid" | "chart") {
    if (next === "chart" && !chart) setChart(defaultSpec(columns, groupBy));
    setMode(next);
  }

  async function loadMore() {
    const { cursor, groups } = loadedRef.current;
    if (!cursor || loading) return;
    const mine = generation.current;
    // Rows of a collapsed group show no line: they are loaded through in the largest pages.
    const last = groups[groups.length - 1];
    const size = last && isCollapsed(collapsed, JSON.stringify(last.group)) ? 1000 : PAGE;
    setLoading(true);
    try {
      const page = await fetchRows(token, panelId, query, size, cursor);
      if (mine !== generation.current) return;
      setLoaded((prev) => append(prev, page));
    } catch (e) {
      setError(errorText(e));
    } finally {
      if (mine === generation.current) setLoading(false);
    }
  }

  /** After a new version: reload as many rows as were loaded, in place (the scroll stays). */
  async function refresh(event: PanelEvent) {
    const mine = ++generation.current;
    const want = Math.min(REFRESH_MAX, Math.max(PAGE, loadedRef.current.rows.length));
    let next = EMPTY;
    try {
      do {
        const size = Math.min(1000, want - next.rows.length);
        next = append(next, await fetchRows(token, panelId, query, size, next.cursor));
      } while (next.cursor && next.rows.length < want);
      const sums = await fetchAggregates(token, panelId, query, specs);
      if (mine !== generation.current) return;
      setLoaded(next);
      setSummary(sums);
      if (modeRef.current === "chart") await loadChartRef.current();
      await loadVersions();
      const at = new Date(event.at).toLocaleTimeString();
      setNotice(`Updated to version ${String(event.data.version)} at ${at}`);
    } catch (e) {
      if (mine === generation.current) setError(errorText(e));
    }
  }
  const refreshRef = useRef(refresh);
  refreshRef.current = refresh;

  useEffect(() => {
    const events = new LiveEvents(
      token,
      panelId,
      (event) => {
        if (event.event === "panel.materialized" && unsyncedRef.current.size) {
          // The new version may have the columns added since the last: asked for again (a
          // column it still lacks is left out again).
          setUnsynced(new Set<string>());
          void loadVersions();
          const at = new Date(event.at).toLocaleTimeString();
          setNotice(`Updated to version ${String(event.data.version)} at ${at}`);
        } else if (event.event === "panel.materialized") void refreshRef.current(event);
        else if (event.event === "sync.failed" || event.event === "checks.failed") {
          setNotice(`Latest sync: ${event.event.replace(".", " ")}; still showing the last good version`);
          void loadVersions();
        }
      },
      setLive,
    );
    return () => events.close();
  }, [panelId, token]);

  function onSort(key: string, add: boolean) {
    const existing = sorts.find((s) => s.column === key);
    let next: SortSpec[];
    if (!existing) next = [...(add ? sorts : []), { column: key, direction: "asc" }];
    else if (existing.direction === "asc")
      next = (add ? sorts : [existing]).map((s) => (s.column === key ? { ...s, direction: "desc" } : s));
    else next = add ? sorts.filter((s) => s.column !== key) : [];
    setSorts(next);
  }

  /** The view's settings as the API takes them, for a new view (with a name) or a saved one. */
  function viewBody(): Omit<Body<"/api/v1/panels/{panel_id}/views", "post">, "name"> {
    const byKey = new Map(columns.map((c) => [c.key, c]));
    return {
      filters: toTree(filter, types, operators),
      sorts,
      group_by: groupBy,
      aggregates: specs,
      columns: shown.map((s) => ({ column_id: byKey.get(s.key)!.id, visible: s.visible })),
      chart: mode === "chart" && chart ? saved(chart) : null,
    };
  }

  async function saveView() {
    if (!viewId) return;
    try {
      const body: Body<"/api/v1/panels/{panel_id}/views/{view_id}", "patch"> = viewBody();
      const saved = await call<View>(token, `/panels/${panelId}/views/${viewId}`, {
        method: "PATCH",
        body: JSON.stringify(body),
      });
      setViews(views.map((v) => (v.id === saved.id ? saved : v)));
      setNotice(`Saved view “${saved.name}”`);
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function saveAsNew(event: Event) {
    event.preventDefault();
    try {
      const body: Body<"/api/v1/panels/{panel_id}/views", "post"> = {
        ...viewBody(),
        name: newName.trim(),
      };
      const saved = await call<View>(token, `/panels/${panelId}/views`, {
        method: "POST",
        body: JSON.stringify(body),
      });
      setViews([...views, saved]);
      setNewName("");
      setNotice(`Saved view “${saved.name}”`);
      onView(saved.id);
    } catch (e) {
      setError(errorText(e));
    }
  }

  /** After the formula editor saved: the columns again; a new column shows after the sync. */
  async function formulaSaved(saved: Column, created: boolean) {
    if (created) {
      setShown((prev) => [...prev, { key: saved.key, visible: true }]);
      setUnsynced((prev) => new Set([...prev, saved.key]));
      setNotice(
        `Added formula column “${saved.name}”: it has no values until the panel syncs`,
      );
    } else {
      setNotice(`Saved the formula of “${saved.name}”: its values change at the next sync`);
    }
    setColumns((prev) =>
      created ? [...prev, saved] : prev.map((c) => (c.id === saved.id ? saved : c)),
    );
    try {
      const cols = await call<Page<Column>>(token, `/panels/${panelId}/columns?limit=500`);
      setColumns(cols.data);
    } catch (e) {
      setError(errorText(e));
    }
  }

  async function exportRows() {
    try {
      const params = rowsParams(query);
      params.set("format", format);
      const response = await request(token, `/panels/${panelId}/rows/export?${params}`);
      const name =
        /filename="([^"]+)"/.exec(response.headers.get("Content-Disposition") ?? "")?.[1] ??
        `${panel?.slug ?? "panel"}.${format}`;
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = name;
      link.click();
      URL.revokeObjectURL(link.href);
    } catch (e) {
      setError(errorText(e));
    }
  }

  const zone = zoneChoice === "panel" && panel ? panel.timezone : viewerZone;
  const shownAs = formats(zone);
  const lines = useMemo(
    () => toLines(loaded, groupBy, names, types, summary, shownAs, collapsed),
    [loaded, groupBy, names, types, summary, shownAs, collapsed],
  );
  const anyCollapsed = collapsed.all || collapsed.except.size > 0;

  if (!panel) {
    return error ? <p role="alert" class="error">{error}</p> : <p class="muted">Loading…</p>;
  }
  const byKey = new Map(columns.map((c) => [c.key, c]));
  const widths = new Map<string, number>();
  for (const vc of views.find((v) => v.id === viewId)?.columns ?? []) {
    const col = columns.find((c) => c.id === vc.column_id);
    if (col && vc.width) widths.set(col.key, vc.width);
  }
  const gridColumns: GridColumn[] = query.columns
    .filter((key) => byKey.has(key))
    .map((key) => {
      const c = byKey.get(key)!;
      const fits = Math.max(WIDTHS[c.type] ?? 180, c.name.length * 8 + 40); // name and sort mark
      return { key, name: c.name, type: c.type, width: widths.get(key) ?? fits };
    });

  return (
    <article class="panel" aria-labelledby="panel-title">
      <header class="panel-head">
        <div>
          <h1 id="panel-title">{panel.name}</h1>
          {panel.description && <p class="muted">{panel.description}</p>}
        </div>
        <dl class="status" aria-label="Version and checks">
          <div>
            <dt>Version</dt>
            <dd data-testid="version">{current ? current.number : "none yet"}</dd>
          </div>
          <div>
            <dt>Rows</dt>
            <dd data-testid="total">{loaded.total === null ? "–" : loaded.total.toLocaleString()}</dd>
          </div>
          <div>
            <dt>Checks</dt>
            <dd data-testid="checks" class={`badge ${current?.check_status ?? "none"}`}>
              {current?.check_status ?? "no rules"}
            </dd>
          </div>
          <div>
            <dt>Refreshes</dt>
            <dd data-testid="schedule" title={panel.refresh_cron ?? undefined}>
              {schedule(panel.refresh_cron, panel.timezone)}
            </dd>
          </div>
          <div>
            <dt>Live</dt>
            <dd data-testid="live" class={`badge ${live}`}>{live}</dd>
          </div>
        </dl>
      </header>
      {newest && !newest.current && newest.status === "failed" && (
        <p class="warning" role="status">
          The latest sync (version {newest.number}) failed; the last good version is shown.
        </p>
      )}
      <div class="toolbar">
        <div role="group" aria-label="Show as" class="switch">
          <button type="button" aria-pressed={mode === "grid"} onClick={() => showAs("grid")}>
            Grid
          </button>
          <button
            type="button"
            aria-pressed={mode === "chart"}
            disabled={!chart && !defaultSpec(columns, groupBy)}
            onClick={() => showAs("chart")}
          >
            Chart
          </button>
        </div>
        <label>
          View{" "}
          <select value={viewId ?? ""} onChange={(e) => onView(e.currentTarget.value || null)}>
            <option value="">All rows</option>
            {views.map((v) => (
              <option key={v.id} value={v.id}>
                {v.name}
              </option>
            ))}
          </select>
        </label>
        <ColumnsMenu
          columns={columns}
          shown={shown}
          onChange={setShown}
          unsynced={unsynced}
          onNewFormula={canEdit ? () => setEditing({ column: null }) : undefined}
          onEditFormula={canEdit ? (column) => setEditing({ column }) : undefined}
        />
        <label>
          Group by{" "}
          <select
            value={groupBy[0] ?? ""}
            onChange={(e) => setGroupBy(e.currentTarget.value ? [e.currentTarget.value] : [])}
          >
            <option value="">None</option>
            {columns.map((c) => (
              <option key={c.key} value={c.key}>
                {c.name}
              </option>
            ))}
          </select>
        </label>
        {mode === "grid" && groupBy.length > 0 && (
          <button
            type="button"
            onClick={() => setCollapsed({ all: !collapsed.all, except: new Set() })}
          >
            {collapsed.all && !collapsed.except.size ? "Expand all groups" : "Collapse all groups"}
          </button>
        )}
        {canEdit && viewId && (
          <button type="button" onClick={saveView}>
            Save view
          </button>
        )}
        {canEdit && (
          <form class="inline" onSubmit={saveAsNew}>
            <label>
              New view name{" "}
              <input
                value={newName}
                required
                maxLength={200}
                onInput={(e) => setNewName(e.currentTarget.value)}
              />
            </label>
            <button type="submit">Save as new view</button>
          </form>
        )}
        <span class="spacer" />
        {panel.timezone !== viewerZone && columns.some((c) => c.type === "datetime") && (
          <ZoneSwitch panelZone={panel.timezone} choice={zoneChoice} onChange={setZoneChoice} />
        )}
        <label>
          Export as{" "}
          <select value={format} onChange={(e) => setFormat(e.currentTarget.value)}>
            <option value="csv">CSV</option>
            <option value="ndjson">NDJSON</option>
            <option value="parquet">Parquet</option>
          </select>
        </label>
        <button type="button" onClick={exportRows}>
          Export
        </button>
      </div>
      {mode === "chart" && chart && (
        <ChartSettings
          columns={columns}
          spec={chart}
          onChange={setChart}
          automaticWidth={chart.kind === "histogram" && !chart.bucket ? autoWidth : null}
          error={chartError}
        />
      )}
      <FilterBar columns={columns} operators={operators} state={filter} onChange={setFilter} />
      <div aria-live="polite" class="messages">
        {notice && (
          <p class="notice" data-testid="notice">
            {notice}
          </p>
        )}
      </div>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {panel.current_version_id === null && loaded.version === null && !loading ? (
        <p class="muted">This panel has not been synced yet.</p>
      ) : mode === "chart" ? (
        drawn ? (
          <ChartLoader
            drawn={drawn}
            dimensionName={names.get(drawn.spec.dimension) ?? drawn.spec.dimension}
            measureName={measureName(drawn.spec, names)}
            utc={types.get(drawn.spec.dimension) === "datetime"}
          />
        ) : (
          !chartError && <p class="muted">Loading the chart…</p>
        )
      ) : (
        <Grid
          label={`${panel.name} rows`}
          columns={gridColumns}
          rows={lines}
          total={anyCollapsed ? null : loaded.total}
          sorts={sorts}
          onSort={onSort}
          onNeedMore={loadMore}
          loaded={loaded.rows.length}
          onToggle={toggleGroup}
          grouped={groupBy.length > 0}
          formats={shownAs}
        />
      )}
      {summary && (
        <p class="summary" data-testid="summary" aria-label="Totals">
          {describe(summary.footer, names, types, shownAs)}
        </p>
      )}
      {editing && (
        <FormulaEditor
          token={token}
          panelId={panelId}
          columns={columns}
          column={editing.column}
          onSaved={formulaSaved}
          onClose={() => setEditing(null)}
        />
      )}
      <p class="muted footer" aria-live="polite" hidden={mode === "chart"}>
        {loading
          ? "Loading…"
          : `${loaded.rows.length.toLocaleString()} of ${(loaded.total ?? 0).toLocaleString()} rows loaded`}
      </p>
    </article>
  );
}

/** The column of a 422 that names one of the query's columns (query.columns.<i>), if any. */
function missingColumn(error: ApiError, query: RowsQuery): string | null {
  for (const e of error.problem?.errors ?? []) {
    const match = /^query\.columns\.(\d+)$/.exec(e.field);
    if (match) return query.columns[Number(match[1])] ?? null;
  }
  return null;
}

function append(prev: Loaded, page: RowsPage): Loaded {
  const offset = prev.rows.length;
  const groups = [...prev.groups];
  for (const g of page.groups ?? []) {
    const last = groups[groups.length - 1];
    // A group that runs on from the previous page keeps its one header.
    if (g.start === 0 && last && JSON.stringify(last.group) === JSON.stringify(g.group)) continue;
    groups.push({ ...g, start: offset + g.start });
  }
  return {
    rows: [...prev.rows, ...page.data],
    groups,
    total: page.total,
    version: page.version,
    cursor: page.next_cursor ?? null,
  };
}

const AGGREGATE_NAMES: Record<string, string> = {
  count: "count",
  count_empty: "empty",
  count_not_empty: "filled",
  count_distinct: "distinct",
  sum: "sum",
  avg: "average",
  min: "min",
  max: "max",
  median: "median",
};

/** "average Dep Delay 12.5 · max Dep Delay 1,099" from {"avg:dep_delay": 12.5, ...}. */
function describe(
  values: Record<string, unknown>,
  names: Map<string, string>,
  types: Map<string, ColumnType>,
  shownAs: Formats,
): string {
  return Object.entries(values)
    .map(([label, value]) => {
      const [fn, key] = label.split(":");
      const name = key ? ` ${names.get(key) ?? key}` : "";
      const type = key ? types.get(key) : undefined;
      // min, max (and median) of a date column are dates; counts and sums are numbers.
      const shown =
        typeof value === "number"
          ? formatNumber(value)
          : typeof value === "string" && (type === "date" || type === "datetime")
            ? shownAs.value(value, type)
            : String(value ?? "–");
      return `${AGGREGATE_NAMES[fn] ?? fn}${name} ${shown}`;
    })
    .join(" · ");
}

function toLines(
  loaded: Loaded,
  groupBy: string[],
  names: Map<string, string>,
  types: Map<string, ColumnType>,
  summary: Aggregates | null,
  shownAs: Formats,
  collapsed: Collapsed,
): Line[] {
  if (!groupBy.length) return loaded.rows.map((row) => ({ kind: "row", row }));
  const perGroup = new Map(
    (summary?.groups ?? []).map((g) => [JSON.stringify(g.group), g.values] as const),
  );
  const lines: Line[] = [];
  let next = 0;
  let hidden = false; // the rows of a collapsed group are not lines
  loaded.rows.forEach((row, i) => {
    const group = loaded.groups[next];
    if (group && group.start === i) {
      next += 1;
      const id = JSON.stringify(group.group);
      hidden = isCollapsed(collapsed, id);
      const label = groupBy
        .map((k) => `${names.get(k) ?? k}: ${shownAs.value(group.group[k], types.get(k) ?? "text") || "(empty)"}`)
        .join(", ");
      const values = perGroup.get(id);
      lines.push({
        kind: "group",
        id,
        label,
        count: group.count,
        summary: values ? describe(values, names, types, shownAs) : "",
        expanded: !hidden,
      });
    }
    if (!hidden) lines.push({ kind: "row", row });
  });
  return lines;
}
