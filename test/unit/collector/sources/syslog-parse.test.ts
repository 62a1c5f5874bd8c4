// Syslog parsing from real-world lines (rsyslog forwarding template, RFC 5424, CEF, Cisco ASA) and a
// fuzz test: the parser never throws and always yields the Syslog columns.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { parseMessage as parseSyslog } from '../../../../agent/collector/sources/syslog/index.js';
import { parseCef } from '../../../../agent/collector/sources/syslog/cef.js';
import { pidOf } from '../../../../agent/collector/sources/syslog/header.js';

const now = new Date('2026-11-25T12:00:00Z');
const ctx = { computer: 'collector-vm', now };

describe('syslog parsing', () => {
  test.each([
    [
      '<38>Nov 25 10:15:01 web01 sshd[812]: Accepted publickey for alice from 10.0.0.4 port 52144 ssh2',
      {
        Facility: 'auth',
        SeverityLevel: 'info',
        HostName: 'web01',
        ProcessName: 'sshd',
        ProcessID: 812,
        SyslogMessage: 'Accepted publickey for alice from 10.0.0.4 port 52144 ssh2',
      },
    ],
    [
      '<30>Nov  5 08:00:00 db1 systemd: Started Session 7.',
      {
        Facility: 'daemon',
        SeverityLevel: 'info',
        HostName: 'db1',
        ProcessName: 'systemd',
        ProcessID: null,
        SyslogMessage: 'Started Session 7.',
      },
    ],
    [
      '<11>2024-10-29T18:28:34.123+00:00 app7 kernel: EXT4-fs error',
      {
        Facility: 'user',
        SeverityLevel: 'err',
        HostName: 'app7',
        ProcessName: 'kernel',
        EventTime: '2024-10-29T18:28:34.123Z',
      },
    ],
    [
      '<166>Nov 25 10:00:00 asa01 %ASA-6-302013: Built outbound TCP connection',
      {
        Facility: 'local4',
        SeverityLevel: 'info',
        HostName: 'asa01',
        ProcessName: '%ASA-6-302013',
        SyslogMessage: 'Built outbound TCP connection',
      },
    ],
    [
      '<13>cron[99]: no hostname here',
      {
        Facility: 'user',
        SeverityLevel: 'notice',
        HostName: 'collector-vm',
        ProcessName: 'cron',
        ProcessID: 99,
        SyslogMessage: 'no hostname here',
      },
    ],
    [
      '<165>1 2003-10-11T22:14:15.003Z mymachine.example.com evntslog 1234 ID47 [exampleSDID@32473 iut="3" eventSource="App\\]lication"] \uFEFFAn application event',
      {
        Facility: 'local4',
        SeverityLevel: 'notice',
        HostName: 'mymachine.example.com',
        ProcessName: 'evntslog',
        ProcessID: 1234,
        SyslogMessage: 'An application event',
        EventTime: '2003-10-11T22:14:15.003Z',
      },
    ],
    [
      '<34>1 2026-11-25T10:00:00Z - - - - - nil everything',
      {
        Facility: 'auth',
        SeverityLevel: 'crit',
        HostName: 'collector-vm',
        ProcessName: '',
        ProcessID: null,
        SyslogMessage: 'nil everything',
      },
    ],
  ])('%s', (line, expected) => {
    const p = parseSyslog(line, ctx);
    expect(p.record).toMatchObject({ Computer: 'collector-vm', CollectorHostName: 'collector-vm', ...expected });
  });

  test('RFC 3164 timestamps in the "future" belong to last year (December logs read in January)', () => {
    const p = parseSyslog('<13>Dec 31 23:59:59 h app: x', { computer: 'c', now: new Date('2027-01-01T00:00:05') });
    expect(String(p.record.EventTime)).toMatch(/^2026-12-31/);
  });

  test('CEF header and extension map to CommonSecurityLog columns, unknown keys to AdditionalExtensions', () => {
    const p = parseSyslog(
      '<134>Nov 25 10:00:00 fw1 CEF:0|Palo Alto Networks|PAN-OS|10.1|TRAFFIC|end|3|src=10.1.1.1 spt=5555 dst=8.8.8.8 dpt=53 act=allow msg=hello world cs1=rule\\=1 foo=bar',
      ctx,
    );
    expect(p.cef).toMatchObject({
      DeviceVendor: 'Palo Alto Networks',
      DeviceProduct: 'PAN-OS',
      DeviceVersion: '10.1',
      DeviceEventClassID: 'TRAFFIC',
      Activity: 'end',
      LogSeverity: '3',
      SourceIP: '10.1.1.1',
      SourcePort: 5555,
      DestinationIP: '8.8.8.8',
      DestinationPort: 53,
      DeviceAction: 'allow',
      Message: 'hello world',
      DeviceCustomString1: 'rule=1',
      AdditionalExtensions: 'foo=bar',
      Computer: 'fw1',
    });
    expect(parseCef('CEF:0|a\\|b|p|1|id|n|9|', { computer: 'c', host: '', time: now })).toMatchObject({
      DeviceVendor: 'a|b',
      LogSeverity: '9',
    });
  });

  test('fuzz: arbitrary input never throws and yields the Syslog columns', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (s) => {
        const p = parseSyslog(s, ctx);
        expect(typeof p.record.SyslogMessage).toBe('string');
        expect(typeof p.facility).toBe('string');
        expect(p.severity).toBeGreaterThanOrEqual(0);
      }),
      { numRuns: 2000 },
    );
  });
  test('property: the PRI is what /^<(\\d{1,3})>/ reads — value ≤ 191 taken, above it bad_pri, else no_pri (user.notice)', () => {
    const PRI = /^<(\d{1,3})>/;
    const head = fc.stringMatching(/^<?[0-9]{0,4}>?/);
    const tail = fc.constantFrom(
      '',
      ' ',
      'Dec  3 05:00:01 host app: m',
      '1 2026-12-03T05:00:01Z h a - - - m',
      '>x',
      '٣>',
    );
    fc.assert(
      fc.property(head, tail, (h, t) => {
        const text = h + t;
        const p = parseSyslog(text, { computer: 'c', now: new Date(0), security: false });
        const m = PRI.exec(text);
        const ok = m !== null && Number(m[1]) <= 191;
        const pri = ok ? Number(m[1]) : 13;
        expect([p.hasPri, p.facilityCode, p.severity]).toEqual([ok, pri >> 3, pri & 7]);
        expect(p.problems.includes('bad_pri')).toBe(m !== null && !ok);
        expect(p.problems.includes('no_pri')).toBe(m === null);
      }),
      { numRuns: 2000 },
    );
  });
  test('property: pidOf takes 1–10 ASCII digits within int32, nothing else', () => {
    const reference = (x: string | undefined): number | null =>
      !x || x.length > 10 || !/^\d+$/.test(x) || Number(x) > 2_147_483_647 ? null : Number(x);
    fc.assert(
      fc.property(fc.oneof(fc.stringMatching(/^[0-9]{0,12}$/), fc.string(), fc.constant(undefined)), (x) =>
        expect(pidOf(x)).toBe(reference(x)),
      ),
      { numRuns: 2000 },
    );
    expect([pidOf('٣'), pidOf('2147483647'), pidOf('2147483648'), pidOf('0012')]).toEqual([null, 2147483647, null, 12]);
  });
});
// TCP framing is covered by test/unit/collector/sources/syslog/ (the listener's own tests).
