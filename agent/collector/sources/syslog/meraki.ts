// Cisco Meraki's syslog header (docs/syslog.md): "<PRI>1 <epoch.nanos> <device> <category> <body>" — it
// claims version 1 but is not RFC 5424 (an epoch instead of RFC 3339, no PROCID/MSGID/SD), so read as
// RFC 5424 its `src=`/`dst=` would land in PROCID/MSGID. Also met after an RFC 3164 header when a relay
// (rsyslog) re-headed the line: "<PRI>Mmm dd hh:mm:ss <relay-host> 1 <epoch> <device> <category> …".
import { isoFromMs } from '../iso-time.js';
import type { ParseProblem, SyslogHeader } from './header.js';

/** "1 " (already consumed by the caller or not), epoch seconds with a fraction, device, category. */
const MERAKI = /^(\d{9,10})\.(\d{1,9}) (\S{1,255}) ([A-Za-z_][A-Za-z0-9_-]{0,63})(?: |$)/;

export interface MerakiResult extends SyslogHeader {
  problems: ParseProblem[];
}

/** `s` is what follows "<PRI>1 "; undefined when it is not a Meraki header. */
export function parseMeraki(s: string): MerakiResult | undefined {
  const m = MERAKI.exec(s);
  if (!m) return undefined;
  const ms = Number(m[1]) * 1000 + Math.floor(Number(`0.${m[2]}`) * 1000);
  return { eventTime: isoFromMs(ms), host: m[3]!, app: m[4]!, pid: null, msg: s.slice(m[0].length), problems: [] };
}

/** An RFC 3164 parse whose tag is "1" and whose message starts with a Meraki epoch: the relayed form. */
export function merakiAfterRelay(h: SyslogHeader): MerakiResult | undefined {
  if (h.app !== '1' || h.pid !== null) return undefined;
  return parseMeraki(h.msg);
}
