// The README's main job: `open-ama harness run` on our ZIP installs and enables it with the embedded
// default, gets records on every default stream, and ends with disable + uninstall and no process left.
import { describe, expect, test } from '@jest/globals';
import * as path from 'node:path';
import { execa } from 'execa';
import { packagedZip } from '../../helpers/packaged-zip.js';
import { REPO } from '../../helpers/collector-process.js';

describe('open-ama harness run', () => {
  test('succeeds with records from every default stream and leaves nothing running', async () => {
    const zip = await packagedZip();
    const r = await execa('sh', [path.join(REPO, 'bin/open-ama'), 'harness', 'run', '--zip', zip, '--duration', '15'], { reject: false, timeout: 240_000, env: { ...process.env, FORCE_COLOR: '0' } });
    expect({ exit: r.exitCode, tail: r.stdout.slice(-1500) }).toMatchObject({ exit: 0 });
    expect(r.stdout).toMatch(/data arrived on every default stream/);
    for (const stream of ['Microsoft-Perf', 'Microsoft-Syslog', 'Custom-HarnessText']) expect(r.stdout).toMatch(new RegExp(`${stream}: [1-9]\\d* record`));
    expect(r.stdout).toMatch(/✔ leak-check .*\n\s+no process left behind/);
    expect(r.stdout).toMatch(/harness: all steps succeeded/);
  }, 300_000);
});
