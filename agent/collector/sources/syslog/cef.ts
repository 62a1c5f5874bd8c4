// CEF → CommonSecurityLog columns (SPEC.md §7.5, §8.3): header fields with \| and \\ escapes,
// extension key=value pairs whose values run until the next " key=", with \= \\ \n \r escapes.
const KEY_MAP: Record<string, string> = {
  act: 'DeviceAction', app: 'ApplicationProtocol', cnt: 'EventCount', src: 'SourceIP', spt: 'SourcePort', shost: 'SourceHostName', smac: 'SourceMACAddress',
  suser: 'SourceUserName', suid: 'SourceUserID', sproc: 'SourceProcessName', spid: 'SourceProcessId', dst: 'DestinationIP', dpt: 'DestinationPort',
  dhost: 'DestinationHostName', dmac: 'DestinationMACAddress', duser: 'DestinationUserName', duid: 'DestinationUserID', dproc: 'DestinationProcessName',
  dpid: 'DestinationProcessId', dvc: 'DeviceAddress', dvchost: 'DeviceName', dvcmac: 'DeviceMacAddress', dvcpid: 'ProcessID', dtz: 'DeviceTimeZone',
  deviceExternalId: 'DeviceExternalID', deviceFacility: 'DeviceFacility', deviceProcessName: 'ProcessName', deviceDirection: 'CommunicationDirection',
  in: 'ReceivedBytes', out: 'SentBytes', msg: 'Message', proto: 'Protocol', rt: 'ReceiptTime', request: 'RequestURL', requestMethod: 'RequestMethod',
  requestClientApplication: 'RequestClientApplication', externalId: 'ExternalID', type: 'EventType', outcome: 'EventOutcome', fname: 'FileName',
  filePath: 'FilePath', fileHash: 'FileHash', fsize: 'FileSize', cat: 'DeviceEventCategory', reason: 'Reason',
  cs1: 'DeviceCustomString1', cs2: 'DeviceCustomString2', cs3: 'DeviceCustomString3', cs4: 'DeviceCustomString4', cs5: 'DeviceCustomString5', cs6: 'DeviceCustomString6',
  cs1Label: 'DeviceCustomString1Label', cs2Label: 'DeviceCustomString2Label', cs3Label: 'DeviceCustomString3Label', cs4Label: 'DeviceCustomString4Label', cs5Label: 'DeviceCustomString5Label', cs6Label: 'DeviceCustomString6Label',
  cn1: 'DeviceCustomNumber1', cn2: 'DeviceCustomNumber2', cn3: 'DeviceCustomNumber3', cn1Label: 'DeviceCustomNumber1Label', cn2Label: 'DeviceCustomNumber2Label', cn3Label: 'DeviceCustomNumber3Label',
  flexString1: 'FlexString1', flexString2: 'FlexString2', flexNumber1: 'FlexNumber1', flexNumber2: 'FlexNumber2',
};
const INT_COLUMNS = new Set(['EventCount', 'SourcePort', 'DestinationPort', 'SourceProcessId', 'DestinationProcessId', 'ProcessID', 'CommunicationDirection', 'EventType', 'DeviceCustomNumber1', 'DeviceCustomNumber2', 'DeviceCustomNumber3', 'FlexNumber1', 'FlexNumber2']);
const LONG_COLUMNS = new Set(['ReceivedBytes', 'SentBytes', 'FileSize']);

function splitHeader(s: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (c === '\\' && (s[i + 1] === '|' || s[i + 1] === '\\')) {
      cur += s[++i];
    } else if (c === '|' && out.length < 7) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}

export function parseExtension(ext: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /(?:^|\s)([A-Za-z0-9_.-]+)=/g;
  const marks: { key: string; start: number; valueStart: number }[] = [];
  for (let m = re.exec(ext); m; m = re.exec(ext)) {
    if (m.index > 0 && ext[m.index + (m[0].startsWith(' ') ? 0 : -1)] === '\\') continue;
    marks.push({ key: m[1]!, start: m.index, valueStart: m.index + m[0].length });
  }
  marks.forEach((mk, i) => {
    const end = i + 1 < marks.length ? marks[i + 1]!.start : ext.length;
    out[mk.key] = ext.slice(mk.valueStart, end).replace(/\\([=\\])/g, '$1').replace(/\\n/g, '\n').replace(/\\r/g, '\r').trim();
  });
  return out;
}

function logSeverity(sev: string): string {
  const n = Number(sev);
  if (!Number.isFinite(n) || sev.trim() === '') return sev;
  return n <= 3 ? 'Low' : n <= 6 ? 'Medium' : n <= 8 ? 'High' : 'Very-High';
}

export function parseCef(text: string, ctx: { computer: string; host: string; time: Date }): Record<string, unknown> | undefined {
  if (!text.startsWith('CEF:')) return undefined;
  const h = splitHeader(text.slice(4));
  if (h.length < 7) return undefined;
  const [version, vendor, product, devVersion, classId, name, severity, ext = ''] = h as [string, string, string, string, string, string, string, string?];
  const rec: Record<string, unknown> = {
    TimeGenerated: ctx.time.toISOString(), Computer: ctx.host || ctx.computer, CefVersion: version, DeviceVendor: vendor, DeviceProduct: product, DeviceVersion: devVersion,
    DeviceEventClassID: classId, Activity: name, LogSeverity: logSeverity(severity), OriginalLogSeverity: severity,
  };
  const additional: string[] = [];
  for (const [k, v] of Object.entries(parseExtension(ext))) {
    const col = KEY_MAP[k];
    if (!col) {
      additional.push(`${k}=${v}`);
      continue;
    }
    rec[col] = INT_COLUMNS.has(col) || LONG_COLUMNS.has(col) ? (/^-?\d+$/.test(v) ? Number(v) : null) : v;
  }
  if (additional.length) rec.AdditionalExtensions = additional.join(';');
  return rec;
}
