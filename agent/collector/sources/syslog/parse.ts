// Syslog message → Syslog table columns (SPEC.md §7.1, §8): RFC 5424 (version 1 after PRI), else
// RFC 3164 with its real-world variants (rsyslog's RFC 3339 timestamps, missing hostname, tag without
// PID, Cisco %ASA tags), CEF bodies recognised for CommonSecurityLog. Never throws on garbage.
import { parseCef } from './cef.js';

export const FACILITIES = ['kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp', 'ntp', 'audit', 'alert', 'clock', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7'];
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'];
/** DCR logLevels names by severity number. */
export const DCR_LEVELS = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'];

export interface ParsedSyslog {
  facility: string;
  severity: number;
  record: Record<string, unknown>;
  cef?: Record<string, unknown>;
}

const MONTHS: Record<string, number> = { jan: 0, feb: 1, mar: 2, apr: 3, may: 4, jun: 5, jul: 6, aug: 7, sep: 8, oct: 9, nov: 10, dec: 11 };
const RFC3164_TS = /^([A-Z][a-z]{2}) {1,2}(\d{1,2}) (\d{2}):(\d{2}):(\d{2})(?:\.\d+)? /;
const RFC3339_TS = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})) /;

export function parseSyslog(line: string, ctx: { computer: string; now?: Date; sourceIp?: string }): ParsedSyslog {
  const now = ctx.now ?? new Date();
  let rest = line.replace(/^\uFEFF/, '').replace(/[\r\n]+$/, '');
  let pri = 13; // user.notice when absent (RFC 3164 §4.3.3)
  const m = /^<(\d{1,3})>/.exec(rest);
  if (m && Number(m[1]) <= 191) {
    pri = Number(m[1]);
    rest = rest.slice(m[0].length);
  }
  const facility = FACILITIES[pri >> 3] ?? 'user';
  const severity = pri & 7;
  const base = { TimeGenerated: now.toISOString(), Computer: ctx.computer, Facility: facility, SeverityLevel: SEVERITIES[severity], HostIP: ctx.sourceIp ?? '', CollectorHostName: ctx.computer };
  const parsed = /^1 /.test(rest) ? parse5424(rest.slice(2), now) : parse3164(rest, now);
  const record = { ...base, EventTime: parsed.eventTime, HostName: parsed.host || ctx.computer, ProcessName: parsed.app, ProcessID: parsed.pid, SyslogMessage: parsed.msg };
  const cefAt = parsed.msg.indexOf('CEF:');
  const cef = cefAt >= 0 && cefAt < 64 ? parseCef(parsed.msg.slice(cefAt), { computer: ctx.computer, host: parsed.host, time: now }) : undefined;
  return { facility, severity, record, ...(cef ? { cef } : {}) };
}

interface Header {
  eventTime: string;
  host: string;
  app: string;
  pid: number | null;
  msg: string;
}

function parse3164(s: string, now: Date): Header {
  let eventTime = now.toISOString();
  let rest = s;
  const t1 = RFC3164_TS.exec(rest);
  const t2 = t1 ? null : RFC3339_TS.exec(rest);
  if (t1) {
    const month = MONTHS[t1[1]!.toLowerCase()];
    if (month !== undefined) {
      let d = new Date(now.getFullYear(), month, Number(t1[2]), Number(t1[3]), Number(t1[4]), Number(t1[5]));
      if (d.getTime() - now.getTime() > 7 * 86_400_000) d = new Date(now.getFullYear() - 1, month, Number(t1[2]), Number(t1[3]), Number(t1[4]), Number(t1[5]));
      eventTime = d.toISOString();
    }
    rest = rest.slice(t1[0].length);
  } else if (t2) {
    const t = Date.parse(t2[1]!);
    if (!Number.isNaN(t)) eventTime = new Date(t).toISOString();
    rest = rest.slice(t2[0].length);
  }
  // HOSTNAME is present when the next token is followed by a tag-looking token; "tag:" alone means no host.
  let host = '';
  const firstSpace = rest.indexOf(' ');
  if (firstSpace > 0) {
    const first = rest.slice(0, firstSpace);
    if (!/[:[]/.test(first) && !first.startsWith('%')) {
      host = first;
      rest = rest.slice(firstSpace + 1);
    }
  }
  let app = '';
  let pid: number | null = null;
  // A CEF body right after the header: ProcessName "CEF", the message keeps the whole CEF text.
  if (/^CEF:\d/.test(rest)) return { eventTime, host, app: 'CEF', pid, msg: rest };
  const tag = /^([^\s:[]{1,64})(?:\[(\d{1,10})\])?:\s?/.exec(rest);
  if (tag) {
    app = tag[1]!;
    pid = tag[2] ? Number(tag[2]) : null;
    rest = rest.slice(tag[0].length);
  }
  return { eventTime, host, app, pid, msg: rest };
}

function parse5424(s: string, now: Date): Header {
  const parts = s.split(' ');
  const [ts = '-', host = '-', app = '-', procid = '-', _msgid = '-'] = parts;
  let rest = parts.slice(5).join(' ');
  // STRUCTURED-DATA: "-" or [..][..] with escapes \" \\ \]
  if (rest.startsWith('-')) rest = rest.slice(1);
  else if (rest.startsWith('[')) {
    let i = 0;
    while (i < rest.length && rest[i] === '[') {
      i++;
      let inQuote = false;
      for (; i < rest.length; i++) {
        const c = rest[i];
        if (c === '\\') i++;
        else if (c === '"') inQuote = !inQuote;
        else if (c === ']' && !inQuote) break;
      }
      i++;
    }
    rest = rest.slice(i);
  }
  rest = rest.replace(/^ /, '').replace(/^\uFEFF/, '');
  const t = ts === '-' ? NaN : Date.parse(ts);
  return {
    eventTime: Number.isNaN(t) ? now.toISOString() : new Date(t).toISOString(),
    host: host === '-' ? '' : host,
    app: app === '-' ? '' : app,
    pid: /^\d{1,10}$/.test(procid) ? Number(procid) : null,
    msg: rest,
  };
}
