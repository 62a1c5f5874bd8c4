// The README's main job: `open-ama harness run` on our ZIP installs and enables it with the embedded
// default, gets records on every default stream, and ends with disable + uninstall and no process left; the
// wait is counted down, the collected data is kept in .cache/harness/last-run/ where the output says, a
// next-steps line closes the run, and --json carries the collected data per stream.
import { describe, expect, test } from '@jest/globals';
import { readFile, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { execa } from 'execa';
import { packagedZip } from '../../support/packaged-zip.js';
import { REPO } from '../../support/collector-process.js';

describe('open-ama harness run', () => {
  test('succeeds with records from every default stream and leaves nothing running', async () => {
    const zip = await packagedZip();
    const r = await execa('sh', [path.join(REPO, 'bin/open-ama'), 'harness', 'run', '--zip', zip, '--duration', '15'], {
      reject: false,
      timeout: 240_000,
      env: { ...process.env, FORCE_COLOR: '0' },
    });
    expect({ exit: r.exitCode, tail: r.stdout.slice(-1500) }).toMatchObject({ exit: 0 });
    expect(r.stdout).toMatch(/data arrived on every default stream/);
    for (const stream of ['Microsoft-Perf', 'Microsoft-Syslog', 'Custom-HarnessText'])
      expect(r.stdout).toMatch(new RegExp(`${stream}: [1-9]\\d* record`));
    expect(r.stdout).toMatch(/✔ leak-check .*\n\s+no process left behind/);
    expect(r.stdout).toMatch(/harness: all steps succeeded/);
    // First run: the wait is announced and counted down (no terminal here: a plain line every ~10 s on stderr).
    expect(r.stdout).toMatch(/collecting data for 15 s — Ctrl-C to stop early/);
    expect(r.stderr).toMatch(/collecting data: 1[0-5] s left — Ctrl-C to stop early/);
    // The printed paths are the kept copies under .cache/harness/last-run/, and they exist after the run.
    const kept = path.join(REPO, '.cache/harness/last-run');
    expect(r.stdout).toContain(`kept in ${kept}`);
    const m = /Microsoft-Syslog: ([1-9]\d*) record\(s\) in (\S+)/.exec(r.stdout);
    expect(m?.[2]).toBe(path.join(kept, path.basename(m![2]!)));
    const lines = (await readFile(m![2]!, 'utf8')).split('\n').filter(Boolean);
    expect(lines.length).toBe(Number(m![1]));
    expect((await stat(kept)).mode & 0o777).toBe(0o700);
    expect(r.stdout).toMatch(/next steps: .*open-ama doctor.*docs\/troubleshooting\.md.*docs\/deploy\.md/);
  }, 300_000);

  test('--json: the collected data per stream (records, kept file, sample) and nothing else on stdout', async () => {
    const zip = await packagedZip();
    const r = await execa(
      'sh',
      [path.join(REPO, 'bin/open-ama'), 'harness', 'run', '--zip', zip, '--duration', '10', '--json'],
      { reject: false, timeout: 240_000 },
    );
    expect({ exit: r.exitCode, err: r.stderr.slice(-1500) }).toMatchObject({ exit: 0 });
    const out = JSON.parse(r.stdout) as {
      ok: boolean;
      keptIn: string;
      collected: { stream: string; records: number; file: string; sample: string[] }[];
    };
    expect(out.ok).toBe(true);
    for (const stream of ['Microsoft-Perf', 'Microsoft-Syslog', 'Custom-HarnessText']) {
      const c = out.collected.find((x) => x.stream === stream);
      expect(c).toMatchObject({ records: expect.any(Number), file: expect.stringContaining(out.keptIn) });
      expect(c!.records).toBeGreaterThan(0);
      expect(c!.sample.length).toBeGreaterThan(0);
      expect((await readFile(c!.file, 'utf8')).split('\n').filter(Boolean)).toHaveLength(c!.records);
    }
  }, 300_000);
});

describe('harness scenarios against our ZIP', () => {
  test('install → settings → reboot → update 0.1.0 → 0.1.1 → uninstall, all like the agent', async () => {
    const { SimulatedGuestAgent } = await import('../../../harness/guest-agent.js');
    const { defaultPublicSettings } = await import('../../../harness/default-settings.js');
    const { mkdtempSync, rmSync } = await import('node:fs');
    const os = await import('node:os');
    const root = mkdtempSync(path.join(os.tmpdir(), 'oa-harness-ours-'));
    try {
      const a = new SimulatedGuestAgent({
        root,
        name: 'OpenAma.Monitor.OpenAmaLinuxAgent',
        timeScale: 0.2,
        waitMs: 30_000,
        env: { PATH: process.env.PATH, OPEN_AMA_ROOT: root, OPEN_AMA_SYSLOG_PORT: '0' },
      });
      await a.load();
      a.state.publicSettings = defaultPublicSettings(root);
      a.state.protectedSettings = { proxy: { username: 'u', password: 'Harness-Secret-77' } };
      a.state.cipher = 'aes-256-cbc';
      expect(await a.install(await packagedZip(), '0.1.0')).toBe(true);
      expect(await a.changeSettings({ ...defaultPublicSettings(root), logLevel: 'debug' })).toBe(true);
      expect(await a.enable()).toBe(true); // reboot: same seq
      expect(await a.update(await packagedZip({ version: '0.1.1' }), '0.1.1')).toBe(true);
      expect(
        a.steps
          .filter((s) => s.operation !== 'wait-status')
          .map((s) => `${s.operation}@${s.version}`)
          .slice(-7),
      ).toEqual([
        'disable@0.1.0',
        'copy-state@0.1.1',
        'update@0.1.1',
        'uninstall@0.1.0',
        'delete-extdir@0.1.0',
        'install@0.1.1',
        'enable@0.1.1',
      ]);
      expect(a.steps.filter((s) => s.operation === 'enable').pop()).toMatchObject({ version: '0.1.1', ok: true });
      expect(await a.uninstall()).toBe(true);
      expect(a.steps.pop()).toMatchObject({ operation: 'leak-check', ok: true });
    } finally {
      const { processesUnder } = await import('../../../harness/leak-check.js');
      for (const p of processesUnder(root)) process.kill(p.pid, 'SIGKILL'); // only after a failed assertion
      rmSync(root, { recursive: true, force: true });
    }
  }, 300_000);
});
