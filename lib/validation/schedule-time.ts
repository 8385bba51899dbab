import { Checked, describeType, echo } from './problem';
import { isDate } from '../realm';

const PROVIDER_TIME = /^(\d{4})-(\d{2})-(\d{2}) (\d{2}):(\d{2}):(\d{2})$/;
const EARLIEST_SCHEDULE = Date.UTC(1000, 0, 2);
const LATEST_SCHEDULE = Date.UTC(9999, 11, 30, 23, 59, 59, 999);
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Whether `timeZone` is an IANA zone this runtime knows. */
export function isKnownTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/** Formats a Date as the provider's `yyyy-MM-dd HH:mm:ss` wall-clock time in `timeZone`. */
export function formatScheduleTime(date: Date, timeZone: string): string {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(timeValue(date))) parts[p.type] = p.value;
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second}`;
}

/**
 * A Date's own time value. Not `date.getTime()`: a Date can carry its own `getTime`, `valueOf` or
 * `Symbol.toPrimitive`, and the instant checked must be the instant sent.
 */
function timeValue(date: Date): number {
  return Date.prototype.getTime.call(date);
}

function isRealCalendarTime(s: string): boolean {
  const m = PROVIDER_TIME.exec(s);
  if (!m) return false;
  const [y, mo, d, h, mi, se] = m.slice(1).map(Number);
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h <= 23 && mi <= 59 && se <= 59;
}

/**
 * Why `value` is not a usable schedule time, or undefined. A Date must be a real instant whose
 * year has four digits; a string must already be `yyyy-MM-dd HH:mm:ss` and a real calendar time.
 */
export function scheduleTimeProblem(value: unknown): string | undefined {
  if (isDate(value)) {
    const t = timeValue(value);
    if (Number.isNaN(t)) return 'is an invalid Date';
    // The wire format holds years 1000 to 9999, and the Date is written in the module's time zone
    // (up to 14 hours, and historically a little more, either side of UTC): keep a day's margin.
    return t < EARLIEST_SCHEDULE || t > LATEST_SCHEDULE
      ? `is out of range (${new Date(t).toISOString()}): a Date must lie from 1000-01-02 to 9999-12-30 UTC, so that its year has four digits in every time zone`
      : undefined;
  }
  if (typeof value === 'string') {
    return isRealCalendarTime(value)
      ? undefined
      : `${echo(value)} must be a Date or a real time written as yyyy-MM-dd HH:mm:ss`;
  }
  return `must be a Date or a yyyy-MM-dd HH:mm:ss string (got ${describeType(value)})`;
}

/** The schedule-time check: the value it keeps is a plain Date of the instant checked, or the string. */
export function checkScheduleTime(value: unknown, field = 'scheduleSendTime'): Checked<Date | string> {
  const message = scheduleTimeProblem(value);
  if (message) return { value: '', problems: [{ path: field, message }] };
  return { value: isDate(value) ? new Date(timeValue(value)) : (value as string), problems: [] };
}

/** The wire form of a validated schedule time. */
export function toProviderTime(value: Date | string, timeZone: string): string {
  return typeof value === 'string' ? value : formatScheduleTime(value, timeZone);
}

/**
 * The instant a provider `yyyy-MM-dd HH:mm:ss` wall-clock time stands for in `timeZone`, or
 * undefined if the text is not a real calendar time. Corrects the zone offset twice, so times near
 * a daylight-saving change land on one of their possible instants.
 */
export function parseProviderTime(text: string, timeZone: string): Date | undefined {
  if (!isRealCalendarTime(text)) return undefined;
  const [y, mo, d, h, mi, se] = PROVIDER_TIME.exec(text)!.slice(1).map(Number);
  const wall = Date.UTC(y, mo - 1, d, h, mi, se);
  let t = wall;
  for (let i = 0; i < 2; i++) {
    const shown = PROVIDER_TIME.exec(formatScheduleTime(new Date(t), timeZone))!.slice(1).map(Number);
    const shownWall = Date.UTC(shown[0], shown[1] - 1, shown[2], shown[3], shown[4], shown[5]);
    t += wall - shownWall;
  }
  return new Date(t);
}
