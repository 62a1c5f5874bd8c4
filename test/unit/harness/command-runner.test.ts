// The command runner the harness and the standalone shim (as root, on real machines) run handler commands
// with: the command's output is captured in fresh, unpredictably named 0600 files that are removed afterwards,
// so a file or symlink planted in the extension directory is never written through.
import { afterEach, beforeEach, expect, test } from '@jest/globals';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCommand } from '../../../harness/command-runner.js';
import { layoutFor, type ExtensionLayout } from '../../../harness/layout.js';

let root: string;
let l: ExtensionLayout;

beforeEach(() => {
  root = mkdtempSync(path.join(os.tmpdir(), 'oa-cmd-runner-'));
  l = layoutFor(root, 'Test.Ext', '1.0.0');
  mkdirSync(l.extDir, { recursive: true });
  writeFileSync(
    path.join(l.extDir, 'run.sh'),
    '#!/bin/sh\necho "to stdout $ConfigSequenceNumber"\necho to stderr >&2\n',
    {
      mode: 0o755,
    },
  );
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

test('output is captured, and symlinks planted under the capture names a run would once have used are not followed', async () => {
  const victim = path.join(root, 'victim');
  writeFileSync(victim, 'untouched');
  for (const ext of ['out', 'err']) symlinkSync(victim, path.join(l.extDir, `.harness-install-${process.pid}.${ext}`));
  const r = await runCommand({
    layout: l,
    operation: 'install',
    commandLine: 'run.sh',
    seq: 3,
    baseEnv: { PATH: '/usr/bin:/bin' },
  });
  expect(r.exitCode).toBe(0);
  expect(r.stdout).toBe('to stdout 3\n');
  expect(r.stderr).toBe('to stderr\n');
  expect(readFileSync(victim, 'utf8')).toBe('untouched');
  // No capture file of this run is left behind (the planted links are all that remains).
  expect(
    readdirSync(l.extDir)
      .filter((f) => f.startsWith('.harness-'))
      .sort(),
  ).toEqual([`.harness-install-${process.pid}.err`, `.harness-install-${process.pid}.out`]);
});
