// The guest agent's update order (harness/update-sequence.ts), shared by the harness and the standalone shim:
// the order of commands, what each gets in its environment, the failure rules (continueOnUpdateFailure,
// FailedUpgrade), updateMode and a downgrade running A's updateCommand. Fake commands, real temp directories.
import { afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CommandResult, Operation } from '../../../harness/command-runner.js';
import { layoutFor, type ExtensionLayout, type HandlerManifest } from '../../../harness/layout.js';
import { runUpdateSequence, type CommandOutcome, type UpdatePorts } from '../../../harness/update-sequence.js';

let root: string;
let a: ExtensionLayout;
let b: ExtensionLayout;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'oa-update-seq-'));
  a = layoutFor(root, 'Test.Ext', '1.0.0');
  b = layoutFor(root, 'Test.Ext', '1.1.0');
  for (const l of [a, b]) for (const d of [l.configFolder, l.statusFolder]) mkdirSync(d, { recursive: true });
  writeFileSync(path.join(a.extDir, 'mrseq'), '4');
  writeFileSync(path.join(a.statusFolder, '4.status'), '[]');
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

interface Call {
  version: string;
  op: Operation | 'enable';
  env: Record<string, string>;
}

/** Ports recording every call; `fail` makes those commands exit 1 (or time out). */
function recorder(fail: Partial<Record<string, 'exit' | 'timeout'>> = {}) {
  const calls: Call[] = [];
  const states: string[] = [];
  const ports: UpdatePorts = {
    run: (l, op, env = {}) => {
      calls.push({ version: l.version, op, env });
      const how = fail[`${op}@${l.version}`];
      const result = {
        exitCode: how === 'exit' ? 1 : how === 'timeout' ? null : 0,
        timedOut: how === 'timeout',
      } as CommandResult;
      return Promise.resolve<CommandOutcome>({ ok: how === undefined, result });
    },
    enable: (l, env) => {
      calls.push({ version: l.version, op: 'enable', env });
      return Promise.resolve(true);
    },
    setState: (version, handlerState) => {
      states.push(`${handlerState}@${version}`);
      return Promise.resolve();
    },
    note: () => undefined,
  };
  return { calls, states, ports };
}

const order = (calls: Call[]) => calls.map((c) => `${c.op}@${c.version}`);

describe('the update order', () => {
  test('A disable → B update → A uninstall → B install → B enable; state copied, A deleted, exit codes passed on', async () => {
    const r = recorder();
    const ok = await runUpdateSequence({ from: a, to: b, toManifest: {}, enabled: true }, r.ports);
    expect(ok).toBe(true);
    expect(order(r.calls)).toEqual([
      'disable@1.0.0',
      'update@1.1.0',
      'uninstall@1.0.0',
      'install@1.1.0',
      'enable@1.1.0',
    ]);
    expect(r.calls[1]!.env).toEqual({
      VERSION: '1.1.0',
      AZURE_GUEST_AGENT_UPDATING_FROM_VERSION: '1.0.0',
      AZURE_GUEST_AGENT_DISABLE_CMD_EXIT_CODE: '0',
    });
    expect(r.calls[3]!.env).toEqual({ AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE: '0' });
    expect(r.calls[4]!.env).toEqual({ AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE: '0' });
    expect(readFileSync(path.join(b.extDir, 'mrseq'), 'utf8')).toBe('4');
    expect(existsSync(path.join(b.statusFolder, '4.status'))).toBe(true);
    expect(existsSync(a.extDir)).toBe(false);
    expect(r.states).toEqual(['Installed@1.0.0', 'NotInstalled@1.1.0', 'Installed@1.1.0']);
  });

  test('not enabled: no disable, and the update hears "None"', async () => {
    const r = recorder();
    await runUpdateSequence({ from: a, to: b, toManifest: {}, enabled: false }, r.ports);
    expect(order(r.calls)[0]).toBe('update@1.1.0');
    expect(r.calls[0]!.env.AZURE_GUEST_AGENT_DISABLE_CMD_EXIT_CODE).toBe('None');
  });

  test('a downgrade runs the installed (newer) version’s updateCommand', async () => {
    const r = recorder();
    await runUpdateSequence({ from: b, to: a, toManifest: {}, enabled: false }, r.ports);
    expect(r.calls[0]).toMatchObject({
      op: 'update',
      version: '1.1.0',
      env: { VERSION: '1.0.0', AZURE_GUEST_AGENT_UPDATING_FROM_VERSION: '1.0.0' },
    });
  });

  test('a failed disable stops the update unless continueOnUpdateFailure; a timeout is passed on as 1011', async () => {
    const stop = recorder({ 'disable@1.0.0': 'exit' });
    expect(await runUpdateSequence({ from: a, to: b, toManifest: {}, enabled: true }, stop.ports)).toBe(false);
    expect(order(stop.calls)).toEqual(['disable@1.0.0']);

    const go = recorder({ 'disable@1.0.0': 'timeout' });
    const manifest: HandlerManifest = { continueOnUpdateFailure: true };
    expect(await runUpdateSequence({ from: a, to: b, toManifest: manifest, enabled: true }, go.ports)).toBe(true);
    expect(go.calls[1]!.env.AZURE_GUEST_AGENT_DISABLE_CMD_EXIT_CODE).toBe('1011');
  });

  test('a failed update marks B FailedUpgrade, keeps A installed and runs nothing more', async () => {
    const r = recorder({ 'update@1.1.0': 'exit' });
    expect(await runUpdateSequence({ from: a, to: b, toManifest: {}, enabled: true }, r.ports)).toBe(false);
    expect(order(r.calls)).toEqual(['disable@1.0.0', 'update@1.1.0']);
    expect(readFileSync(path.join(b.configFolder, 'HandlerState'), 'utf8')).toBe('FailedUpgrade');
    expect(existsSync(a.extDir)).toBe(true);
    expect(r.states.at(-1)).toBe('Installed@1.0.0');
  });

  test('a failed uninstall: passed on to install/enable with continueOnUpdateFailure, else the update stops', async () => {
    const stop = recorder({ 'uninstall@1.0.0': 'exit' });
    expect(await runUpdateSequence({ from: a, to: b, toManifest: {}, enabled: true }, stop.ports)).toBe(false);
    expect(existsSync(a.extDir)).toBe(true);

    const go = recorder({ 'uninstall@1.0.0': 'exit' });
    const manifest: HandlerManifest = { continueOnUpdateFailure: 'true' };
    expect(await runUpdateSequence({ from: a, to: b, toManifest: manifest, enabled: true }, go.ports)).toBe(true);
    expect(go.calls.at(-1)!.env).toEqual({ AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE: '1' });
  });

  test('updateMode other than UpdateWithInstall skips B install', async () => {
    const r = recorder();
    await runUpdateSequence(
      { from: a, to: b, toManifest: { updateMode: 'UpdateWithoutInstall' }, enabled: true },
      r.ports,
    );
    expect(order(r.calls)).toEqual(['disable@1.0.0', 'update@1.1.0', 'uninstall@1.0.0', 'enable@1.1.0']);
  });

  test('a failed B install stops before enable, B left NotInstalled', async () => {
    const r = recorder({ 'install@1.1.0': 'exit' });
    expect(await runUpdateSequence({ from: a, to: b, toManifest: {}, enabled: true }, r.ports)).toBe(false);
    expect(order(r.calls).at(-1)).toBe('install@1.1.0');
    expect(r.states.at(-1)).toBe('NotInstalled@1.1.0');
  });
});
