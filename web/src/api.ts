// A small typed client of the Panels REST API (/api/v1). Every call carries the bearer token.
//
// The request and answer types come from the API's own OpenAPI document: api-schema.ts is
// generated from it by openapi-typescript (`make clients`; a test fails when it is stale), so
// a changed API shape is a type error here, not a surprise in the browser. The calls stay on
// the page's own fetch rather than openapi-fetch: every failure must become an ApiError with
// the API's problem and a 401 must sign the page out (one place, `request`); the export reads
// the raw Response as a blob; and the rows and aggregates queries are built as URLSearchParams
// (filters as JSON) that openapi-fetch's parameter serialisation would not improve. Its
// runtime would buy types the schema already gives.

import type { components, paths } from "./api-schema";

type Schemas = components["schemas"];

/** The JSON body of an operation's success (200 or 201) as the schema declares it. */
export type Answer<P extends keyof paths, M extends "get" | "post" | "patch" | "put"> =
  paths[P][M] extends { responses: infer R }
    ? R extends { 200: { content: { "application/json": infer T } } }
      ? T
      : R extends { 201: { content: { "application/json": infer T } } }
        ? T
        : never
    : never;

/** The JSON body an operation takes. */
export type Body<P extends keyof paths, M extends "post" | "patch" | "put"> =
  paths[P][M] extends { requestBody?: { content: { "application/json": infer T } } } ? T : never;

export type Problem = Schemas["Problem"];

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
  role: Schemas["Role"];
}

export type Panel = Schemas["PanelPublic"];
export type ColumnType = Schemas["ColumnType"];
export type Column = Schemas["ColumnPublic"];
export type SortSpec = Schemas["SortSpec"];
export type ViewColumn = Schemas["ViewColumnPublic"];
export type AggregateSpec = Schemas["AggregateSpec"];
export type ChartSpec = Schemas["ChartSpec"];
export type ChartKind = ChartSpec["kind"];
export type RowGroup = Schemas["RowGroup"];
export type Aggregates = Schemas["AggregatesPublic"];
export type Version = Schemas["VersionPublic"];
/** GET /filter-operators: the filter language's operators, as the API defines them. */
export type FilterOperators = Schemas["FilterOperators"];
export type Takes = Schemas["Takes"]; // the value an operator takes (Takes in core/filters.py)
/** A function a formula may call, from GET /formulas/functions. */
export type FormulaFunction = Schemas["FunctionPublic"];
/** POST /panels/{id}/formula-preview: the formula checked and evaluated over the first rows. */
export type FormulaPreview = Schemas["FormulaPreviewPublic"];
export type FieldError = Schemas["FieldError"];

/** The envelope of every list (`Page[...]` in schemas/common.py), around any of its items. */
export type Page<T> = Omit<Schemas["Page_PanelPublic_"], "data"> & { data: T[] };

// A filter tree. The schema can only say "a JSON object" (the tree is recursive and checked by
// the API's filter reader, which names the path of a mistake), so its shape is written here.
export type Condition = {
  column: string;
  op: string;
  value?: unknown;
};

export type FilterNode = Condition | { and: FilterNode[] } | { or: FilterNode[] };

/** A saved view, its filters read as the tree they are. */
export type View = Omit<Schemas["ViewPublic"], "filters"> & { filters: FilterNode | null };

/** A page of rows; its columns' types are the panel's column types. */
export type RowsPage = Omit<Schemas["RowsPage"], "columns"> & {
  columns: (Omit<Schemas["ColumnInfo"], "type"> & { type: ColumnType })[];
};

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
  const body: Body<"/api/v1/auth/token", "post"> = { tenant, email, password };
  const answer = await call<Answer<"/api/v1/auth/token", "post">>(null, "/auth/token", {
    method: "POST",
    body: JSON.stringify(body),
  });
  return withToken(answer.access_token);
}

/** A session from a token (a JWT or an API token such as the one `make demo` prints). */
export async function withToken(token: string): Promise<Session> {
  const me = await call<Answer<"/api/v1/auth/me", "get">>(token, "/auth/me");
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
