// The CommonSecurityLog schema: the table reference's columns (count, names, types) and `dcr fix` declaring
// all of them on the CommonSecurityLog companion stream.
import {
  COMMON_SECURITY_LOG_COLUMNS,
  COMMON_SECURITY_LOG_SYSTEM_COLUMNS,
} from '../../../../../agent/collector/sources/syslog/common-security-log-columns.js';
import { addCompanionDeclarations } from '../../../../../agent/collector/dcr/fix.js';

const names = COMMON_SECURITY_LOG_COLUMNS.map((c) => c.name);

describe('CommonSecurityLog columns', () => {
  test('every column of the table reference, once, system columns apart', () => {
    // 163 columns in the reference: 157 declarable + 6 workspace-filled system columns.
    expect(names).toHaveLength(157);
    expect(new Set(names).size).toBe(names.length);
    expect(COMMON_SECURITY_LOG_SYSTEM_COLUMNS.map((c) => c.name)).toEqual([
      '_BilledSize',
      '_IsBillable',
      '_ResourceId',
      '_SubscriptionId',
      'TenantId',
      'Type',
    ]);
    for (const n of names) expect(n.startsWith('_') || n === 'TenantId' || n === 'Type').toBe(false);
  });

  test('custom, flex, file, MAC and translated columns with their reference types', () => {
    const type = new Map(COMMON_SECURITY_LOG_COLUMNS.map((c) => [c.name, c.type]));
    for (let i = 1; i <= 6; i++)
      expect([type.get(`DeviceCustomString${i}`), type.get(`DeviceCustomString${i}Label`)]).toEqual([
        'string',
        'string',
      ]);
    for (let i = 1; i <= 3; i++) expect(type.get(`DeviceCustomNumber${i}`)).toBe('int');
    for (let i = 1; i <= 3; i++) expect(type.get(`FieldDeviceCustomNumber${i}`)).toBe('long');
    for (let i = 1; i <= 4; i++) expect(type.get(`DeviceCustomFloatingPoint${i}`)).toBe('real');
    for (let i = 1; i <= 4; i++) expect(type.get(`DeviceCustomIPv6Address${i}Label`)).toBe('string');
    expect(type.get('DeviceCustomDate2Label')).toBe('string');
    expect([type.get('FlexNumber2'), type.get('FlexDate1'), type.get('FlexString2Label')]).toEqual([
      'int',
      'string',
      'string',
    ]);
    expect([type.get('FileSize'), type.get('OldFileSize'), type.get('ReceivedBytes'), type.get('SentBytes')]).toEqual([
      'int',
      'int',
      'long',
      'long',
    ]);
    expect([type.get('StartTime'), type.get('EndTime'), type.get('TimeGenerated')]).toEqual([
      'datetime',
      'datetime',
      'datetime',
    ]);
    for (const n of [
      'SourceMACAddress',
      'DestinationMACAddress',
      'DeviceMacAddress',
      'DeviceExternalID',
      'RequestURL',
      'RequestMethod',
      'RequestContext',
      'SourceTranslatedAddress',
      'DestinationTranslatedAddress',
      'DeviceTranslatedAddress',
      'OldFileHash',
      'FilePermission',
    ])
      expect(type.get(n)).toBe('string');
    expect([type.get('SourceTranslatedPort'), type.get('DestinationTranslatedPort')]).toEqual(['int', 'int']);
  });

  test('dcr fix declares the whole table on Custom-OpenAma-CommonSecurityLog', () => {
    const dcr = {
      properties: {
        dataSources: {
          syslog: [{ name: 's', streams: ['Microsoft-CommonSecurityLog'], facilityNames: ['*'], logLevels: ['*'] }],
        },
        destinations: { logAnalytics: [{ name: 'la', workspaceResourceId: '/x' }] },
        dataFlows: [{ streams: ['Microsoft-CommonSecurityLog'], destinations: ['la'] }],
      },
    };
    const { dcr: fixed, added } = addCompanionDeclarations(dcr);
    expect(added).toEqual(['Custom-OpenAma-CommonSecurityLog']);
    const decl = (fixed as { properties: { streamDeclarations: Record<string, { columns: { name: string }[] }> } })
      .properties.streamDeclarations['Custom-OpenAma-CommonSecurityLog']!;
    expect(decl.columns.map((c) => c.name)).toEqual(names);
  });
});
