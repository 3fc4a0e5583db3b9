// Values as the viewer reads them: numbers and dates in the browser's locale, datetimes in a
// chosen time zone (the viewer's or the panel's), cron schedules in words.

import cronstrue from "cronstrue";
import type { ColumnType } from "./api";

/** The browser's own time zone, e.g. "America/New_York". */
export const viewerZone: string = Intl.DateTimeFormat().resolvedOptions().timeZone;

export interface Formats {
  timeZone: string;
  value: (value: unknown, type: ColumnType) => string;
}

const integers = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimals = new Intl.NumberFormat(undefined, { maximumFractionDigits: 6 });
// A date column holds a calendar day, not an instant: shown as is, never shifted by a zone.
const days = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeZone: "UTC" });
const cache = new Map<string, Formats>();

/** An instant from the API: ISO 8601 with an offset; one without is read as UTC. */
function instant(text: string): Date {
  return new Date(/(Z|[+-]\d\d:?\d\d)$/.test(text) ? text : `${text}Z`);
}

export function formatNumber(value: number): string {
  return decimals.format(value);
}

/** Formatters for one time zone (built once per zone: Intl formatters are costly to make). */
export function formats(timeZone: string): Formats {
  let found = cache.get(timeZone);
  if (found) return found;
  const times = new Intl.DateTimeFormat(undefined, {
    dateStyle: "medium",
    timeStyle: "short",
    timeZone,
  });
  const value = (value: unknown, type: ColumnType): string => {
    if (value === null || value === undefined) return "";
    if (type === "boolean") return value ? "true" : "false";
    if (typeof value === "number") return type === "integer" ? integers.format(value) : decimals.format(value);
    if (typeof value === "string" && (type === "date" || type === "datetime")) {
      const when = type === "date" ? new Date(`${value.slice(0, 10)}T00:00:00Z`) : instant(value);
      if (Number.isNaN(when.getTime())) return value;
      return (type === "date" ? days : times).format(when);
    }
    if (typeof value === "object") return JSON.stringify(value);
    return String(value);
  };
  found = { timeZone, value };
  cache.set(timeZone, found);
  return found;
}

// 24-hour times where the viewer's locale writes them so.
const hour24 = ["h23", "h24"].includes(
  new Intl.DateTimeFormat(undefined, { hour: "numeric" }).resolvedOptions().hourCycle ?? "h23",
);

/** "Every day at 06:00 (Europe/Paris)" from "0 6 * * *" and the panel's zone. */
export function schedule(cron: string | null, timeZone: string): string {
  if (!cron) return "On demand only";
  let words: string;
  try {
    words = cronstrue.toString(cron, { use24HourTimeFormat: hour24, throwExceptionOnParseError: true });
  } catch {
    return `${cron} (${timeZone})`;
  }
  const [, , dayOfMonth, month, dayOfWeek] = cron.trim().split(/\s+/);
  // cronstrue leaves "every day" implicit ("At 06:00"): said here, it cannot be misread.
  if (words.startsWith("At ") && dayOfMonth === "*" && month === "*" && dayOfWeek === "*") {
    words = `Every day at ${words.slice(3)}`;
  }
  return `${words} (${timeZone})`;
}

/** "every day at 06:00" inside a sentence; day names keep their capital. */
export function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
