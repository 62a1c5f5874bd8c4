// Vendor formats that arrive as plain syslog (docs/syslog.md: AMA recognises several): Cisco ASA/FTD
// `%ASA-6-302013:` messages become CommonSecurityLog records (vendor Cisco, class ID = message number,
// LogSeverity = the ASA level, addresses of the common connection messages); key=value bodies (Sophos XG,
// Fortinet FortiGate, …) are parsed into a map. Pure and bounded; never throws.
import type { LogRecord } from '../../pipeline/index.js';
import type { SyslogHeader } from './header.js';

export interface CiscoInfo {
  kind: 'cisco';
  product: string;
  /** Cisco logging level 0–7 from the tag. */
  level: number;
  messageId: string;
}

export interface KeyValueInfo {
  kind: 'key-value';
  /** 'Sophos XG' | 'Fortinet' when the keys say so. */
  vendor?: string;
  fields: Record<string, string>;
}

export type VendorInfo = CiscoInfo | KeyValueInfo;

const CISCO_TAG = /^%(ASA|FTD|FWSM|PIX)-(\d)-(\d{6})$/;
const CISCO_IN_MSG = /^%(ASA|FTD|FWSM|PIX)-(\d)-(\d{6}): ?/;
const KV_PAIR = /([A-Za-z_][A-Za-z0-9_.-]{0,63})=("(?:[^"\\]|\\.)*"|[^\s"]*)/y;
const MAX_KV_FIELDS = 256;

/** Recognises a Cisco ASA/FTD message; returns the header with the tag text removed from msg if needed. */
export function recognizeCisco(h: SyslogHeader): { info: CiscoInfo; msg: string } | undefined {
  const t = CISCO_TAG.exec(h.app);
  if (t) return { info: { kind: 'cisco', product: t[1]!, level: Number(t[2]), messageId: t[3]! }, msg: h.msg };
  const m = CISCO_IN_MSG.exec(h.msg);
  if (m)
    return {
      info: { kind: 'cisco', product: m[1]!, level: Number(m[2]), messageId: m[3]! },
      msg: h.msg.slice(m[0].length),
    };
  return undefined;
}

const ENDPOINT = /(\S+?):(\d{1,3}(?:\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F]*)\/(\d{1,5})/g;

export function ciscoRecord(
  info: CiscoInfo,
  msg: string,
  ctx: { computer: string; host: string; time: Date },
): LogRecord {
  const rec: LogRecord = {
    TimeGenerated: ctx.time.toISOString(),
    Computer: ctx.host || ctx.computer,
    CollectorHostName: ctx.computer,
    DeviceVendor: 'Cisco',
    DeviceProduct: info.product,
    DeviceEventClassID: info.messageId,
    LogSeverity: String(info.level),
    OriginalLogSeverity: String(info.level),
    Message: msg,
  };
  const proto = /\b(TCP|UDP|ICMP|GRE)\b/.exec(msg.slice(0, 200));
  if (proto) rec.Protocol = proto[1];
  const ends = [...msg.slice(0, 1024).matchAll(ENDPOINT)].slice(0, 2);
  if (ends.length === 2) {
    // "Built outbound … for outside:REMOTE to inside:LOCAL": the inside host is the source.
    const [a, b] = /^Built outbound/.test(msg) ? [ends[1]!, ends[0]!] : [ends[0]!, ends[1]!];
    Object.assign(rec, {
      SourceIP: a[2],
      SourcePort: Number(a[3]),
      DeviceInboundInterface: a[1],
      DestinationIP: b[2],
      DestinationPort: Number(b[3]),
      DeviceOutboundInterface: b[1],
    });
  }
  return rec;
}

/** `k=v k2="quoted value" …` bodies with at least three pairs and nothing else; otherwise undefined. */
export function parseKeyValueBody(msg: string): KeyValueInfo | undefined {
  const fields: Record<string, string> = {};
  let count = 0;
  let i = 0;
  while (i < msg.length && count < MAX_KV_FIELDS) {
    while (msg.charCodeAt(i) === 32 || msg.charCodeAt(i) === 9) i++;
    if (i >= msg.length) break;
    KV_PAIR.lastIndex = i;
    const m = KV_PAIR.exec(msg);
    if (!m) return undefined;
    const raw = m[2]!;
    fields[m[1]!] = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
    count++;
    i = KV_PAIR.lastIndex;
  }
  if (count < 3) return undefined;
  const vendor =
    'device_name' in fields && 'log_id' in fields
      ? 'Sophos XG'
      : 'logid' in fields && ('devname' in fields || 'devid' in fields || ('type' in fields && 'subtype' in fields))
        ? 'Fortinet'
        : undefined;
  return { kind: 'key-value', ...(vendor ? { vendor } : {}), fields };
}
