// Every CEF key of Microsoft Sentinel's "CEF and CommonSecurityLog field mapping" reaches its
// CommonSecurityLog column with the table's type; the severity is kept as sent; cn1..3/externalId fill the
// 2023 columns (and the legacy int ones when they fit); every column written exists in the table schema.
import { describe, expect, test } from '@jest/globals';
import { COMMON_SECURITY_LOG_TYPES } from '../../../../../agent/collector/sources/syslog/common-security-log-columns.js';
import { CEF_COLUMN_BY_KEY, LEGACY_COPIES } from '../../../../../agent/collector/sources/syslog/cef-columns.js';
import { parseCefMessage } from '../../../../../agent/collector/sources/syslog/cef.js';

const ctx = { computer: 'collector', host: 'fw', time: new Date('2026-11-25T12:00:00Z') };

/** The mapping page's table, key → column (the 2023 columns for cn1..3 and externalId). */
const SENTINEL_MAPPING: [string, string][] = [
  ['act', 'DeviceAction'],
  ['app', 'ApplicationProtocol'],
  ['cat', 'DeviceEventCategory'],
  ['cnt', 'EventCount'],
  ['destinationDnsDomain', 'DestinationDnsDomain'],
  ['destinationServiceName', 'DestinationServiceName'],
  ['destinationTranslatedAddress', 'DestinationTranslatedAddress'],
  ['destinationTranslatedPort', 'DestinationTranslatedPort'],
  ['deviceDirection', 'CommunicationDirection'],
  ['deviceDnsDomain', 'DeviceDnsDomain'],
  ['deviceExternalId', 'DeviceExternalID'],
  ['deviceFacility', 'DeviceFacility'],
  ['deviceInboundInterface', 'DeviceInboundInterface'],
  ['deviceNtDomain', 'DeviceNtDomain'],
  ['deviceOutboundInterface', 'DeviceOutboundInterface'],
  ['devicePayloadId', 'DevicePayloadId'],
  ['deviceProcessName', 'ProcessName'],
  ['deviceTranslatedAddress', 'DeviceTranslatedAddress'],
  ['dhost', 'DestinationHostName'],
  ['dmac', 'DestinationMACAddress'],
  ['dntdom', 'DestinationNTDomain'],
  ['dpid', 'DestinationProcessId'],
  ['dpriv', 'DestinationUserPrivileges'],
  ['dproc', 'DestinationProcessName'],
  ['dpt', 'DestinationPort'],
  ['dst', 'DestinationIP'],
  ['dtz', 'DeviceTimeZone'],
  ['duid', 'DestinationUserID'],
  ['duser', 'DestinationUserName'],
  ['dvc', 'DeviceAddress'],
  ['dvchost', 'DeviceName'],
  ['dvcmac', 'DeviceMacAddress'],
  ['dvcpid', 'ProcessID'],
  ['end', 'EndTime'],
  ['externalId', 'ExtID'],
  ['fileCreateTime', 'FileCreateTime'],
  ['fileHash', 'FileHash'],
  ['fileId', 'FileID'],
  ['fileModificationTime', 'FileModificationTime'],
  ['filePath', 'FilePath'],
  ['filePermission', 'FilePermission'],
  ['fileType', 'FileType'],
  ['fname', 'FileName'],
  ['fsize', 'FileSize'],
  ['in', 'ReceivedBytes'],
  ['msg', 'Message'],
  ['oldFileCreateTime', 'OldFileCreateTime'],
  ['oldFileHash', 'OldFileHash'],
  ['oldFileId', 'OldFileID'],
  ['oldFileModificationTime', 'OldFileModificationTime'],
  ['oldFileName', 'OldFileName'],
  ['oldFilePath', 'OldFilePath'],
  ['oldFilePermission', 'OldFilePermission'],
  ['oldFileSize', 'OldFileSize'],
  ['oldFileType', 'OldFileType'],
  ['out', 'SentBytes'],
  ['outcome', 'EventOutcome'],
  ['proto', 'Protocol'],
  ['reason', 'Reason'],
  ['request', 'RequestURL'],
  ['requestClientApplication', 'RequestClientApplication'],
  ['requestContext', 'RequestContext'],
  ['requestCookies', 'RequestCookies'],
  ['requestMethod', 'RequestMethod'],
  ['rt', 'ReceiptTime'],
  ['shost', 'SourceHostName'],
  ['smac', 'SourceMACAddress'],
  ['sntdom', 'SourceNTDomain'],
  ['sourceDnsDomain', 'SourceDnsDomain'],
  ['sourceServiceName', 'SourceServiceName'],
  ['sourceTranslatedAddress', 'SourceTranslatedAddress'],
  ['sourceTranslatedPort', 'SourceTranslatedPort'],
  ['spid', 'SourceProcessId'],
  ['spriv', 'SourceUserPrivileges'],
  ['sproc', 'SourceProcessName'],
  ['spt', 'SourcePort'],
  ['src', 'SourceIP'],
  ['start', 'StartTime'],
  ['suid', 'SourceUserID'],
  ['suser', 'SourceUserName'],
  ['type', 'EventType'],
  ...[1, 2, 3, 4, 5, 6].flatMap((i): [string, string][] => [
    [`cs${i}`, `DeviceCustomString${i}`],
    [`cs${i}Label`, `DeviceCustomString${i}Label`],
  ]),
  ...[1, 2, 3].flatMap((i): [string, string][] => [
    [`cn${i}`, `FieldDeviceCustomNumber${i}`],
    [`cn${i}Label`, `DeviceCustomNumber${i}Label`],
  ]),
  ...[1, 2, 3, 4].flatMap((i): [string, string][] => [
    [`cfp${i}`, `DeviceCustomFloatingPoint${i}`],
    [`cfp${i}Label`, `DeviceCustomFloatingPoint${i}Label`],
    [`c6a${i}`, `DeviceCustomIPv6Address${i}`],
    [`c6a${i}Label`, `DeviceCustomIPv6Address${i}Label`],
  ]),
  ['flexString1', 'FlexString1'],
  ['flexString1Label', 'FlexString1Label'],
  ['flexString2', 'FlexString2'],
  ['flexString2Label', 'FlexString2Label'],
  ['flexNumber1', 'FlexNumber1'],
  ['flexNumber1Label', 'FlexNumber1Label'],
  ['flexNumber2', 'FlexNumber2'],
  ['flexNumber2Label', 'FlexNumber2Label'],
  ['flexDate1', 'FlexDate1'],
  ['flexDate1Label', 'FlexDate1Label'],
  ['deviceCustomDate1', 'DeviceCustomDate1'],
  ['deviceCustomDate1Label', 'DeviceCustomDate1Label'],
  ['deviceCustomDate2', 'DeviceCustomDate2'],
  ['deviceCustomDate2Label', 'DeviceCustomDate2Label'],
];

const SAMPLE = { int: '42', long: '1234567890123', real: '1.5', datetime: '1764064023000' } as const;
const EXPECTED = { int: 42, long: 1234567890123, real: 1.5, datetime: new Date(1764064023000).toISOString() } as const;

describe('CEF extension keys → CommonSecurityLog columns', () => {
  test('every column the parser can write is a column of the table', () => {
    for (const col of [...CEF_COLUMN_BY_KEY.values(), ...LEGACY_COPIES.values()])
      expect([col, COMMON_SECURITY_LOG_TYPES.has(col)]).toEqual([col, true]);
  });

  test('every key of the Sentinel mapping reaches its column with the table type', () => {
    const value = (col: string): string => {
      const t = COMMON_SECURITY_LOG_TYPES.get(col)!;
      return t === 'string' ? `v-${col}` : SAMPLE[t];
    };
    const ext = SENTINEL_MAPPING.map(([k, col]) => `${k}=${value(col)}`).join(' ');
    const r = parseCefMessage(`CEF:0|V|P|1|sig|name|7|${ext}`, ctx)!;
    expect(r.problems).toEqual([]);
    for (const [key, col] of SENTINEL_MAPPING) {
      const t = COMMON_SECURITY_LOG_TYPES.get(col)!;
      expect([key, r.record[col]]).toEqual([key, t === 'string' ? `v-${col}` : EXPECTED[t]]);
    }
    expect(r.record.AdditionalExtensions).toBeUndefined();
    expect(r.record.CommunicationDirection).toBe('v-CommunicationDirection');
  });

  test('LogSeverity is the header value as sent; OriginalLogSeverity stays empty', () => {
    for (const sev of ['2', '10', 'High', 'Unknown']) {
      const r = parseCefMessage(`CEF:0|V|P|1|sig|name|${sev}|src=1.2.3.4`, ctx)!;
      expect(r.record.LogSeverity).toBe(sev);
      expect('OriginalLogSeverity' in r.record).toBe(false);
    }
  });

  test('cn1..3 and externalId: the long/string columns always, the legacy int ones when the value fits', () => {
    const r = parseCefMessage('CEF:0|V|P|1|sig|name|3|cn1=7 cn2=5000000000 cn3=-1 externalId=abc-9', ctx)!.record;
    expect([r.FieldDeviceCustomNumber1, r.DeviceCustomNumber1]).toEqual([7, 7]);
    expect([r.FieldDeviceCustomNumber2, 'DeviceCustomNumber2' in r]).toEqual([5000000000, false]);
    expect([r.FieldDeviceCustomNumber3, r.DeviceCustomNumber3]).toEqual([-1, -1]);
    expect([r.ExtID, 'ExternalID' in r]).toEqual(['abc-9', false]);
  });

  test('MACs, request, translated addresses and custom dates stay strings as the table types them', () => {
    const r = parseCefMessage(
      'CEF:0|V|P|1|sig|name|3|smac=00:0c:29:aa:bb:cc dmac=00:0c:29:dd:ee:ff request=https://x.example/a?b=c requestMethod=POST deviceCustomDate1=Nov 25 2026 10:00:00 fsize=2048',
      ctx,
    )!.record;
    expect(r).toMatchObject({
      SourceMACAddress: '00:0c:29:aa:bb:cc',
      DestinationMACAddress: '00:0c:29:dd:ee:ff',
      RequestURL: 'https://x.example/a?b=c',
      RequestMethod: 'POST',
      DeviceCustomDate1: 'Nov 25 2026 10:00:00',
      FileSize: 2048,
    });
  });
});
