// CEF extension keys → CommonSecurityLog columns (SPEC.md §7.5) and the columns' types. Keys not listed
// here go to AdditionalExtensions.

export const CEF_KEY_TO_COLUMN: Readonly<Record<string, string>> = {
  act: 'DeviceAction', app: 'ApplicationProtocol', cnt: 'EventCount', cat: 'DeviceEventCategory', reason: 'Reason',
  src: 'SourceIP', spt: 'SourcePort', shost: 'SourceHostName', smac: 'SourceMACAddress', suser: 'SourceUserName',
  suid: 'SourceUserID', sproc: 'SourceProcessName', spid: 'SourceProcessId', sntdom: 'SourceNTDomain', spriv: 'SourceUserPrivileges',
  sourceTranslatedAddress: 'SourceTranslatedAddress', sourceTranslatedPort: 'SourceTranslatedPort',
  dst: 'DestinationIP', dpt: 'DestinationPort', dhost: 'DestinationHostName', dmac: 'DestinationMACAddress', duser: 'DestinationUserName',
  duid: 'DestinationUserID', dproc: 'DestinationProcessName', dpid: 'DestinationProcessId', dntdom: 'DestinationNTDomain', dpriv: 'DestinationUserPrivileges',
  destinationTranslatedAddress: 'DestinationTranslatedAddress', destinationTranslatedPort: 'DestinationTranslatedPort',
  dvc: 'DeviceAddress', dvchost: 'DeviceName', dvcmac: 'DeviceMacAddress', dvcpid: 'ProcessID', dtz: 'DeviceTimeZone',
  deviceExternalId: 'DeviceExternalID', deviceFacility: 'DeviceFacility', deviceProcessName: 'ProcessName', deviceDirection: 'CommunicationDirection',
  deviceInboundInterface: 'DeviceInboundInterface', deviceOutboundInterface: 'DeviceOutboundInterface',
  deviceTranslatedAddress: 'DeviceTranslatedAddress', deviceDnsDomain: 'DeviceDnsDomain', deviceNtDomain: 'DeviceNtDomain',
  in: 'ReceivedBytes', out: 'SentBytes', msg: 'Message', proto: 'Protocol', rt: 'ReceiptTime',
  request: 'RequestURL', requestMethod: 'RequestMethod', requestClientApplication: 'RequestClientApplication',
  requestContext: 'RequestContext', requestCookies: 'RequestCookies',
  externalId: 'ExternalID', type: 'EventType', outcome: 'EventOutcome', start: 'StartTime', end: 'EndTime',
  fname: 'FileName', filePath: 'FilePath', fileHash: 'FileHash', fsize: 'FileSize', fileId: 'FileID', fileType: 'FileType',
  filePermission: 'FilePermission', fileCreateTime: 'FileCreateTime', fileModificationTime: 'FileModificationTime',
  oldFileName: 'OldFileName', oldFilePath: 'OldFilePath', oldFileHash: 'OldFileHash', oldFileSize: 'OldFileSize', oldFileId: 'OldFileID',
  oldFileType: 'OldFileType', oldFilePermission: 'OldFilePermission', oldFileCreateTime: 'OldFileCreateTime', oldFileModificationTime: 'OldFileModificationTime',
  flexString1: 'FlexString1', flexString2: 'FlexString2', flexString1Label: 'FlexString1Label', flexString2Label: 'FlexString2Label',
  flexNumber1: 'FlexNumber1', flexNumber2: 'FlexNumber2', flexNumber1Label: 'FlexNumber1Label', flexNumber2Label: 'FlexNumber2Label',
  flexDate1: 'FlexDate1', flexDate1Label: 'FlexDate1Label',
  deviceCustomDate1: 'DeviceCustomDate1', deviceCustomDate2: 'DeviceCustomDate2',
  deviceCustomDate1Label: 'DeviceCustomDate1Label', deviceCustomDate2Label: 'DeviceCustomDate2Label',
};
for (let i = 1; i <= 6; i++) Object.assign(CEF_KEY_TO_COLUMN, { [`cs${i}`]: `DeviceCustomString${i}`, [`cs${i}Label`]: `DeviceCustomString${i}Label` });
for (let i = 1; i <= 3; i++) Object.assign(CEF_KEY_TO_COLUMN, { [`cn${i}`]: `DeviceCustomNumber${i}`, [`cn${i}Label`]: `DeviceCustomNumber${i}Label` });
for (let i = 1; i <= 4; i++) {
  Object.assign(CEF_KEY_TO_COLUMN, {
    [`cfp${i}`]: `DeviceCustomFloatingPoint${i}`, [`cfp${i}Label`]: `DeviceCustomFloatingPoint${i}Label`,
    [`c6a${i}`]: `DeviceCustomIPv6Address${i}`, [`c6a${i}Label`]: `DeviceCustomIPv6Address${i}Label`,
  });
}

/** The same table as a Map: keys come from the message (non-internalised strings), which a Map hashes
 * cheaply, while a large object in dictionary mode costs a lookup ~10× slower on the CEF hot path. */
export const CEF_COLUMN_BY_KEY: ReadonlyMap<string, string> = new Map(Object.entries(CEF_KEY_TO_COLUMN));

export type CefColumnType = 'int' | 'long' | 'real' | 'datetime';

export const CEF_COLUMN_TYPES: ReadonlyMap<string, CefColumnType> = new Map<string, CefColumnType>([
  ...['EventCount', 'SourcePort', 'DestinationPort', 'SourceTranslatedPort', 'DestinationTranslatedPort', 'SourceProcessId', 'DestinationProcessId',
    'ProcessID', 'CommunicationDirection', 'EventType', 'ExternalID', 'FlexNumber1', 'FlexNumber2',
    'DeviceCustomNumber1', 'DeviceCustomNumber2', 'DeviceCustomNumber3'].map((c) => [c, 'int'] as [string, CefColumnType]),
  ...['ReceivedBytes', 'SentBytes', 'FileSize', 'OldFileSize'].map((c) => [c, 'long'] as [string, CefColumnType]),
  ...[1, 2, 3, 4].map((i) => [`DeviceCustomFloatingPoint${i}`, 'real'] as [string, CefColumnType]),
  ...['StartTime', 'EndTime'].map((c) => [c, 'datetime'] as [string, CefColumnType]),
]);
