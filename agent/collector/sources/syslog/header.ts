// What the RFC 3164 and RFC 5424 header parsers return, and the parse problems they can report. A
// problem never stops parsing: the record is still produced (best effort) and the problem is counted.

export type ParseProblem =
  'no_pri' | 'bad_pri' | 'bad_timestamp' | 'bad_structured_data' | 'bad_cef' | 'bad_cef_value' | 'oversized';

export interface SyslogHeader {
  /** EventTime as an ISO 8601 UTC string (the receive time when the message has no usable timestamp). */
  eventTime: string;
  /** HOSTNAME from the header, '' when absent or nil. */
  host: string;
  /** TAG before `[`/`:` (RFC 3164) or APP-NAME (RFC 5424), '' when absent. */
  app: string;
  /** Numeric PID / PROCID, else null. */
  pid: number | null;
  /** The message text after the tag (RFC 3164) or after STRUCTURED-DATA (RFC 5424). */
  msg: string;
  /** RFC 5424 only. */
  msgId?: string;
  structuredData?: string;
}

/** Numeric PID when `s` is 1–10 digits within int32, else null. */
export function pidOf(s: string | undefined): number | null {
  return s === undefined ? null : pidIn(s, 0, s.length);
}

/** pidOf(s.slice(start, end)) without the substring; null when start is -1. */
export function pidIn(s: string, start: number, end: number): number | null {
  if (start < 0 || end <= start || end - start > 10) return null;
  let n = 0;
  for (let i = start; i < end; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null; // not /^\d+$/ (checked by position: no regex per message)
    n = n * 10 + (c - 48);
  }
  return n <= 2_147_483_647 ? n : null;
}
