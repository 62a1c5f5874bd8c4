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
  if (!s || s.length > 10) return null;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 48 || c > 57) return null; // not /^\d+$/ (checked by position: no regex per message)
  }
  const n = Number(s);
  return n <= 2_147_483_647 ? n : null;
}
