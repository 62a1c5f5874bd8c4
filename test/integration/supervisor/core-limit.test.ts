// No core dumps from the agent: the detached launcher starts the real supervisor through util-linux
// prlimit with core size 0 (soft and hard), and the collector it spawns inherits it — read from
// /proc/<pid>/limits. This test process raises its own limit first (as a shell with `ulimit -c
// unlimited` would), so the 0 cannot come from the environment the test runs in.
import { beforeAll, describe, expect, test } from '@jest/globals';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { SupervisorClient } from '../../../agent/supervisor/control/index.js';
import { useSupervisorFixture } from './fixture.js';

const fx = useSupervisorFixture('oa-sup-core-');

const coreLimit = (pid: number): string =>
  /^Max core file size\s+(\S+)\s+(\S+)/m
    .exec(readFileSync(`/proc/${pid}/limits`, 'utf8'))!
    .slice(1)
    .join('/');

beforeAll(() => {
  execFileSync('prlimit', ['--pid', String(process.pid), '--core=unlimited:unlimited']);
  expect(coreLimit(process.pid)).toBe('unlimited/unlimited');
});

describe('core dumps', () => {
  test('the supervisor and its collector run with core size 0 (soft and hard)', async () => {
    const m = fx.machine('scripted');
    const sup = await m.ensure();
    const client = new SupervisorClient(m.paths.controlSocket);
    expect((await client.applyConfig(1, 10_000)).ok).toBe(true);
    const col = (await client.status()).collector.pid!;
    expect(readFileSync(`/proc/${sup.pid}/cmdline`, 'utf8')).toContain('supervisor.mjs'); // prlimit exec'd node
    expect(coreLimit(sup.pid)).toBe('0/0');
    expect(coreLimit(col)).toBe('0/0');
  }, 60_000);
});
