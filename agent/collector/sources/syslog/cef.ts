// CEF → CommonSecurityLog record (docs/syslog.md). Header fields split on unescaped `|` (with \| and
// \\ escapes); the extension is space-separated key=value where a value may hold spaces and runs until
// the next " key=", with \= \\ \n \r escapes. LogSeverity is the header's Severity as sent (AMA writes
// it unmapped; OriginalLogSeverity stays empty). Typed columns that do not parse become null and are
// reported (bad_cef_value); unknown keys go to AdditionalExtensions as "k=v;k2=v2". Never throws.
import { CEF_COLUMN_BY_KEY, CEF_COLUMN_TYPES, LEGACY_COPIES } from './cef-columns.js';
import type { ParseProblem } from './header.js';
import { isoOf } from '../iso-time.js';
import type { LogRecord } from '../../pipeline/index.js';

const CEF_START = /^CEF: ?(\d{1,3})\|/;
const EXT_KEY = /(?:^|[ \t])([A-Za-z0-9_.[\]-]{1,64})=/g;
const INT32_MIN = -2_147_483_648;
const INT32_MAX = 2_147_483_647;

export interface CefContext {
  /** Local host (CollectorHostName, Computer when the syslog header has no host). */
  computer: string;
  /** HOSTNAME from the syslog header. */
  host: string;
  time: Date;
}

export interface CefResult {
  record: LogRecord;
  problems: ParseProblem[];
}

/** True when `text` starts with a CEF header ("CEF:0|" or "CEF: 0|" as rsyslog forwards it). */
export function isCef(text: string): boolean {
  return CEF_START.test(text);
}

/** Splits the 7 header fields (unescaping \| and \\); the 8th element is the raw extension. */
export function splitCefHeader(s: string): string[] {
  const out: string[] = [];
  let from = 0;
  while (out.length < 7) {
    const bar = s.indexOf('|', from);
    if (bar < 0) break;
    const slash = s.indexOf('\\', from);
    if (slash < 0 || slash > bar) {
      // the common case: no escape before the next separator
      out.push(s.slice(from, bar));
      from = bar + 1;
      continue;
    }
    // escapes in this field: walk it character by character
    let cur = '';
    let i = from;
    let start = from;
    for (; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c === 92 /* \ */ && (s.charCodeAt(i + 1) === 124 || s.charCodeAt(i + 1) === 92)) {
        cur += s.slice(start, i) + s[i + 1];
        start = ++i + 1;
      } else if (c === 124 /* | */) break;
    }
    if (i >= s.length) {
      out.push(cur + s.slice(start));
      return out;
    }
    out.push(cur + s.slice(start, i));
    from = i + 1;
  }
  out.push(s.slice(from));
  return out;
}

const EXT_ESCAPES: Record<string, string> = { '\\': '\\', '=': '=', n: '\n', r: '\r', '|': '|' };

function unescapeValue(v: string): string {
  return v.indexOf('\\') < 0 ? v : v.replace(/\\([\\=nr|])/g, (_m, c: string) => EXT_ESCAPES[c]!);
}

/** Extension key=value pairs in order of appearance (a repeated key keeps its last value). */
export function parseCefExtension(ext: string): Map<string, string> {
  const out = new Map<string, string>();
  const marks: { key: string; start: number; valueStart: number }[] = [];
  EXT_KEY.lastIndex = 0;
  for (let m = EXT_KEY.exec(ext); m; m = EXT_KEY.exec(ext)) {
    marks.push({ key: m[1]!, start: m.index, valueStart: m.index + m[0].length });
  }
  for (let i = 0; i < marks.length; i++) {
    const mk = marks[i]!;
    const end = i + 1 < marks.length ? marks[i + 1]!.start : ext.length;
    out.set(mk.key, unescapeValue(ext.slice(mk.valueStart, end).trim()));
  }
  return out;
}

function typed(type: string | undefined, v: string): { value: unknown; ok: boolean } {
  switch (type) {
    case 'int': {
      const n = /^-?\d{1,10}$/.test(v) ? Number(v) : NaN;
      return n >= INT32_MIN && n <= INT32_MAX ? { value: n, ok: true } : { value: null, ok: v === '' };
    }
    case 'long': {
      const n = /^-?\d{1,16}$/.test(v) ? Number(v) : NaN;
      return Number.isSafeInteger(n) ? { value: n, ok: true } : { value: null, ok: v === '' };
    }
    case 'real': {
      const n = /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(v) ? Number(v) : NaN;
      return Number.isFinite(n) ? { value: n, ok: true } : { value: null, ok: v === '' };
    }
    case 'datetime': {
      // CEF dates: milliseconds since the epoch or "MMM dd yyyy HH:mm:ss" style strings.
      const t = /^\d{10,13}$/.test(v) ? Number(v.length === 10 ? `${v}000` : v) : Date.parse(v);
      return Number.isNaN(t) ? { value: null, ok: v === '' } : { value: new Date(t).toISOString(), ok: true };
    }
    default:
      return { value: v, ok: true };
  }
}

/** Parses `text` starting with "CEF:"; undefined when it does not start with a CEF header. */
export function parseCefMessage(text: string, ctx: CefContext): CefResult | undefined {
  const start = CEF_START.exec(text);
  if (!start) return undefined;
  const h = splitCefHeader(text.slice(start[0].length));
  if (h.length < 7) return { record: baseRecord(ctx), problems: ['bad_cef'] };
  const [vendor, product, devVersion, classId, name, severity, ext] = h as [
    string,
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  const problems: ParseProblem[] = [];
  const record: LogRecord = {
    TimeGenerated: isoOf(ctx.time),
    Computer: ctx.host || ctx.computer,
    CollectorHostName: ctx.computer,
    DeviceVendor: vendor,
    DeviceProduct: product,
    DeviceVersion: devVersion,
    DeviceEventClassID: classId,
    Activity: name,
    LogSeverity: severity.trim(),
  };
  const additional: string[] = [];
  for (const [k, v] of parseCefExtension(ext)) {
    const col = CEF_COLUMN_BY_KEY.get(k);
    if (!col) {
      additional.push(`${k}=${v}`);
      continue;
    }
    const t = typed(CEF_COLUMN_TYPES.get(col), v);
    if (!t.ok) problems.push('bad_cef_value');
    record[col] = t.value;
    const legacy = LEGACY_COPIES.get(col);
    if (legacy) {
      const old = typed(CEF_COLUMN_TYPES.get(legacy), v);
      if (old.ok && old.value !== null) record[legacy] = old.value;
    }
  }
  if (additional.length > 0) record.AdditionalExtensions = additional.join(';');
  return { record, problems };
}

function baseRecord(ctx: CefContext): LogRecord {
  return { TimeGenerated: isoOf(ctx.time), Computer: ctx.host || ctx.computer, CollectorHostName: ctx.computer };
}

/** The CommonSecurityLog record alone (problems ignored). */
export function parseCef(text: string, ctx: CefContext): LogRecord | undefined {
  return parseCefMessage(text, ctx)?.record;
}
