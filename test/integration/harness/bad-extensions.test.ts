// The harness against purpose-built misbehaving extensions: each failure is reported as docs/guest-agent-protocol.md
// says the agent would (agent error codes, status interpretation, timeout kill, leaked processes).
import { afterAll, describe, expect, test } from '@jest/globals';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { SimulatedGuestAgent } from '../../../harness/guest-agent.js';
import { processesUnder } from '../../../harness/leak-check.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) {
    for (const p of processesUnder(d)) process.kill(p.pid, 'SIGKILL');
    rmSync(d, { recursive: true, force: true });
  }
});

function badZip(behavior: string, version = '1.0.0', manifest: Record<string, unknown> = {}): string {
  const d = mkdtempSync(path.join(os.tmpdir(), 'oa-bad-ext-'));
  dirs.push(d);
  mkdirSync(path.join(d, 'pkg/bin'), { recursive: true });
  copyFileSync(path.resolve('test/fixtures/bad-extensions/handler.sh'), path.join(d, 'pkg/bin/handler.sh'));
  writeFileSync(path.join(d, 'pkg/behavior'), behavior);
  const cmds = Object.fromEntries(
    ['install', 'enable', 'disable', 'update', 'uninstall'].map((op) => [`${op}Command`, `bin/handler.sh ${op}`]),
  );
  writeFileSync(
    path.join(d, 'pkg/HandlerManifest.json'),
    JSON.stringify([
      {
        version: 1.0,
        handlerManifest: {
          ...cmds,
          reportHeartbeat: false,
          updateMode: 'UpdateWithInstall',
          continueOnUpdateFailure: false,
          ...manifest,
        },
      },
    ]),
  );
  const zip = path.join(d, `bad-${version}.zip`);
  execFileSync('zip', ['-qr', zip, '.'], { cwd: path.join(d, 'pkg') });
  return zip;
}

function agent(): SimulatedGuestAgent {
  const root = mkdtempSync(path.join(os.tmpdir(), 'oa-harness-'));
  dirs.push(root);
  return new SimulatedGuestAgent({
    root,
    name: 'Test.Bad',
    timeScale: 0.005,
    waitMs: 1500,
    env: { PATH: process.env.PATH },
  });
}

describe('harness reports misbehaving extensions like the agent', () => {
  test('install exits non-zero: agent error 1007 with the captured output, and enable is never run', async () => {
    const a = agent();
    await a.load();
    expect(await a.install(badZip('install=exit-nonzero'), '1.0.0')).toBe(false);
    const step = a.steps.find((s) => s.operation === 'install')!;
    expect(step.result).toMatchObject({ exitCode: 7, agentErrorCode: 1007 });
    expect(step.result!.message).toMatch(
      /^Non-zero exit code: 7, .*bin\/handler.sh install\n\[stdout\]\n\n\n\[stderr\]\nfatal: cannot do install/,
    );
    expect(a.steps.some((s) => s.operation === 'enable')).toBe(false);
    expect(a.state.handlerState).toBe('NotInstalled');
  });

  test('no status file → transitioning with the agent message; then no terminal status within the wait', async () => {
    const a = agent();
    await a.load();
    expect(await a.install(badZip('install=no-status\nenable=no-status'), '1.0.0')).toBe(false);
    const wait = a.steps.find((s) => s.operation === 'wait-status')!;
    expect(wait.status).toMatchObject({
      status: 'transitioning',
      message: expect.stringMatching(/no status file was reported by extension Test.Bad/),
    });
    expect(wait.note).toMatch(/no terminal status/);
  });

  test.each([
    ['invalid-json', { status: 'error', code: 1012 }, /incorrect format/],
    ['capitalised', { status: 'error' }, /not lower-case/],
    ['old-keys', { status: 'error', code: 1012 }, /formattedMessage must have lang and message/],
    ['error-status', { status: 'error', code: 53 }, /bad settings/],
  ])('status %s is read as the agent does', async (behavior, expected, why) => {
    const a = agent();
    await a.load();
    await a.install(badZip(`enable=${behavior}`), '1.0.0');
    const st = a.steps.filter((s) => s.status).pop()!.status!;
    expect(st).toMatchObject(expected);
    expect(`${st.message} ${st.problem ?? ''}`).toMatch(why);
  });

  test('a command past its (scaled) timeout is SIGKILLed with its process group: agent error 1011, Timeout(<s>)', async () => {
    const a = agent();
    await a.load();
    expect(await a.install(badZip('install=sleep'), '1.0.0')).toBe(false);
    const r = a.steps.find((s) => s.operation === 'install')!.result!;
    expect(r).toMatchObject({ timedOut: true, agentErrorCode: 1011, exitCode: null });
    expect(r.message).toMatch(/^Timeout\(\d+\): .*handler.sh install/);
  });

  test('a daemon left behind after uninstall is reported as a leak', async () => {
    const a = agent();
    await a.load();
    expect(await a.install(badZip('enable=daemon'), '1.0.0')).toBe(true);
    expect(await a.uninstall()).toBe(false);
    expect(a.steps.find((s) => s.operation === 'leak-check')).toMatchObject({
      ok: false,
      note: expect.stringMatching(/processes left behind: \d+ sleep 300/),
    });
  });

  test('update where the new version fails its update command: FailedUpgrade, old version disabled but installed', async () => {
    const a = agent();
    await a.load();
    expect(await a.install(badZip(''), '1.0.0')).toBe(true);
    expect(await a.update(badZip('update=exit-nonzero', '1.1.0'), '1.1.0')).toBe(false);
    const ops = a.steps.map((s) => `${s.operation}@${s.version}`);
    expect(ops).toEqual([
      'install@1.0.0',
      'enable@1.0.0',
      'wait-status@1.0.0',
      'disable@1.0.0',
      'copy-state@1.1.0',
      'update@1.1.0',
    ]);
    expect(a.state).toMatchObject({ version: '1.0.0', handlerState: 'Installed' });
  });

  test('old version disable fails and the new manifest has continueOnUpdateFailure false: the update stops', async () => {
    const a = agent();
    await a.load();
    expect(await a.install(badZip('disable=exit-nonzero'), '1.0.0')).toBe(true);
    expect(await a.update(badZip('', '1.1.0'), '1.1.0')).toBe(false);
    expect(a.steps.map((s) => s.operation).slice(3)).toEqual(['disable']);
  });
});
