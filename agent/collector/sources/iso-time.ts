// Cheap time formatting for the sources' hot paths: Date.toISOString() and local-time Date construction
// cost more than the rest of a syslog header parse or a text-log line, and a chunk of messages mostly
// shares its receive time and its hour. Results are identical to the plain Date calls.

let lastMs = NaN;
let lastIso = '';

/** new Date(ms).toISOString(), remembered for the last distinct millisecond (receive times). */
export function isoOfMs(ms: number): string {
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

/** d.toISOString(), remembered for the last distinct millisecond. */
export function isoOf(d: Date): string {
  return isoOfMs(d.getTime());
}

const offsetByHour = new Map<number, number>();

/**
 * new Date(year, month, day, h, min, sec, ms).getTime() (local time) without V8's local-time path per
 * call: the zone offset is looked up once per local hour (cached; zones change offset on hour
 * boundaries, except a few historic half-hour shifts, which take the exact path). Invalid → NaN.
 */
export function localTimeMs(
  year: number,
  month: number,
  day: number,
  h: number,
  min: number,
  sec: number,
  ms: number,
): number {
  const key = ((year * 12 + month) * 32 + day) * 24 + h;
  let off = offsetByHour.get(key);
  if (off === undefined) {
    const a = new Date(year, month, day, h, 0, 0, 0).getTime();
    const b = new Date(year, month, day, h, 59, 59, 999).getTime();
    // A transition inside this hour (or an invalid date): no caching, exact answer.
    if (Number.isNaN(a) || b - a !== 3_599_999) return new Date(year, month, day, h, min, sec, ms).getTime();
    off = a - Date.UTC(year, month, day, h, 0, 0, 0);
    if (offsetByHour.size > 4096) offsetByHour.clear();
    offsetByHour.set(key, off);
  }
  return Date.UTC(year, month, day, h, min, sec, ms) + off;
}

const DAY_MS = 86_400_000;
const MIN_4DIGIT_YEAR_MS = -62_167_219_200_000; // 0000-01-01T00:00:00.000Z
const MAX_4DIGIT_YEAR_MS = 253_402_300_800_000; // 10000-01-01T00:00:00.000Z
/** Per day: the character codes of its "YYYY-MM-DDT" prefix. */
const dayPrefixes = new Map<number, number[]>();
const digit = (n: number): number => 48 + n;

/**
 * new Date(ms).toISOString(), with the "YYYY-MM-DDT" prefix cached per day (throws the same RangeError).
 * The string is made by ONE String.fromCharCode call: a template literal of the parts built a string per
 * concatenation and a flat copy when the encoder first read it, ~200 B of garbage a Syslog record
 * (an allocation profile of the max-rate run, docs/performance.md).
 */
export function isoFromMs(ms: number): string {
  if (!(ms >= MIN_4DIGIT_YEAR_MS && ms < MAX_4DIGIT_YEAR_MS) || !Number.isInteger(ms))
    return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY_MS);
  let p = dayPrefixes.get(day);
  if (p === undefined) {
    const prefix = new Date(day * DAY_MS).toISOString();
    p = [];
    for (let i = 0; i < 11; i++) p.push(prefix.charCodeAt(i));
    if (dayPrefixes.size > 1024) dayPrefixes.clear();
    dayPrefixes.set(day, p);
  }
  let r = ms - day * DAY_MS;
  const milli = r % 1000;
  r = (r - milli) / 1000;
  const sec = r % 60;
  r = (r - sec) / 60;
  const min = r % 60;
  const h = (r - min) / 60;
  const m100 = (milli / 100) | 0;
  const m10 = ((milli % 100) / 10) | 0;
  // prettier-ignore
  return String.fromCharCode(
    p[0]!, p[1]!, p[2]!, p[3]!, p[4]!, p[5]!, p[6]!, p[7]!, p[8]!, p[9]!, p[10]!,
    digit((h / 10) | 0), digit(h % 10), 58, digit((min / 10) | 0), digit(min % 10), 58,
    digit((sec / 10) | 0), digit(sec % 10), 46, digit(m100), digit(m10), digit(milli % 10), 90,
  );
}

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
/** The number written by the two ASCII digits at `i` of `s` (the caller has checked they are digits). */
export const twoDigits = (s: string, i: number): number => (s.charCodeAt(i) - 48) * 10 + s.charCodeAt(i + 1) - 48;

/**
 * Date.parse(s) for `s` already matched as an RFC 3339 timestamp (YYYY-MM-DDThh:mm:ss[.f…](Z|±hh:mm),
 * rfc5424.ts), read by position: ~10× cheaper than Date.parse. Years before 1970, dates that do not
 * exist, hour 24, a leap second or an out-of-range offset take Date.parse itself (whatever it answers).
 */
export function rfc3339Ms(s: string): number {
  const year = twoDigits(s, 0) * 100 + twoDigits(s, 2);
  const month = twoDigits(s, 5);
  const day = twoDigits(s, 8);
  const h = twoDigits(s, 11);
  const min = twoDigits(s, 14);
  const sec = twoDigits(s, 17);
  let i = 19;
  let ms = 0;
  if (s.charCodeAt(i) === 46) {
    // "." and 1–9 digits: milliseconds are the first three (Date.parse drops the rest)
    let n = 0;
    for (i++; i < s.length; i++, n++) {
      const c = s.charCodeAt(i);
      if (c < 48 || c > 57) break;
      if (n < 3) ms = ms * 10 + (c - 48);
    }
    if (n === 1) ms *= 100;
    else if (n === 2) ms *= 10;
  }
  let offsetMs = 0;
  const sign = s.charCodeAt(i);
  if (sign !== 90) {
    // "+hh:mm" / "-hh:mm"
    const oh = twoDigits(s, i + 1);
    const om = twoDigits(s, i + 4);
    if (oh > 23 || om > 59) return Date.parse(s);
    offsetMs = (oh * 60 + om) * 60_000 * (sign === 45 ? -1 : 1);
  }
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const monthDays = month === 2 && leap ? 29 : DAYS_IN_MONTH[month - 1];
  if (year < 1970 || monthDays === undefined || day < 1 || day > monthDays || h > 23 || min > 59 || sec > 59)
    return Date.parse(s);
  return Date.UTC(year, month - 1, day, h, min, sec, ms) - offsetMs;
}
