// The systemd unit written when systemd is PID 1 (on this machine it is not, so the detached path runs
// in the integration tests): limits, restart policy, stop semantics, an ExecStart in the install dir
// outside the extension dir, and systemd's quoting/specifier escapes.
import { describe, expect, test } from '@jest/globals';
import { renderUnitFile, SUPERVISOR_MEMORY_HEADROOM_MB } from '../../../agent/supervisor/control/index.js';
import { systemdWord } from '../../../agent/supervisor/control/unit-file.js';

const base = {
  nodePath: '/opt/open-ama/0.2.0/runtime/node',
  supervisorScript: '/opt/open-ama/0.2.0/dist/supervisor.mjs',
  limits: { cpuQuotaPercent: 75, memoryMaxMB: 300 },
  env: {},
};

describe('open-ama.service', () => {
  test('runs the supervisor from the install dir with its V8 flags, CPUQuota, MemoryMax (watchdog limit + supervisor headroom), Restart=on-failure and KillMode=mixed', () => {
    const unit = renderUnitFile(base);
    expect(unit).toMatch(
      /^ExecStart=\/opt\/open-ama\/0\.2\.0\/runtime\/node --no-opt --no-maglev --max-semi-space-size=1 \/opt\/open-ama\/0\.2\.0\/dist\/supervisor\.mjs$/m,
    );
    expect(unit).not.toMatch(/waagent|\/var\/lib/);
    expect(unit).toMatch(/^Type=simple$/m);
    expect(unit).toMatch(/^CPUQuota=75%$/m);
    expect(unit).toMatch(new RegExp(`^MemoryMax=${300 + SUPERVISOR_MEMORY_HEADROOM_MB}M$`, 'm'));
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).toMatch(/^LimitCORE=0$/m);
    expect(unit).toMatch(/^TimeoutStopSec=60$/m);
    expect(unit).toMatch(/^StandardOutput=null$/m);
    expect(unit).toMatch(/\[Install\]\nWantedBy=multi-user.target/);
  });

  test('passes the environment as Environment= lines with systemd escapes and drops empty or malformed entries', () => {
    const unit = renderUnitFile({
      ...base,
      env: { OPEN_AMA_LOG: 'x', EMPTY: '', 'BAD-KEY': 'v', OPEN_AMA_PCT: '50%"q"', OPEN_AMA_NL: 'a\nb' },
    });
    expect(unit).toContain('Environment="OPEN_AMA_LOG=x"');
    expect(unit).toContain('Environment="OPEN_AMA_PCT=50%%\\"q\\""');
    expect(unit).not.toMatch(/EMPTY|BAD-KEY|OPEN_AMA_NL/);
  });

  test('quotes ExecStart words with spaces, %, $ and refuses relative paths', () => {
    expect(systemdWord('/opt/open-ama/1.0/runtime/node')).toBe('/opt/open-ama/1.0/runtime/node');
    expect(systemdWord('/opt/my dir/100%/$x')).toBe('"/opt/my dir/100%%/$$x"');
    expect(() => renderUnitFile({ ...base, nodePath: 'runtime/node' })).toThrow(/absolute paths/);
  });
});
