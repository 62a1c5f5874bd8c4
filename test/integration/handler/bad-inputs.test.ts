// Bad inputs (issue acceptance): each gives the documented exit code, an error status file with a
// specific message, a log line — and no secret in any log, status file, event or process argument.
import { describe, expect, test } from '@jest/globals';
import { chmodSync, readFileSync, rmSync, writeFileSync, readdirSync, existsSync } from 'node:fs';
import * as path from 'node:path';
import { encrypt, makeCertificate, runOp, writeSettings, type ExtensionLayout } from '../../support/guest-agent.js';
import { usePackagedExtension } from '../../support/packaged-extension.js';

const SECRET = 'Sentinel-Bad-Input-Pw-3318';
const { installFresh: fresh } = usePackagedExtension('oa-bad-');

function statusOf(
  ext: ExtensionLayout,
  seq: number,
): { status: string; code: number; formattedMessage: { message: string } } {
  return (JSON.parse(readFileSync(path.join(ext.statusFolder, `${seq}.status`), 'utf8')) as { status: never }[])[0]!
    .status;
}

function everythingWritten(ext: ExtensionLayout): string {
  const read = (dir: string): string =>
    existsSync(dir)
      ? readdirSync(dir, { withFileTypes: true })
          .map((e) => (e.isDirectory() ? read(path.join(dir, e.name)) : readFileSync(path.join(dir, e.name), 'utf8')))
          .join('\n')
      : '';
  return [read(ext.logFolder), read(ext.statusFolder)].join('\n');
}

async function expectFailure(
  ext: ExtensionLayout,
  seq: number,
  exit: number,
  message: RegExp,
  env: Record<string, string> = {},
): Promise<void> {
  const r = await runOp(ext, 'enable', seq, env);
  expect({ exit: r.exitCode, stderr: r.stderr.slice(-300) }).toMatchObject({ exit });
  const st = statusOf(ext, seq);
  expect(st.status).toBe('error');
  expect(st.code).toBe(exit);
  expect(st.formattedMessage.message).toMatch(message);
  expect(readFileSync(path.join(ext.logFolder, 'handler.log'), 'utf8')).toMatch(/failed/);
  expect(everythingWritten(ext) + r.stdout + r.stderr).not.toContain(SECRET);
}

describe('bad inputs give a clear error, the documented exit code, and leak nothing', () => {
  test('missing HandlerEnvironment.json → exit 1 and an error status in <ExtDir>/status', async () => {
    const ext = await fresh();
    rmSync(path.join(ext.extDir, 'HandlerEnvironment.json'));
    const r = await runOp(ext, 'enable', 0);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/HandlerEnvironment.json not found/);
    expect(statusOf(ext, 0)).toMatchObject({
      status: 'error',
      formattedMessage: { message: expect.stringMatching(/HandlerEnvironment.json not found/) },
    });
  }, 60_000);

  test('malformed settings JSON → 53, message gives the position but not the content', async () => {
    const ext = await fresh();
    writeFileSync(
      path.join(ext.configFolder, '0.settings'),
      `{"runtimeSettings":[{"handlerSettings":{"publicSettings":{"x":"${SECRET}"`,
    );
    await expectFailure(ext, 0, 53, /0\.settings is not valid JSON/);
  }, 60_000);

  test('a known key with a wrong value → 53 naming its path (unknown keys are only a warning: settings-forward-compat)', async () => {
    const ext = await fresh();
    writeSettings(ext, 0, { proxy: { mode: 'application', address: 'proxy-without-scheme' }, futureKey: 1 });
    await expectFailure(ext, 0, 53, /proxy\.address: has the wrong format \(expected http:\/\/host:port/);
  }, 60_000);

  test('wrong types → 53 naming each path and what was expected', async () => {
    const ext = await fresh();
    writeSettings(ext, 0, { diskQuotaMB: 'lots', logLevel: 'verbose' });
    await expectFailure(
      ext,
      0,
      53,
      /diskQuotaMB: must be integer.*logLevel: must be one of|logLevel: must be one of.*diskQuotaMB: must be integer/,
    );
  }, 60_000);

  test('proxy.auth without protected credentials → 53 naming the missing protected keys', async () => {
    const ext = await fresh();
    writeSettings(ext, 0, { proxy: { mode: 'application', address: 'http://proxy:3128', auth: 'true' } });
    await expectFailure(
      ext,
      0,
      53,
      /proxy\.auth is true but protectedSettings\.proxy\.username and protectedSettings\.proxy\.password are missing/,
    );
  }, 60_000);

  test('undecryptable protected settings → 53 naming the certificate, no secret, no blob', async () => {
    const ext = await fresh();
    const thumb = await makeCertificate(ext.libDir);
    const other = await makeCertificate(path.join(ext.root, 'elsewhere'));
    const blob = await encrypt(
      path.join(ext.root, 'elsewhere'),
      other,
      { proxy: { username: 'u', password: SECRET } },
      'des3',
    );
    writeSettings(ext, 0, { proxy: { mode: 'application', address: 'http://proxy:3128', auth: true } }, blob, thumb);
    await expectFailure(ext, 0, 53, new RegExp(`cannot be decrypted with certificate ${thumb}`));
    expect(everythingWritten(ext)).not.toContain(blob.slice(0, 40));
  }, 60_000);

  test('missing certificate → 53 naming the thumbprint and where it was looked for', async () => {
    const ext = await fresh();
    const thumb = await makeCertificate(path.join(ext.root, 'elsewhere'));
    const blob = await encrypt(
      path.join(ext.root, 'elsewhere'),
      thumb,
      { proxy: { username: 'u', password: SECRET } },
      'aes256',
    );
    writeSettings(ext, 0, {}, blob, thumb);
    await expectFailure(
      ext,
      0,
      53,
      new RegExp(`certificate ${thumb} .*is not in ${ext.libDir.replace(/[/]/g, '\\/')}`),
    );
  }, 60_000);

  test('non-numeric ConfigSequenceNumber falls back to the newest settings file and says so; with none → 53', async () => {
    const ext = await fresh();
    writeSettings(ext, 2, {});
    const r = await runOp(ext, 'install', 'abc');
    expect(r.exitCode).toBe(0);
    const st = JSON.parse(readFileSync(path.join(ext.statusFolder, '2.status'), 'utf8'))[0].status;
    expect(JSON.stringify(st.substatus)).toMatch(
      /ConfigSequenceNumber \\"abc\\" is not a non-negative integer; using 2/,
    );
    rmSync(path.join(ext.configFolder, '2.settings'));
    const r2 = await runOp(ext, 'enable', 'abc');
    expect(r2.exitCode).toBe(53);
    expect(statusOf(ext, 0)).toMatchObject({
      status: 'error',
      formattedMessage: { message: expect.stringMatching(/ConfigSequenceNumber "abc" is not a non-negative integer/) },
    });
  }, 60_000);

  test('read-only status dir → exit 1 and the reason on stderr (the only channel left)', async () => {
    if (process.getuid?.() === 0) {
      // root ignores file modes: make the status path unusable instead (a file where the dir should be)
      const ext = await fresh();
      rmSync(ext.statusFolder, { recursive: true });
      writeFileSync(ext.statusFolder, 'not a directory');
      writeSettings(ext, 0, {});
      const r = await runOp(ext, 'install', 0);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(/cannot write the status file/);
      return;
    }
    const ext = await fresh();
    writeSettings(ext, 0, {});
    chmodSync(ext.statusFolder, 0o500);
    const r = await runOp(ext, 'install', 0);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/cannot write the status file/);
  }, 60_000);

  test('too little free disk for the queue → install exits 52 with the numbers in the status', async () => {
    const ext = await fresh();
    writeSettings(ext, 0, {});
    const r = await runOp(ext, 'install', 0, { OPEN_AMA_MIN_FREE_MB: '999999999' });
    expect(r.exitCode).toBe(52);
    expect(statusOf(ext, 0)).toMatchObject({
      status: 'error',
      code: 52,
      formattedMessage: { message: expect.stringMatching(/only \d+ MB free .* needs at least 999999999 MB/) },
    });
  }, 60_000);
});
