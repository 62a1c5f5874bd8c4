// RFC 3164 (BSD) header after the PRI (docs/syslog.md) with its real-world variants: `Mmm dd hh:mm:ss`
// (space-padded or 2-digit day, optional fraction, optional year, optional trailing colon as Cisco
// sends), RFC 3339 timestamps (rsyslog), missing hostname, `TAG:`, `tag[pid]:`, space-terminated tags,
// Cisco `%ASA-6-302013:` tags, CEF right after the host. No year/zone in the classic form: current year,
// local zone → UTC, and a time more than a week ahead belongs to last year (December read in January).
import { readColonTag } from './colon-tag.js';
import { pidIn, pidOf, type ParseProblem, type SyslogHeader } from './header.js';
import { isoFromMs, localTimeMs, twoDigits } from '../iso-time.js';

const MONTHS: Record<string, number> = {
  Jan: 0,
  Feb: 1,
  Mar: 2,
  Apr: 3,
  May: 4,
  Jun: 5,
  Jul: 6,
  Aug: 7,
  Sep: 8,
  Oct: 9,
  Nov: 10,
  Dec: 11,
};
const BSD_TS = /^([A-Z][a-z]{2}) ( ?\d|\d{2}) (?:(\d{4}) )?(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?:? /;
const RFC3339_TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})):? /;
const KV_START = /^[A-Za-z_][A-Za-z0-9_.-]{0,63}=/;
const FUTURE_TOLERANCE_MS = 7 * 86_400_000;
/** A tag without colon, ended by a space: only when it looks like a program name. */
const SPACE_TAG = /^([A-Za-z0-9_./-]{1,48})(?:\[(\d{1,10})\])? /;

export interface Rfc3164Result extends SyslogHeader {
  problems: ParseProblem[];
}

export function parseRfc3164(s: string, now: Date): Rfc3164Result {
  const problems: ParseProblem[] = [];
  let eventTime: string | undefined;
  let rest = s;
  const classic = isClassicBsd(rest);
  const bsd = classic ? null : BSD_TS.exec(rest);
  if (classic) {
    eventTime = classicEventTime(rest, now);
    rest = rest.slice(CLASSIC_BSD_LENGTH);
  } else if (bsd) {
    eventTime = bsdTime(bsd, now);
    rest = rest.slice(bsd[0].length);
  } else {
    const iso = RFC3339_TS.exec(rest);
    if (iso) {
      const t = Date.parse(iso[1]!);
      if (!Number.isNaN(t)) eventTime = isoFromMs(t);
      rest = rest.slice(iso[0].length);
    }
  }
  if (eventTime === undefined) {
    problems.push('bad_timestamp');
    eventTime = now.toISOString();
  }

  // Header-less key=value bodies (Fortinet, Sophos XG send "<189>date=… time=…"): no host, no tag.
  if (KV_START.test(rest)) return { eventTime, host: '', app: '', pid: null, msg: rest, problems };
  let host = '';
  const sp = rest.indexOf(' ');
  if (sp > 0 && !rest.startsWith('CEF:') && !rest.startsWith('%')) {
    if (!hasTagPunctuation(rest, sp)) {
      host = rest.slice(0, sp);
      rest = rest.slice(sp + 1);
      if (rest.startsWith(': ')) rest = rest.slice(2); // Cisco: "asa01 : %ASA-…"
    }
  }
  // CEF right after the header: rsyslog reads "CEF:" as the tag and forwards "CEF: 0|…" (sp-if-no-1st-sp).
  if (/^CEF: ?\d/.test(rest)) return { eventTime, host, app: 'CEF', pid: null, msg: rest, problems };
  const tag = readColonTag(rest); // `tag:` / `tag[pid]:` (colon-tag.ts)
  if (tag) {
    const app = rest.slice(0, tag.tagEnd);
    return { eventTime, host, app, pid: pidIn(rest, tag.pidStart, tag.pidEnd), msg: rest.slice(tag.end), problems };
  }
  const spaced = SPACE_TAG.exec(rest);
  if (spaced) {
    return { eventTime, host, app: spaced[1]!, pid: pidOf(spaced[2]), msg: rest.slice(spaced[0].length), problems };
  }
  return { eventTime, host, app: '', pid: null, msg: rest, problems };
}

/** /[:[\]]/.test(s.slice(0, end)) without the substring. */
function hasTagPunctuation(s: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c === 58 || c === 91 || c === 93) return true;
  }
  return false;
}

function bsdTime(m: RegExpExecArray, now: Date): string | undefined {
  const ms = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000) : 0;
  return bsdTimeOf(
    MONTHS[m[1]!],
    Number(m[2]),
    m[3] ? Number(m[3]) : undefined,
    Number(m[4]),
    Number(m[5]),
    Number(m[6]),
    ms,
    now,
  );
}

/** "Mmm dd hh:mm:ss " (day space-padded or 2 digits; no year, fraction or colon): the common shape. */
const CLASSIC_BSD_LENGTH = 16;
const MONTH_BY_CODES = new Map(
  Object.entries(MONTHS).map(([name, n]) => [
    (name.charCodeAt(0) << 16) | (name.charCodeAt(1) << 8) | name.charCodeAt(2),
    n,
  ]),
);
const digitAt = (s: string, i: number): number => s.charCodeAt(i) - 48;
const isDigitAt = (s: string, i: number): boolean => {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
};

/**
 * True when `s` starts with exactly the classic shape — a subset of what BSD_TS accepts, with the same
 * fields — so the hot path reads the fields by position: no regex match array, no substrings.
 */
function isClassicBsd(s: string): boolean {
  if (s.length < CLASSIC_BSD_LENGTH) return false;
  const c0 = s.charCodeAt(0);
  const c1 = s.charCodeAt(1);
  const c2 = s.charCodeAt(2);
  if (c0 < 65 || c0 > 90 || c1 < 97 || c1 > 122 || c2 < 97 || c2 > 122) return false;
  if (
    s.charCodeAt(3) !== 32 ||
    s.charCodeAt(6) !== 32 ||
    s.charCodeAt(9) !== 58 ||
    s.charCodeAt(12) !== 58 ||
    s.charCodeAt(15) !== 32
  )
    return false;
  if (s.charCodeAt(4) !== 32 && !isDigitAt(s, 4)) return false;
  return (
    isDigitAt(s, 5) &&
    isDigitAt(s, 7) &&
    isDigitAt(s, 8) &&
    isDigitAt(s, 10) &&
    isDigitAt(s, 11) &&
    isDigitAt(s, 13) &&
    isDigitAt(s, 14)
  );
}

/**
 * The last classic timestamp read (the text it starts) and its EventTime, for the receive time it was
 * read at: a message with the same CLASSIC_BSD_LENGTH characters received in the same millisecond has the
 * same EventTime (the year and the week-ahead rule depend only on those), and under load most messages
 * of a millisecond share their second.
 */
let lastText = '';
let lastNowMs = NaN;
let lastEventTime: string | undefined;

/** classicBsdTime(s, now), remembered for the last timestamp and receive time. */
function classicEventTime(s: string, now: Date): string | undefined {
  const nowMs = now.getTime();
  if (nowMs === lastNowMs && sameClassicPrefix(s, lastText)) return lastEventTime;
  lastEventTime = classicBsdTime(s, now);
  lastText = s;
  lastNowMs = nowMs;
  return lastEventTime;
}

/** True when both start with the same CLASSIC_BSD_LENGTH characters (the seconds, most likely to differ, first). */
function sameClassicPrefix(a: string, b: string): boolean {
  if (a.length < CLASSIC_BSD_LENGTH || b.length < CLASSIC_BSD_LENGTH) return false;
  for (let i = CLASSIC_BSD_LENGTH - 1; i >= 0; i--) if (a.charCodeAt(i) !== b.charCodeAt(i)) return false;
  return true;
}

function classicBsdTime(s: string, now: Date): string | undefined {
  const month = MONTH_BY_CODES.get((s.charCodeAt(0) << 16) | (s.charCodeAt(1) << 8) | s.charCodeAt(2));
  const day = (s.charCodeAt(4) === 32 ? 0 : digitAt(s, 4) * 10) + digitAt(s, 5);
  return bsdTimeOf(month, day, undefined, twoDigits(s, 7), twoDigits(s, 10), twoDigits(s, 13), 0, now);
}

function bsdTimeOf(
  month: number | undefined,
  day: number,
  fullYear: number | undefined,
  h: number,
  min: number,
  sec: number,
  ms: number,
  now: Date,
): string | undefined {
  if (month === undefined || day < 1 || day > 31 || h > 23 || min > 59 || sec > 60) return undefined;
  if (fullYear !== undefined) return isoFromMs(localTimeMs(fullYear, month, day, h, min, sec, ms));
  const year = now.getFullYear();
  let t = localTimeMs(year, month, day, h, min, sec, ms);
  if (t - now.getTime() > FUTURE_TOLERANCE_MS) t = localTimeMs(year - 1, month, day, h, min, sec, ms);
  return isoFromMs(t);
}
