// Enable → success time: the packaged extension ZIP driven like the guest agent (test/support/
// guest-agent-sim.ts): unpack, install, then time from the start of `enable` until <seq>.status says
// Enable/success (the handler validated settings, started supervisor + collector and the collector
// applied the DCR). Then disable + uninstall, so nothing is left running. The ZIP comes from
// test/support/packaged-zip.ts: packaged from the current dist/ bundles, cached by content hash (the
// first run after a code change spends ~30 s packaging, outside the measured time).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';

import { packagedZip } from '../test/support/packaged-zip.js';

import * as os from 'node:os';
import * as path from 'node:path';
import { installPackage, runOp, writeSettings } from '../test/support/guest-agent.js';

import { defaultPublicSettings } from '../harness/default-settings.js';

import { OPEN_AMA_VERSION } from '../agent/config/index.js';
import { freePort } from '../test/support/net.js';

export interface EnableTiming {
  /** Wall seconds from enable start to Enable/success in the status file. */
  enableToSuccessSeconds: number;
  /** Wall seconds of the enable command itself. */
  enableCommandSeconds: number;
}

function statusOf(statusFolder: string, seq: number): { operation?: string; status?: string } | undefined {
  try {
    const doc = JSON.parse(readFileSync(path.join(statusFolder, `${seq}.status`), 'utf8')) as {
      status: { operation?: string; status?: string };
    }[];
    return doc[0]?.status;
  } catch {
    return undefined;
  }
}

export async function measureEnableTime(): Promise<EnableTiming> {
  const zip = await packagedZip();
  const root = mkdtempSync(path.join(os.tmpdir(), 'oa-enable-'));
  const ext = await installPackage(root, zip, OPEN_AMA_VERSION);
  const env = { OPEN_AMA_SYSLOG_PORT: String(await freePort()) };
  try {
    writeSettings(ext, 0, defaultPublicSettings(root));
    const install = await runOp(ext, 'install', 0, env);
    if (install.exitCode !== 0)
      throw new Error(`install exited ${install.exitCode}: ${String(install.stderr).slice(0, 300)}`);
    const t0 = performance.now();
    const enable = runOp(ext, 'enable', 0, env);
    let success: number | undefined;
    const until = Date.now() + 120_000;
    while (Date.now() < until) {
      const st = statusOf(ext.statusFolder, 0);
      if (st?.operation === 'Enable' && (st.status === 'success' || st.status === 'error')) {
        if (st.status === 'error') throw new Error('enable ended in error');
        success = performance.now();
        break;
      }
      await new Promise((r) => setTimeout(r, 20));
    }
    const r = await enable;
    const commandEnd = performance.now();
    if (r.exitCode !== 0) throw new Error(`enable exited ${r.exitCode}: ${String(r.stderr).slice(0, 300)}`);
    if (success === undefined) throw new Error('no Enable/success status within 120 s');
    return { enableToSuccessSeconds: (success - t0) / 1000, enableCommandSeconds: (commandEnd - t0) / 1000 };
  } finally {
    await runOp(ext, 'disable', 0, env).catch(() => undefined);
    await runOp(ext, 'uninstall', 0, env).catch(() => undefined);
    rmSync(root, { recursive: true, force: true });
  }
}
