// The daemon forwards exactly the union of the DCRs' facility × level SETS: thresholds where the set is
// one, "=level" lists where it is not, facilities grouped, facilities 13–15 by number.
import { describe, expect, test } from '@jest/globals';
import {
  rsyslogSelector,
  syslogNgFilterExpression,
  unionOf,
} from '../../../../../agent/collector/sources/syslog/daemon-config/selectors.js';
import { renderRsyslogConfig } from '../../../../../agent/collector/sources/syslog/daemon-config/rsyslog.js';
import {
  detectSyslogNgSource,
  includesConfD,
} from '../../../../../agent/collector/sources/syslog/daemon-config/syslog-ng.js';

const atLeast = (level: string): string[] =>
  ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Info', 'Debug'].slice(
    0,
    ['Emergency', 'Alert', 'Critical', 'Error', 'Warning', 'Notice', 'Info', 'Debug'].indexOf(level) + 1,
  );

describe('rsyslog selector', () => {
  test.each([
    [
      'auth+authpriv all, daemon ≥ warning',
      [
        { facilities: ['auth', 'authpriv'], levels: ['*'] },
        { facilities: ['daemon'], levels: atLeast('Warning') },
      ],
      'daemon.warning;auth,authpriv.*',
    ],
    ['everything', [{ facilities: ['*'], levels: ['*'] }], '*.*'],
    ['all facilities ≥ info (portal "minimum level")', [{ facilities: ['*'], levels: atLeast('Info') }], '*.info'],
    [
      'a set that is not a threshold',
      [{ facilities: ['local4'], levels: ['Info', 'Error'] }],
      'local4.=err;local4.=info',
    ],
    [
      'union of two DCRs on one facility',
      [
        { facilities: ['local4'], levels: ['Error'] },
        { facilities: ['local4'], levels: ['Info'] },
      ],
      'local4.=err;local4.=info',
    ],
    [
      'overlapping thresholds merge',
      [
        { facilities: ['kern', 'user'], levels: atLeast('Error') },
        { facilities: ['user'], levels: atLeast('Notice') },
      ],
      'kern.err;user.notice',
    ],
    ['mark is kept, nopri is implied by user', [{ facilities: ['mark', 'nopri'], levels: ['*'] }], 'mark.*'],
  ])('%s', (_n, selectors, expected) => {
    expect(rsyslogSelector(unionOf(selectors))).toBe(expected);
  });

  test('facilities rsyslog cannot name (audit, alert, clock) are matched by number around prifilt()', () => {
    const text = renderRsyslogConfig(unionOf([{ facilities: ['audit', 'auth'], levels: atLeast('Warning') }]), 28330);
    expect(text).toContain('if prifilt("auth.warning") or (($syslogfacility == 13) and ($syslogseverity <= 4)) then {');
    expect(text).toContain('target="127.0.0.1" port="28330" protocol="tcp"');
  });

  test('the drop-in has the disk-assisted queue that retries forever', () => {
    const text = renderRsyslogConfig(unionOf([{ facilities: ['*'], levels: ['*'] }]), 1234);
    for (const s of [
      '*.* action(type="omfwd"',
      'queue.type="LinkedList"',
      'queue.filename="omfwd-open-ama"',
      'action.resumeRetryCount="-1"',
      'port="1234"',
      'TCP_Framing="octet-counted"',
    ])
      expect(text).toContain(s);
  });
});

describe('syslog-ng', () => {
  test('filter expression groups facilities by level set', () => {
    expect(
      syslogNgFilterExpression(
        unionOf([
          { facilities: ['auth', 'authpriv'], levels: ['*'] },
          { facilities: ['daemon'], levels: atLeast('Warning') },
          { facilities: ['clock'], levels: ['Info', 'Error'] },
        ]),
      ),
    ).toBe(
      '(facility(daemon) and level(emerg..warning)) or facility(auth, authpriv) or ("${FACILITY_NUM}" == "15" and level(err, info))',
    );
  });

  test('the source is read from the main configuration (Debian s_src, Red Hat s_sys)', () => {
    expect(
      detectSyslogNgSource(
        '@version: 3.38\nsource s_src {\n  system();\n  internal();\n};\nsource s_net { tcp(port(514)); };',
      ),
    ).toBe('s_src');
    expect(detectSyslogNgSource('source s_sys { system(); internal(); };')).toBe('s_sys');
    expect(detectSyslogNgSource('source local { unix-dgram("/dev/log"); };')).toBe('local');
    expect(detectSyslogNgSource('# source s_src { system(); };\nsource s_net { tcp(); };')).toBeUndefined();
    expect(includesConfD('@include "/etc/syslog-ng/conf.d/*.conf"\n', '/etc/syslog-ng/conf.d')).toBe(true);
    expect(includesConfD('@include "scl.conf"\n', '/etc/syslog-ng/conf.d')).toBe(false);
  });
});
