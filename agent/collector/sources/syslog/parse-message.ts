// One framed syslog message → its Syslog record and, for CEF or a recognised vendor format, its
// CommonSecurityLog record (columns: docs/syslog.md). RFC 5424 when "1 " follows the PRI (Meraki's epoch
// header aside), else RFC 3164 with its variants. Pure and total: garbage yields a best-effort record plus
// the problems found; input beyond 64 KB is truncated (problem 'oversized'). A message without PRI is
// user.notice (RFC 3164 §4.3.3) and also matches the DCR facility `nopri`.
import { isCef, parseCefMessage } from './cef.js';
import type { ParseProblem, SyslogHeader } from './header.js';
import { isoOf } from '../iso-time.js';
import { FACILITIES, SEVERITIES, type FacilityName, type SeverityName } from './names.js';
import { merakiAfterRelay, parseMeraki } from './meraki.js';
import { parseRfc3164 } from './rfc3164.js';
import { parseRfc5424 } from './rfc5424.js';
import { ciscoRecord, parseKeyValueBody, recognizeCisco, type VendorInfo } from './vendor.js';
import type { LogRecord } from '../../pipeline/index.js';

export const MAX_MESSAGE_BYTES = 64 * 1024;
const DEFAULT_PRI = 13;
const CEF_SEARCH_WINDOW = 256;

/** Microsoft-Syslog columns (docs/syslog.md); SourceSystem is set by the service. */
export interface SyslogRecord extends LogRecord {
  TimeGenerated: string;
  Computer: string;
  EventTime: string;
  Facility: FacilityName;
  HostName: string;
  HostIP: string;
  SeverityLevel: SeverityName;
  SyslogMessage: string;
  ProcessID: number | null;
  ProcessName: string;
  CollectorHostName: string;
}

export interface ParseContext {
  /** This machine's host name (Computer, CollectorHostName, HostName fallback). */
  computer: string;
  /** Receive time (TimeGenerated); default now. */
  now?: Date;
  /** Remote address of the sender when not the local daemon ('' for loopback). */
  sourceIp?: string;
  /**
   * Look for CEF / vendor formats (default true). The syslog source turns it off when no filter routes
   * to CommonSecurityLog: then `cef`, `vendor` and their problems are not produced (nobody reads them).
   */
  security?: boolean;
}

export interface ParsedMessage {
  facility: FacilityName;
  /** 0–23 (1, user, when the message had no PRI). */
  facilityCode: number;
  /** 0 (emerg) … 7 (debug). */
  severity: number;
  /** False when the message had no (valid) PRI: then it also matches the DCR facility `nopri`. */
  hasPri: boolean;
  record: SyslogRecord;
  /** The CommonSecurityLog record for CEF and recognised vendor formats (Cisco ASA/FTD). */
  cef?: LogRecord;
  vendor?: VendorInfo;
  problems: ParseProblem[];
}

/** The message is input[start..end) (default: all of it), read now: the caller may reuse the bytes after. */
export function parseMessage(input: Buffer | string, ctx: ParseContext, start = 0, end = input.length): ParsedMessage {
  const now = ctx.now ?? new Date();
  const problems: ParseProblem[] = [];
  let text: string;
  if (typeof input === 'string') {
    const whole = start === 0 && end === input.length ? input : input.slice(start, end);
    text = whole.length > MAX_MESSAGE_BYTES ? whole.slice(0, MAX_MESSAGE_BYTES) : whole;
    if (text !== whole) problems.push('oversized');
  } else {
    if (end - start > MAX_MESSAGE_BYTES) problems.push('oversized');
    text = input.toString('utf8', start, Math.min(end, start + MAX_MESSAGE_BYTES));
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  text = trimLineEnd(text);

  let pri = DEFAULT_PRI;
  let hasPri = false;
  let rest = text;
  const m = priAt(text);
  if (m >= 0 && m >> 2 <= 191) {
    pri = m >> 2;
    hasPri = true;
    rest = text.slice((m & 3) + 2);
  } else {
    problems.push(m >= 0 ? 'bad_pri' : 'no_pri');
    if (m >= 0) rest = text.slice((m & 3) + 2);
  }
  const facility = FACILITIES[pri >> 3]!;
  const severity = pri & 7;
  const h = parseHeader(rest, now);
  for (const p of h.problems) problems.push(p);

  const record: SyslogRecord = {
    TimeGenerated: isoOf(now),
    Computer: ctx.computer,
    EventTime: h.eventTime,
    Facility: facility,
    HostName: h.host || ctx.computer,
    HostIP: ctx.sourceIp ?? '',
    SeverityLevel: SEVERITIES[severity]!,
    SyslogMessage: h.msg,
    ProcessID: h.pid,
    ProcessName: h.app,
    CollectorHostName: ctx.computer,
  };
  const out: ParsedMessage = { facility, facilityCode: pri >> 3, severity, hasPri, record, problems };
  if (ctx.security !== false) addSecurityRecord(out, h, { computer: ctx.computer, host: h.host, time: now });
  return out;
}

function addSecurityRecord(
  out: ParsedMessage,
  h: SyslogHeader,
  ctx: { computer: string; host: string; time: Date },
): void {
  const cefAt = h.msg.slice(0, CEF_SEARCH_WINDOW).search(/CEF: ?\d{1,3}\|/);
  if (cefAt >= 0 && isCef(h.msg.slice(cefAt))) {
    const cef = parseCefMessage(h.msg.slice(cefAt), ctx);
    if (cef) {
      out.problems.push(...cef.problems);
      if (!cef.problems.includes('bad_cef')) out.cef = cef.record;
    }
    return;
  }
  const cisco = recognizeCisco(h);
  if (cisco) {
    out.vendor = cisco.info;
    out.cef = ciscoRecord(cisco.info, cisco.msg, ctx);
    return;
  }
  if (h.msg.indexOf('=') > 0) {
    const kv = parseKeyValueBody(h.msg);
    if (kv) out.vendor = kv;
  }
}

/** RFC 5424 when "1 " follows the PRI (unless it is Meraki's epoch header), else RFC 3164. */
function parseHeader(rest: string, now: Date): SyslogHeader & { problems: ParseProblem[] } {
  if (rest.startsWith('1 ')) return parseMeraki(rest.slice(2)) ?? parseRfc5424(rest.slice(2), now);
  const h = parseRfc3164(rest, now);
  const meraki = h.app === '1' ? merakiAfterRelay(h) : undefined;
  return meraki ? { ...meraki, problems: h.problems } : h;
}

/**
 * The PRI at the start of `s` as `<` 1–3 digits `>` (what /^<(\d{1,3})>/ matches), read by position: its
 * value × 4 + its digit count, or -1 when there is none.
 */
function priAt(s: string): number {
  if (s.charCodeAt(0) !== 60) return -1; // <
  let value = 0;
  let i = 1;
  for (; i <= 3; i++) {
    const c = s.charCodeAt(i);
    if (!(c >= 48 && c <= 57)) break; // also past the end (NaN)
    value = value * 10 + (c - 48);
  }
  if (i === 1 || s.charCodeAt(i) !== 62) return -1; // >
  return value * 4 + (i - 1);
}

function trimLineEnd(s: string): string {
  let end = s.length;
  while (end > 0 && (s.charCodeAt(end - 1) === 10 || s.charCodeAt(end - 1) === 13 || s.charCodeAt(end - 1) === 0))
    end--;
  return end === s.length ? s : s.slice(0, end);
}
