// Syslog port squatting after disable: the packaged extension, enabled with a syslog DCR in a root that
// has an rsyslog.conf, writes the rsyslog drop-in; disable removes it; enable writes it again. With the
// drop-in gone a real rsyslogd (started after disable, as the reload disable does on a real system
// would restart it — under a redirected root no system daemon is touched) forwards nothing: `logger`
// lines sent to it never reach a listener an unprivileged user could have bound on the syslog port.
import { afterAll, beforeAll, expect, test } from '@jest/globals';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { agentPaths } from '../../../agent/config/index.js';
import { defaultPublicSettings } from '../../../harness/default-settings.js';
import { installPackage, runOp, writeSettings } from '../../support/guest-agent.js';
import { packagedZip } from '../../support/packaged-zip.js';
import { describeWhenInstalled, RSYSLOGD } from '../../support/os-requirements.js';
import { canConnect, freePort, SBIN_PATH, sendWithLogger, waitFor } from '../collector/sources/syslog/helpers.js';

let zip: string;
let dir: string;
let rsyslog: ResultPromise | undefined;

beforeAll(async () => {
  zip = await packagedZip();
  dir = mkdtempSync(path.join(os.tmpdir(), 'oa-dropin-'));
}, 600_000);

afterAll(async () => {
  rsyslog?.kill('SIGTERM');
  await rsyslog;
  rmSync(dir, { recursive: true, force: true });
});

describeWhenInstalled('drop-in removed on disable', [RSYSLOGD])(
  'the rsyslog drop-in exists only while the collector listens',
  () => {
    test('disable removes it and nothing is forwarded to the port; enable writes it again', async () => {
      const root = path.join(dir, 'root');
      const paths = agentPaths({ OPEN_AMA_ROOT: root });
      const port = await freePort();
      const inputPort = await freePort();
      mkdirSync(paths.rsyslogDropInDir, { recursive: true });
      mkdirSync(path.join(dir, 'work'));
      writeFileSync(
        path.join(root, 'etc/rsyslog.conf'),
        [
          `global(workDirectory="${path.join(dir, 'work')}")`,
          'module(load="imtcp")',
          `input(type="imtcp" port="${inputPort}" address="127.0.0.1")`,
          `*.* action(type="omfile" file="${path.join(dir, 'all.log')}")`,
          `include(file="${paths.rsyslogDropInDir}/*.conf")`,
          '',
        ].join('\n'),
      );
      const env = { OPEN_AMA_SYSLOG_PORT: String(port) };
      const ext = await installPackage(root, zip, '0.1.0');
      writeSettings(ext, 0, defaultPublicSettings(root));
      expect((await runOp(ext, 'install', 0, env)).exitCode).toBe(0);
      expect((await runOp(ext, 'enable', 0, env)).exitCode).toBe(0);
      await waitFor(() => existsSync(paths.rsyslogDropInFile), 20_000, 'drop-in written by the collector');
      expect(readFileSync(paths.rsyslogDropInFile, 'utf8')).toContain(`port="${port}"`);

      expect((await runOp(ext, 'disable', 0, env)).exitCode).toBe(0);
      expect(existsSync(paths.rsyslogDropInFile)).toBe(false);

      // The squatter: an ordinary listener on the (unprivileged) syslog port.
      const received: Buffer[] = [];
      const squatter = net.createServer((s) => s.on('data', (d: Buffer) => received.push(d)));
      await new Promise<void>((r) => squatter.listen(port, '127.0.0.1', () => r()));
      try {
        rsyslog = execa(
          'rsyslogd',
          ['-n', '-f', path.join(root, 'etc/rsyslog.conf'), '-i', path.join(dir, 'rsyslogd.pid')],
          {
            reject: false,
            stdio: 'ignore',
            env: { PATH: SBIN_PATH },
          },
        );
        await waitFor(() => canConnect(inputPort), 15_000, 'rsyslog imtcp input');
        await sendWithLogger(inputPort, ['<86>sshd[1]: authpriv line after disable', '<14>user line after disable'], {
          rfc: '3164',
          tag: 'sshd',
          id: 1,
        });
        // rsyslog got them (its own file rule), and would have forwarded within milliseconds had it a rule for us
        await waitFor(
          () =>
            existsSync(path.join(dir, 'all.log')) &&
            /user line after disable/.test(readFileSync(path.join(dir, 'all.log'), 'utf8')),
          15_000,
          'rsyslog wrote the lines to its own file',
        );
        await new Promise((r) => setTimeout(r, 3_000));
        expect(Buffer.concat(received).toString('utf8')).toBe('');
      } finally {
        await new Promise<void>((r) => squatter.close(() => r()));
      }

      expect((await runOp(ext, 'enable', 0, env)).exitCode).toBe(0);
      await waitFor(() => existsSync(paths.rsyslogDropInFile), 20_000, 'drop-in written again on enable');
      expect((await runOp(ext, 'disable', 0, env)).exitCode).toBe(0);
      expect((await runOp(ext, 'uninstall', 0, env)).exitCode).toBe(0);
    }, 240_000);
  },
);
