// The driver (handler/driver.ts) against a temp dir and a fake supervisor (ctx.supervisor): the terminal
// status is on disk before a non-zero exit code is returned, an operation that outlives its time budget
// ends as an error status instead of being killed by the guest agent, the sequence-number fallback picks
// the newest settings file and says so, and enable drives the supervisor through the interface only.
import { afterAll, describe, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runOperation } from '../../../handler/driver.js';
import type { OperationName } from '../../../handler/context.js';
import type { SupervisorControl } from '../../../handler/supervisor.js';
import type { ApplyResult, SupervisorStatus } from '../../../agent/supervisor/control/index.js';

const roots: string[] = [];
afterAll(() => {
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

interface Sandbox {
  root: string;
  extDir: string;
  configFolder: string;
  statusFolder: string;
  distDir: string;
  nodePath: string;
  env: NodeJS.ProcessEnv;
}

function sandbox(): Sandbox {
  const root = mkdtempSync(path.join(os.tmpdir(), 'oa-driver-'));
  roots.push(root);
  const extDir = path.join(root, 'ext');
  const configFolder = path.join(extDir, 'config');
  const statusFolder = path.join(extDir, 'status');
  const logFolder = path.join(root, 'log');
  const distDir = path.join(extDir, 'dist');
  for (const d of [configFolder, statusFolder, logFolder, distDir, path.join(extDir, 'runtime')])
    mkdirSync(d, { recursive: true });
  for (const b of ['supervisor.mjs', 'collector.mjs']) writeFileSync(path.join(distDir, b), '// bundle\n');
  const nodePath = path.join(extDir, 'runtime', 'node');
  writeFileSync(nodePath, '#!/bin/sh\n');
  writeFileSync(
    path.join(extDir, 'HandlerEnvironment.json'),
    JSON.stringify([
      {
        name: 'OpenAma.Monitor.OpenAmaLinuxAgent',
        version: 1.0,
        handlerEnvironment: {
          logFolder,
          configFolder,
          statusFolder,
          heartbeatFile: path.join(extDir, 'heartbeat.log'),
        },
      },
    ]),
  );
  return {
    root,
    extDir,
    configFolder,
    statusFolder,
    distDir,
    nodePath,
    env: { OPEN_AMA_ROOT: path.join(root, 'sysroot'), OPEN_AMA_MIN_FREE_MB: '1', PATH: process.env.PATH },
  };
}

function writeSettings(sb: Sandbox, seq: number, publicSettings: unknown): void {
  writeFileSync(
    path.join(sb.configFolder, `${seq}.settings`),
    JSON.stringify({ runtimeSettings: [{ handlerSettings: { publicSettings } }] }),
  );
}

interface StatusDoc {
  status: string;
  code: number;
  operation: string;
  formattedMessage: { message: string };
  substatus?: { name: string; status: string; formattedMessage: { message: string } }[];
}

function statusOf(sb: Sandbox, seq: number): StatusDoc {
  return (JSON.parse(readFileSync(path.join(sb.statusFolder, `${seq}.status`), 'utf8')) as { status: StatusDoc }[])[0]!
    .status;
}

/** A supervisor that records its calls; each method's behaviour can be replaced per test. */
class FakeSupervisor implements SupervisorControl {
  calls: string[] = [];
  applied?: number;
  stopImpl: () => Promise<{ wasRunning: boolean }> = async () => ({ wasRunning: true });
  async ensureRunning(o: { version: string }) {
    this.calls.push(`ensureRunning ${o.version}`);
    return { started: true, pid: 4242, mode: 'detached' as const, version: o.version };
  }
  async stop() {
    this.calls.push('stop');
    return this.stopImpl();
  }
  async applyConfig(seq: number): Promise<ApplyResult> {
    this.calls.push(`applyConfig ${seq}`);
    this.applied = seq;
    return { ok: true, hot: false, configVersion: seq };
  }
  async status(): Promise<SupervisorStatus> {
    this.calls.push('status');
    if (this.applied === undefined) throw new Error('not running');
    return {
      version: '9.9.9',
      pid: 4242,
      collector: { state: 'running', restarts: 0 },
      appliedConfigVersion: this.applied,
      health: { configVersion: this.applied } as SupervisorStatus['health'],
    };
  }
}

function run(sb: Sandbox, operation: OperationName, fake: FakeSupervisor, env: NodeJS.ProcessEnv = {}) {
  return runOperation({
    operation,
    cwd: sb.extDir,
    env: { ...sb.env, ...env },
    layout: { extDir: sb.extDir, nodePath: sb.nodePath, distDir: sb.distDir },
    version: '9.9.9',
    supervisor: () => fake,
  });
}

describe('handler driver with a fake supervisor', () => {
  test('disable stops the supervisor through ctx.supervisor and writes a success status', async () => {
    const sb = sandbox();
    const fake = new FakeSupervisor();
    expect(await run(sb, 'disable', fake, { ConfigSequenceNumber: '4' })).toBe(0);
    expect(fake.calls).toEqual(['stop']);
    expect(statusOf(sb, 4)).toMatchObject({
      operation: 'Disable',
      status: 'success',
      formattedMessage: { message: expect.stringMatching(/open-ama stopped/) },
    });
  });

  test('a failing supervisor stop: the error status with its reason is written before exit code 1 is returned', async () => {
    const sb = sandbox();
    const fake = new FakeSupervisor();
    fake.stopImpl = async () => {
      throw new Error('control socket refused the stop');
    };
    expect(await run(sb, 'disable', fake, { ConfigSequenceNumber: '2' })).toBe(1);
    expect(statusOf(sb, 2)).toMatchObject({
      status: 'error',
      code: 1,
      formattedMessage: { message: expect.stringMatching(/^Disable failed: .*control socket refused the stop/) },
    });
  });

  test('invalid settings: exit 53 returned only after the error status naming the path is written', async () => {
    const sb = sandbox();
    writeSettings(sb, 0, { diskQuotaMB: 'lots' });
    const fake = new FakeSupervisor();
    expect(await run(sb, 'enable', fake, { ConfigSequenceNumber: '0' })).toBe(53);
    expect(statusOf(sb, 0)).toMatchObject({
      status: 'error',
      code: 53,
      formattedMessage: { message: expect.stringMatching(/diskQuotaMB: must be integer/) },
    });
    expect(fake.calls).toEqual([]);
  });

  test('an operation that outlives its time budget ends as an error status, not as a kill', async () => {
    const sb = sandbox();
    const fake = new FakeSupervisor();
    fake.stopImpl = () => new Promise(() => undefined); // never answers
    // Disable's budget is 80 % of 900 s; the scale shrinks it to ~36 ms.
    const code = await run(sb, 'disable', fake, { ConfigSequenceNumber: '7', OPEN_AMA_TIME_SCALE: '0.00005' });
    expect(code).toBe(1);
    expect(statusOf(sb, 7)).toMatchObject({
      status: 'error',
      formattedMessage: { message: expect.stringMatching(/disable did not finish within its time budget/) },
    });
  });

  test('non-numeric ConfigSequenceNumber: the newest settings file by mtime wins and a warning substatus says so', async () => {
    const sb = sandbox();
    writeSettings(sb, 5, {});
    writeSettings(sb, 3, {});
    const older = new Date(Date.now() - 60_000);
    utimesSync(path.join(sb.configFolder, '5.settings'), older, older);
    const fake = new FakeSupervisor();
    expect(await run(sb, 'disable', fake, { ConfigSequenceNumber: 'x7' })).toBe(0);
    const st = statusOf(sb, 3);
    expect(st.status).toBe('success');
    expect(st.substatus).toEqual([
      expect.objectContaining({
        name: 'SequenceNumber',
        status: 'warning',
        formattedMessage: expect.objectContaining({ message: expect.stringMatching(/"x7" .*using 3/) }),
      }),
    ]);
  });

  test('no ConfigSequenceNumber and no settings file: exit 53 with the error in 0.status', async () => {
    const sb = sandbox();
    const fake = new FakeSupervisor();
    expect(await run(sb, 'disable', fake)).toBe(53);
    expect(statusOf(sb, 0)).toMatchObject({
      status: 'error',
      code: 53,
      formattedMessage: { message: expect.stringMatching(/ConfigSequenceNumber is not set/) },
    });
    expect(fake.calls).toEqual([]);
  });

  test('enable applies through the fake supervisor, records enabled-state, and a repeated enable is a no-op', async () => {
    const sb = sandbox();
    writeSettings(sb, 1, { logLevel: 'debug' });
    const fake = new FakeSupervisor();
    expect(await run(sb, 'enable', fake, { ConfigSequenceNumber: '1' })).toBe(0);
    expect(fake.calls).toEqual(['ensureRunning 9.9.9', 'applyConfig 1']);
    expect(statusOf(sb, 1)).toMatchObject({
      status: 'success',
      formattedMessage: { message: /configuration 1 applied/ },
    });
    const stateFile = path.join(sb.root, 'sysroot/var/opt/open-ama/enabled-state.json');
    expect(JSON.parse(readFileSync(stateFile, 'utf8'))).toMatchObject({ seq: 1, version: '9.9.9' });
    expect(statSync(stateFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(path.join(sb.extDir, 'mrseq'), 'utf8')).toBe('1');

    fake.calls = [];
    expect(await run(sb, 'enable', fake, { ConfigSequenceNumber: '1' })).toBe(0);
    expect(fake.calls).toEqual(['status']);
    expect(statusOf(sb, 1).formattedMessage.message).toMatch(/running configuration 1 \(unchanged\)/);
  });
});
