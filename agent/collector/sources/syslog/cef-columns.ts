// CEF extension keys → CommonSecurityLog columns, as Microsoft Sentinel's "CEF and CommonSecurityLog field
// mapping" lists them (docs/syslog.md), with the column types of the table schema
// (common-security-log-columns.ts). Keys not listed here go to AdditionalExtensions. Since the
// 2023 schema change `cn1..3` fill the long FieldDeviceCustomNumber1..3 and `externalId` the string ExtID;
// LEGACY_COPIES also writes the value to the old int column when it fits (queries written before 2023).
import { COMMON_SECURITY_LOG_TYPES, type LogAnalyticsColumnType } from './common-security-log-columns.js';

export const CEF_KEY_TO_COLUMN: Readonly<Record<string, string>> = {
  act: 'DeviceAction',
  app: 'ApplicationProtocol',
  cat: 'DeviceEventCategory',
  cnt: 'EventCount',
  outcome: 'EventOutcome',
  reason: 'Reason',
  src: 'SourceIP',
  spt: 'SourcePort',
  shost: 'SourceHostName',
  smac: 'SourceMACAddress',
  suser: 'SourceUserName',
  suid: 'SourceUserID',
  sproc: 'SourceProcessName',
  spid: 'SourceProcessId',
  sntdom: 'SourceNTDomain',
  spriv: 'SourceUserPrivileges',
  sourceDnsDomain: 'SourceDnsDomain',
  sourceServiceName: 'SourceServiceName',
  sourceTranslatedAddress: 'SourceTranslatedAddress',
  sourceTranslatedPort: 'SourceTranslatedPort',
  dst: 'DestinationIP',
  dpt: 'DestinationPort',
  dhost: 'DestinationHostName',
  dmac: 'DestinationMACAddress',
  duser: 'DestinationUserName',
  duid: 'DestinationUserID',
  dproc: 'DestinationProcessName',
  dpid: 'DestinationProcessId',
  dntdom: 'DestinationNTDomain',
  dpriv: 'DestinationUserPrivileges',
  destinationDnsDomain: 'DestinationDnsDomain',
  destinationServiceName: 'DestinationServiceName',
  destinationTranslatedAddress: 'DestinationTranslatedAddress',
  destinationTranslatedPort: 'DestinationTranslatedPort',
  dvc: 'DeviceAddress',
  dvchost: 'DeviceName',
  dvcmac: 'DeviceMacAddress',
  dvcpid: 'ProcessID',
  dtz: 'DeviceTimeZone',
  deviceExternalId: 'DeviceExternalID',
  deviceExternalID: 'DeviceExternalID',
  deviceFacility: 'DeviceFacility',
  deviceProcessName: 'ProcessName',
  deviceDirection: 'CommunicationDirection',
  deviceDnsDomain: 'DeviceDnsDomain',
  deviceNtDomain: 'DeviceNtDomain',
  deviceInboundInterface: 'DeviceInboundInterface',
  deviceOutboundInterface: 'DeviceOutboundInterface',
  devicePayloadId: 'DevicePayloadId',
  deviceTranslatedAddress: 'DeviceTranslatedAddress',
  in: 'ReceivedBytes',
  out: 'SentBytes',
  msg: 'Message',
  proto: 'Protocol',
  rt: 'ReceiptTime',
  request: 'RequestURL',
  requestMethod: 'RequestMethod',
  requestClientApplication: 'RequestClientApplication',
  requestContext: 'RequestContext',
  requestCookies: 'RequestCookies',
  externalId: 'ExtID',
  type: 'EventType',
  start: 'StartTime',
  end: 'EndTime',
  fname: 'FileName',
  filePath: 'FilePath',
  fileHash: 'FileHash',
  fsize: 'FileSize',
  fileId: 'FileID',
  fileType: 'FileType',
  filePermission: 'FilePermission',
  fileCreateTime: 'FileCreateTime',
  fileModificationTime: 'FileModificationTime',
  oldFileName: 'OldFileName',
  oldFilePath: 'OldFilePath',
  oldFileHash: 'OldFileHash',
  oldFileSize: 'OldFileSize',
  oldFileId: 'OldFileID',
  oldFileType: 'OldFileType',
  oldFilePermission: 'OldFilePermission',
  oldFileCreateTime: 'OldFileCreateTime',
  oldFileModificationTime: 'OldFileModificationTime',
  flexString1: 'FlexString1',
  flexString1Label: 'FlexString1Label',
  flexString2: 'FlexString2',
  flexString2Label: 'FlexString2Label',
  flexNumber1: 'FlexNumber1',
  flexNumber1Label: 'FlexNumber1Label',
  flexNumber2: 'FlexNumber2',
  flexNumber2Label: 'FlexNumber2Label',
  flexDate1: 'FlexDate1',
  flexDate1Label: 'FlexDate1Label',
  deviceCustomDate1: 'DeviceCustomDate1',
  deviceCustomDate1Label: 'DeviceCustomDate1Label',
  deviceCustomDate2: 'DeviceCustomDate2',
  deviceCustomDate2Label: 'DeviceCustomDate2Label',
};
for (let i = 1; i <= 6; i++)
  Object.assign(CEF_KEY_TO_COLUMN, {
    [`cs${i}`]: `DeviceCustomString${i}`,
    [`cs${i}Label`]: `DeviceCustomString${i}Label`,
  });
for (let i = 1; i <= 3; i++)
  Object.assign(CEF_KEY_TO_COLUMN, {
    [`cn${i}`]: `FieldDeviceCustomNumber${i}`,
    [`cn${i}Label`]: `DeviceCustomNumber${i}Label`,
  });
for (let i = 1; i <= 4; i++) {
  Object.assign(CEF_KEY_TO_COLUMN, {
    [`cfp${i}`]: `DeviceCustomFloatingPoint${i}`,
    [`cfp${i}Label`]: `DeviceCustomFloatingPoint${i}Label`,
    [`c6a${i}`]: `DeviceCustomIPv6Address${i}`,
    [`c6a${i}Label`]: `DeviceCustomIPv6Address${i}Label`,
  });
}

/** The same table as a Map: keys come from the message (non-internalised strings), which a Map hashes
 * cheaply, while a large object in dictionary mode costs a lookup ~10× slower on the CEF hot path. */
export const CEF_COLUMN_BY_KEY: ReadonlyMap<string, string> = new Map(Object.entries(CEF_KEY_TO_COLUMN));

/** New column → the pre-2023 int column that also receives the value when it fits in int32. */
export const LEGACY_COPIES: ReadonlyMap<string, string> = new Map([
  ['FieldDeviceCustomNumber1', 'DeviceCustomNumber1'],
  ['FieldDeviceCustomNumber2', 'DeviceCustomNumber2'],
  ['FieldDeviceCustomNumber3', 'DeviceCustomNumber3'],
  ['ExtID', 'ExternalID'],
]);

export type CefColumnType = Exclude<LogAnalyticsColumnType, 'string'>;

/** The non-string columns and their types (the table schema's). */
export const CEF_COLUMN_TYPES: ReadonlyMap<string, CefColumnType> = new Map(
  [...COMMON_SECURITY_LOG_TYPES].filter((e): e is [string, CefColumnType] => e[1] !== 'string'),
);
