// The systemd unit written when systemd is PID 1 (on this machine it is not, so the detached path runs
// in the integration tests): limits, restart policy, and an ExecStart outside the extension directory.
import { describe, expect, test } from '@jest/globals';
import { renderUnitFile } from '../../../agent/supervisor/control/index.js';

describe('open-ama.service', () => {
  test('carries the resource limits, restarts on failure, runs from the install dir and passes OPEN_AMA_* env', () => {
    const unit = renderUnitFile({ nodePath: '/opt/open-ama/0.2.0/runtime/node', supervisorScript: '/opt/open-ama/0.2.0/dist/supervisor.mjs', limits: { cpuQuotaPercent: 75, memoryMaxMB: 300 }, env: { OPEN_AMA_LOG: 'x', EMPTY: '' } });
    expect(unit).toContain('ExecStart=/opt/open-ama/0.2.0/runtime/node --max-semi-space-size=1 --max-old-space-size=64 /opt/open-ama/0.2.0/dist/supervisor.mjs');
    expect(unit).not.toContain('/var/lib/waagent');
    expect(unit).toMatch(/^CPUQuota=75%$/m);
    expect(unit).toMatch(/^MemoryMax=300M$/m);
    expect(unit).toMatch(/^Restart=on-failure$/m);
    expect(unit).toMatch(/^KillMode=mixed$/m);
    expect(unit).toContain('Environment="OPEN_AMA_LOG=x"');
    expect(unit).not.toContain('EMPTY');
    expect(unit).toMatch(/\[Install\]\nWantedBy=multi-user.target/);
  });
});
