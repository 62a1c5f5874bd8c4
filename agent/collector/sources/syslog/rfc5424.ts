// RFC 5424 header after "<PRI>1 " (RFC 5424 §6): TIMESTAMP HOSTNAME APP-NAME PROCID MSGID, each may be
// the nil value "-"; STRUCTURED-DATA "-" or [SD-ID param="value"…]… with \" \\ \] escapes inside values;
// MSG may start with a UTF-8 BOM. Structured data is returned separately and not put in SyslogMessage,
// except Juniper's (an SD-ID under enterprise number 2636, `[junos@2636.…]`): its event fields live only
// there, so the message keeps it in front of the text, as sent (docs/syslog.md).
import { pidOf, type ParseProblem, type SyslogHeader } from './header.js';
import { isoFromMs, isoOf, rfc3339Ms } from '../iso-time.js';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/;

export interface Rfc5424Result extends SyslogHeader {
  problems: ParseProblem[];
}

/** An SD element whose SD-ID carries Juniper's private enterprise number (2636). */
const JUNIPER_SD = /(?:^|\])\[[^\s=\]"]{1,32}@2636[.\s\]]/;

const nil = (v: string): string => (v === '-' ? '' : v);

/** `s` starts after "1 " (the VERSION and its space). */
export function parseRfc5424(s: string, now: Date): Rfc5424Result {
  const problems: ParseProblem[] = [];
  const fields: string[] = [];
  let pos = 0;
  while (fields.length < 5) {
    const sp = s.indexOf(' ', pos);
    if (sp < 0) {
      fields.push(s.slice(pos));
      pos = s.length;
      break;
    }
    fields.push(s.slice(pos, sp));
    pos = sp + 1;
  }
  const [ts = '-', host = '-', app = '-', procid = '-', msgid = '-'] = fields;
  let eventTime = isoOf(now);
  if (ts !== '-') {
    const t = RFC3339.test(ts) ? rfc3339Ms(ts) : NaN;
    if (Number.isNaN(t)) problems.push('bad_timestamp');
    else eventTime = isoFromMs(t);
  }
  let structuredData = '';
  let rest = s.slice(pos);
  if (rest.startsWith('[')) {
    const end = structuredDataEnd(rest);
    if (end < 0) {
      problems.push('bad_structured_data');
      structuredData = rest;
      rest = '';
    } else {
      structuredData = rest.slice(0, end);
      rest = rest.slice(end);
    }
  } else if (rest.startsWith('-')) {
    rest = rest.slice(1);
  }
  if (rest.startsWith(' ')) rest = rest.slice(1);
  if (rest.charCodeAt(0) === 0xfeff) rest = rest.slice(1);
  if (structuredData && JUNIPER_SD.test(structuredData)) rest = rest ? `${structuredData} ${rest}` : structuredData;
  return {
    eventTime,
    host: nil(host),
    app: nil(app),
    pid: pidOf(procid),
    msg: rest,
    msgId: nil(msgid),
    structuredData,
    problems,
  };
}

/** Index just past the last `]` of the SD elements at the start of `s`, or -1 when unterminated. */
function structuredDataEnd(s: string): number {
  let i = 0;
  while (i < s.length && s[i] === '[') {
    let inQuote = false;
    let closed = false;
    for (i++; i < s.length; i++) {
      const c = s[i];
      if (inQuote && c === '\\') i++;
      else if (c === '"') inQuote = !inQuote;
      else if (c === ']' && !inQuote) {
        closed = true;
        i++;
        break;
      }
    }
    if (!closed) return -1;
  }
  return i;
}
