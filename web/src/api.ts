// A small typed client of the Panels REST API (/api/v1). Every call carries the bearer token.

export interface Problem {
  title: string;
  status: number;
  detail?: string;
  errors?: { field: string; message: string; type: string }[];
  request_id?: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | null,
  ) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
  }
}

export interface Session {
  token: string;
  tenant: string;
  role: "viewer" | "editor" | "admin";
}

export interface Panel {
  id: string;
  slug: string;
  name: string;
  description: string;
  refresh_cron: string | null;
  timezone: string;
  current_version_id: string | null;
  updated_at: string;
}

export type ColumnType = "text" | "integer" | "number" | "boolean" | "date" | "datetime" | "json";

export interface Column {
  id: string;
  key: string;
  name: string;
  type: ColumnType;
  position: number;
  formula: string | null;
}

export interface SortSpec {
  column: string;
  direction: "asc" | "desc";
}

export interface ViewColumn {
  column_id: string;
  position: number;
  visible: boolean;
  width: number | null;
}

export interface AggregateSpec {
  column: string;
  function: string;
}

export type ChartKind = "bar" | "line" | "histogram";

/** A view shown as a chart: one value (the measure; null: the count of rows) per group of the
 * dimension, bucketed by a time unit (line) or a bin width (histogram; null: automatic). */
export interface ChartSpec {
  kind: ChartKind;
  dimension: string;
  measure: AggregateSpec | null;
  bucket: string | null;
}

export interface View {
  id: string;
  name: string;
  filters: FilterNode | null;
  sorts: SortSpec[];
  group_by: string[];
  aggregates: AggregateSpec[];
  chart: ChartSpec | null;
  columns: ViewColumn[];
}

export interface RowGroup {
  group: Record<string, unknown>;
  count: number;
  start: number;
}

export interface Aggregates {
  version: number | null;
  groups: { group: Record<string, unknown>; values: Record<string, unknown> }[];
  footer: Record<string, unknown>;
  truncated: boolean;
}

export interface Condition {
  column: string;
  op: string;
  value?: unknown;
}

export type FilterNode = Condition | { and: FilterNode[] } | { or: FilterNode[] };

export interface RowsPage {
  data: Record<string, unknown>[];
  columns: { key: string; name: string; type: ColumnType }[];
  version: number | null;
  total: number | null;
  next_cursor: string | null;
  groups: RowGroup[] | null;
}

export interface Version {
  number: number;
  status: string;
  row_count: number | null;
  reject_count: number | null;
  check_status: string | null;
  finished_at: string | null;
  current: boolean;
}

export interface Page<T> {
  data: T[];
  count: number;
}

const BASE = "/api/v1";
export const UNAUTHORIZED = "panels:unauthorized";

async function failure(response: Response): Promise<ApiError> {
  let problem: Problem | null = null;
  try {
    problem = (await response.json()) as Problem;
  } catch {
    problem = null;
  }
  return new ApiError(response.status, problem);
}

export async function request(
  token: string | null,
  path: string,
  init: RequestInit = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  if (token) headers.set("Authorization", `Bearer ${token}`);
  if (init.body && !headers.has("Content-Type")) headers.set("Content-Type", "application/json");
  const response = await fetch(BASE + path, { ...init, headers });
  if (response.status === 401 && token) {
    // The token expired, or its account was disabled: the app signs out and says why.
    window.dispatchEvent(new CustomEvent(UNAUTHORIZED));
  }
  if (!response.ok) throw await failure(response);
  return response;
}

export async function call<T>(token: string | null, path: string, init?: RequestInit): Promise<T> {
  const response = await request(token, path, init);
  return (response.status === 204 ? null : await response.json()) as T;
}

export async function signIn(tenant: string, email: string, password: string): Promise<Session> {
  const body = JSON.stringify({ tenant, email, password });
  const { access_token } = await call<{ access_token: string }>(null, "/auth/token", {
    method: "POST",
    body,
  });
  return withToken(access_token);
}

/** A session from a token (a JWT or an API token such as the one `make demo` prints). */
export async function withToken(token: string): Promise<Session> {
  const me = await call<{ tenant_slug: string; role: Session["role"] }>(token, "/auth/me");
  return { token, tenant: me.tenant_slug, role: me.role };
}

export interface RowsQuery {
  columns: string[];
  sorts: SortSpec[];
  filter: FilterNode | null;
  groupBy: string[];
}

export function rowsParams(query: RowsQuery): URLSearchParams {
  const params = new URLSearchParams();
  if (query.columns.length) params.set("columns", query.columns.join(","));
  if (query.sorts.length) {
    const sort = query.sorts.map((s) => (s.direction === "desc" ? "-" : "") + s.column);
    params.set("sort", sort.join(","));
  }
  if (query.filter) params.set("filter", JSON.stringify(query.filter));
  if (query.groupBy.length) params.set("group_by", query.groupBy.join(","));
  return params;
}

export async function rows(
  token: string,
  panelId: string,
  query: RowsQuery,
  limit: number,
  cursor: string | null,
): Promise<RowsPage> {
  const params = rowsParams(query);
  params.set("limit", String(limit));
  if (cursor) params.set("cursor", cursor);
  return call<RowsPage>(token, `/panels/${panelId}/rows?${params}`);
}

/** Footer (and per-group) aggregates of the query; null when the view asks for none. */
export async function aggregates(
  token: string,
  panelId: string,
  query: RowsQuery,
  specs: AggregateSpec[],
): Promise<Aggregates | null> {
  if (!specs.length) return null;
  const params = new URLSearchParams();
  if (query.filter) params.set("filter", JSON.stringify(query.filter));
  if (query.groupBy.length) params.set("group_by", query.groupBy.join(","));
  params.set("aggregates", specs.map((a) => `${a.function}:${a.column}`).join(","));
  return call<Aggregates>(token, `/panels/${panelId}/aggregates?${params}`);
}

/** `/aggregates` as asked: group_by, labels (`count` or `function:column`) and an optional bucket. */
export async function aggregatesOf(
  token: string,
  panelId: string,
  filter: FilterNode | null,
  groupBy: string[],
  labels: string[],
  bucket: string | null = null,
): Promise<Aggregates> {
  const params = new URLSearchParams();
  if (filter) params.set("filter", JSON.stringify(filter));
  if (groupBy.length) params.set("group_by", groupBy.join(","));
  params.set("aggregates", labels.join(","));
  if (bucket !== null) params.set("bucket", bucket);
  return call<Aggregates>(token, `/panels/${panelId}/aggregates?${params}`);
}
