// Settings forward compatibility through the real handler binary from the packaged ZIP: settings with
// keys this version does not know (public and protected) and AMA's traceFlags enable successfully; the
// Enable status carries a `settings` warning substatus naming each ignored JSON path (with its "did you
// mean" hint, never a protected value), and it is still there once the supervisor rewrites the status.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import {
  encrypt,
  makeCertificate,
  processesMentioning,
  runOp,
  writeSettings,
  type ExtensionLayout,
} from '../../support/guest-agent.js';
import { usePackagedExtension } from '../../support/packaged-extension.js';

const SECRET = 'Sentinel-Future-Secret-7261';
const { installFresh } = usePackagedExtension('oa-fwd-');

interface Sub {
  name: string;
  status: string;
  formattedMessage: { message: string };
}
interface St {
  operation: string;
  status: string;
  code: number;
  substatus?: Sub[];
}
const statusOf = (ext: ExtensionLayout, seq: number): St =>
  (JSON.parse(readFileSync(path.join(ext.statusFolder, `${seq}.status`), 'utf8')) as { status: St }[])[0]!.status;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('unknown settings keys and traceFlags through the packaged handler', () => {
  test('enable succeeds with a settings warning substatus naming the ignored paths', async () => {
    const ext = await installFresh();
    const thumb = await makeCertificate(ext.libDir);
    writeSettings(
      ext,
      0,
      {
        traceFlags: '0x2',
        futureFeature: { enabled: true },
        proxy: { mode: 'none', adress: 'http://127.0.0.1:3128' },
        logLevel: 'info',
      },
      await encrypt(ext.libDir, thumb, { futureToken: SECRET }, 'aes256'),
      thumb,
    );
    try {
      expect((await runOp(ext, 'install', 0)).exitCode).toBe(0);
      const r = await runOp(ext, 'enable', 0);
      expect({ exit: r.exitCode, stderr: r.stderr.slice(-300) }).toMatchObject({ exit: 0 });
      const st = statusOf(ext, 0);
      expect(st).toMatchObject({ operation: 'Enable', status: 'success', code: 0 });
      const settings = st.substatus?.find((s) => s.name === 'settings');
      expect(settings).toMatchObject({ status: 'warning' });
      const message = settings!.formattedMessage.message;
      expect(message).toMatch(/ignored 3 unknown setting\(s\)/);
      expect(message).toContain('futureFeature');
      expect(message).toContain('proxy.adress (did you mean "address"?)');
      expect(message).toContain('protectedSettings.futureToken');
      expect(message).not.toMatch(/traceFlags/);
      expect(readFileSync(path.join(ext.logFolder, 'handler.log'), 'utf8')).toMatch(/settings: ignored 3 unknown/);

      // The supervisor takes the status over (its substatus list starts with `collector`) and keeps the warning.
      let supervised: St | undefined;
      for (let i = 0; i < 150 && !supervised; i++) {
        const now = statusOf(ext, 0);
        if (now.substatus?.some((s) => s.name === 'collector')) supervised = now;
        else await sleep(500);
      }
      expect(supervised?.substatus?.find((s) => s.name === 'settings')?.formattedMessage.message).toBe(message);
      expect(readFileSync(path.join(ext.statusFolder, '0.status'), 'utf8')).not.toContain(SECRET);
    } finally {
      await runOp(ext, 'disable', 0);
      await runOp(ext, 'uninstall', 0);
    }
    expect(processesMentioning(ext.root).filter((p) => !p.includes('jest'))).toEqual([]);
  }, 180_000);
});
