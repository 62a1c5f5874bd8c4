// open-ama doctor against the e2e fakes, on a machine laid out like an installed agent: the real
// supervisor and collector bundles under OPEN_AMA_ROOT/opt/open-ama/<version>, a real tinyproxy with basic
// auth between the collector and the loopback ingestion fake (test CA), the IMDS fake, a real rsyslog
// drop-in written by the collector. Healthy: every check ok, exit 0, through the installed
// bin/open-ama-doctor and the repository CLI. Then one fault at a time — ingestion endpoint down, proxy
// password wrong, syslog drop-in missing, an untrusted certificate, a clock 10 min ahead (libfaketime),
// Microsoft's agent holding the syslog port — and the failing check names the cause and the fix. The support
// bundle is 0600 and holds no secret.
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  statSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { agentPaths, DEFAULT_RESOURCE_LIMITS, type AgentConfig } from '../../../agent/config/index.js';
import { ensureSupervisorRunning, stopSupervisor, SupervisorClient } from '../../../agent/supervisor/control/index.js';
import type { DoctorReport } from '../../../agent/doctor/index.js';
import { listZipEntries, readZipEntry } from '../../../packaging/zip-contents.js';
import { FakeArmServer } from '../../fakes/arm-server.js';
import { FakeMetricsServer } from '../../fakes/metrics-server.js';
import { startTinyproxy, type TinyproxyHandle } from '../../fakes/tinyproxy.js';
import type { FakeIngestionServer } from '../../fakes/ingestion-server.js';
import { REPO, syslogToLaDcr, writeConfig } from '../../support/collector-process.js';
import { useCollectorWorld } from '../../support/collector-world.js';
import { canConnect, freePort, sendSyslog, waitFor } from '../../support/net.js';
import { describeWhenInstalled, OPENSSL, RSYSLOGD, skippedDescribe, TINYPROXY } from '../../support/os-requirements.js';
import { faketimeLibrary, fixedOffsetEnv, probeFaketime } from '../../faults/faketime.js';

const run = promisify(execFile);
const VERSION = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')).version as string;
const PROXY_USER = 'doctor-user';
const PROXY_PASSWORD = 'Doctor-Proxy-S3cret-7f3a';
const DCR_ID = 'dcr-d0c70d0c70d0c70d0c70d0c70d0c70d0';

const world = useCollectorWorld('oa-doctor-');
const faketimeProblem = probeFaketime();

interface Machine {
  root: string;
  env: Record<string, string>;
  installDir: string;
}

/** The installed layout the handler makes: <installDir>/<version>/{bin,dist,runtime}. */
function install(root: string): string {
  const dir = path.join(root, 'opt/open-ama', VERSION);
  mkdirSync(path.join(dir, 'dist'), { recursive: true });
  mkdirSync(path.join(dir, 'bin'), { recursive: true });
  mkdirSync(path.join(dir, 'runtime'), { recursive: true });
  for (const b of ['supervisor.mjs', 'collector.mjs', 'doctor.mjs'])
    copyFileSync(path.join(REPO, 'dist', b), path.join(dir, 'dist', b));
  copyFileSync(path.join(REPO, 'bin/open-ama-doctor'), path.join(dir, 'bin/open-ama-doctor'));
  symlinkSync(process.execPath, path.join(dir, 'runtime/node'));
  mkdirSync(path.join(root, 'status'), { recursive: true }); // the guest agent's status folder
  return dir;
}

function configOf(root: string, proxyUrl: string, password = PROXY_PASSWORD): Partial<AgentConfig> {
  return {
    proxy: { mode: 'application', address: proxyUrl, username: PROXY_USER, password, bypass: [] },
    diskQuotaMB: 50,
    status: {
      handlerName: 'OpenAma.Monitor.OpenAmaLinuxAgent',
      extensionVersion: VERSION,
      statusFolder: path.join(root, 'status'),
      seq: 1,
      logFolder: path.join(root, 'log'),
      heartbeatFile: path.join(root, 'heartbeat.log'),
    },
  };
}

async function doctor(
  m: Machine,
  args: string[] = ['--json'],
  via: 'installed' | 'repo' = 'installed',
): Promise<{ code: number; stdout: string; stderr: string; report?: DoctorReport }> {
  const cmd =
    via === 'installed'
      ? { file: path.join(m.installDir, 'bin/open-ama-doctor'), args }
      : { file: path.join(REPO, 'bin/open-ama'), args: ['doctor', ...args] };
  try {
    const r = await run(cmd.file, cmd.args, { env: m.env, timeout: 90_000 });
    return { code: 0, stdout: r.stdout, stderr: r.stderr, report: parse(r.stdout) };
  } catch (err) {
    const e = err as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '', report: parse(e.stdout ?? '') };
  }
}

function parse(stdout: string): DoctorReport | undefined {
  try {
    return JSON.parse(stdout) as DoctorReport;
  } catch {
    return undefined;
  }
}

function verdicts(r: DoctorReport | undefined): Record<string, string> {
  return Object.fromEntries((r?.checks ?? []).map((c) => [c.id, c.verdict]));
}

function check(r: DoctorReport | undefined, id: string): DoctorReport['checks'][number] {
  const c = r?.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${JSON.stringify(r)}`);
  return c;
}

describeWhenInstalled('open-ama doctor against the e2e fakes', [TINYPROXY, RSYSLOGD, OPENSSL])(
  'open-ama doctor',
  () => {
    let proxy: TinyproxyHandle;
    let ingestion: FakeIngestionServer;
    let m: Machine;
    let syslogPort: number;

    beforeAll(async () => {
      for (const b of ['supervisor.mjs', 'collector.mjs', 'doctor.mjs'])
        if (!existsSync(path.join(REPO, 'dist', b))) throw new Error(`dist/${b} is missing: run npm run build`);
      proxy = await startTinyproxy(path.join(world.dir, 'proxy'), { user: PROXY_USER, password: PROXY_PASSWORD });
      ingestion = await world.ingestion();
      const root = world.newRoot('healthy');
      syslogPort = await freePort();
      const installDir = install(root);
      const config = configOf(root, proxy.url);
      writeConfig(root, [syslogToLaDcr(DCR_ID, ingestion.url)], config);
      const env = {
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        OPEN_AMA_ROOT: root,
        OPEN_AMA_HEALTH_POLL_MS: '500',
        NO_COLOR: '1',
        ...world.env(syslogPort),
      };
      m = { root, env, installDir };
      const paths = agentPaths(env);
      await ensureSupervisorRunning({
        paths,
        version: VERSION,
        nodePath: process.execPath,
        supervisorScript: path.join(installDir, 'dist/supervisor.mjs'),
        resourceLimits: DEFAULT_RESOURCE_LIMITS,
        env,
        timeoutMs: 30_000,
      });
      expect(await new SupervisorClient(paths.controlSocket).applyConfig(1, 30_000)).toMatchObject({ ok: true });
      await waitFor(() => canConnect(syslogPort), 20_000, 'the syslog listener');
      // One syslog line through the listener, uploaded through the proxy: the destination has a last success.
      await sendSyslog(syslogPort, ['hello from the doctor test']);
      await waitFor(() => ingestion.records().length > 0, 30_000, 'the syslog record at the ingestion fake');
      await waitFor(
        async () =>
          Boolean(
            (await new SupervisorClient(paths.controlSocket).status()).health?.destinations.some(
              (d) => d.lastSuccessAt,
            ),
          ),
        30_000,
        'a last successful upload in the health',
      );
    }, 120_000);

    afterAll(async () => {
      if (m) await stopSupervisor(agentPaths(m.env), { timeoutMs: 30_000 }).catch(() => undefined);
      await proxy?.stop();
    }, 60_000);

    test('healthy machine: every check ok, exit 0, through the installed bin/open-ama-doctor and the repository CLI', async () => {
      const r = await doctor(m);
      expect(r.stderr).toBe('');
      const all = verdicts(r.report);
      expect(Object.keys(all).sort()).toEqual(
        [
          'agent',
          'clock',
          'config',
          'dcr',
          'destinations',
          'endpoint',
          'identity',
          'listener',
          'proxy',
          'queue',
          'syslog',
          'tls',
        ].sort(),
      );
      expect(all).toEqual(Object.fromEntries(Object.keys(all).map((k) => [k, 'ok'])));
      expect(r.code).toBe(0);
      expect(r.report!.overall).toBe('ok');
      expect(check(r.report, 'proxy').cause).toContain(proxy.url);
      expect(check(r.report, 'listener').cause).toContain('our collector');
      expect(check(r.report, 'syslog').cause).toContain(`127.0.0.1:${syslogPort}`);
      expect(check(r.report, 'destinations').details?.join('\n')).toMatch(/last success \d{4}-/);
      expect(r.stdout).not.toContain(PROXY_PASSWORD);

      const human = await doctor(m, [], 'repo');
      expect(human.code).toBe(0);
      expect(human.stdout).toMatch(/^ok {4}identity .*IMDS token/m);
      expect(human.stdout).toMatch(/overall: OK \(0 failed, 0 warning\(s\), 12 ok\)/);
      expect(human.stdout).not.toContain('\u001b['); // NO_COLOR
    }, 120_000);

    test('--bundle writes a 0600 ZIP with logs, status and config, and no secret', async () => {
      // The secret is where the bundle draws from: the config file, and a log line written before redaction existed.
      const logDir = path.join(m.root, 'log');
      writeFileSync(path.join(logDir, 'handler.log'), `{"message":"old line: proxy password ${PROXY_PASSWORD}"}\n`, {
        flag: 'a',
      });
      expect(readFileSync(agentPaths(m.env).agentConfigFile, 'utf8')).toContain(PROXY_PASSWORD);
      await waitFor(() => existsSync(path.join(m.root, 'status/1.status')), 30_000, 'the status file');
      const file = path.join(world.dir, 'support.zip');
      const r = await doctor(m, ['--bundle', file]);
      expect(r.code).toBe(0);
      expect(r.stderr).toContain(`support bundle written to ${file}`);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const names = (await listZipEntries(file)).map((e) => e.path);
      expect(names).toEqual(
        expect.arrayContaining([
          'doctor.json',
          'supervisor-status.json',
          'config/agent-config.json',
          'logs/collector.log',
          'logs/supervisor.log',
          'logs/handler.log',
          'status/1.status',
        ]),
      );
      const raw = readFileSync(file);
      expect(raw.includes(PROXY_PASSWORD)).toBe(false);
      for (const name of names) {
        const text = (await readZipEntry(file, name)).toString('utf8');
        expect(text).not.toContain(PROXY_PASSWORD);
        expect(text).not.toContain(encodeURIComponent(PROXY_PASSWORD));
        expect(text).not.toContain(Buffer.from(`${PROXY_USER}:${PROXY_PASSWORD}`).toString('base64'));
        expect(text).not.toContain('test-ingestion-token');
      }
      const cfg = JSON.parse((await readZipEntry(file, 'config/agent-config.json')).toString('utf8'));
      expect(cfg.proxy).toMatchObject({
        address: proxy.url,
        username: '(removed from the support bundle)',
        password: '[REDACTED]',
      });
      expect((await readZipEntry(file, 'logs/handler.log')).toString()).toContain(
        'old line: proxy password [REDACTED]',
      );
      // Never over an existing file.
      const again = await doctor(m, ['--bundle', file]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already exists');
    }, 120_000);

    test('ingestion endpoint down: the endpoint check fails naming the endpoint, the proxy answer and the fix', async () => {
      await ingestion.stop();
      try {
        const r = await doctor(m);
        expect(r.code).toBe(1);
        const c = check(r.report, 'endpoint');
        expect(c.verdict).toBe('fail');
        expect(c.cause).toContain(ingestion.url);
        expect(c.cause).toMatch(/proxy .* answered 5\d\d to the tunnel request/);
        expect(c.fix).toMatch(/allow 127\.0\.0\.1:\d+ on the proxy/);
        expect(check(r.report, 'proxy').verdict).not.toBe('fail'); // the credentials were fine
        expect(verdicts(r.report)).toMatchObject({ identity: 'ok', dcr: 'ok', syslog: 'ok', listener: 'ok' });
      } finally {
        await ingestion.start();
      }
    }, 120_000);

    test('proxy password wrong: the proxy check fails with 407 (tinyproxy: 401) says to fix the protected settings', async () => {
      const file = agentPaths(m.env).agentConfigFile;
      const good = readFileSync(file, 'utf8');
      try {
        writeConfig(m.root, [syslogToLaDcr(DCR_ID, ingestion.url)], configOf(m.root, proxy.url, 'wrong-password'));
        const r = await doctor(m);
        expect(r.code).toBe(1);
        const c = check(r.report, 'proxy');
        expect(c.verdict).toBe('fail');
        // 407, or 401 from tinyproxy, which challenges a CONNECT with WWW-Authenticate.
        expect(c.cause).toMatch(/answered 40[17]/);
        expect(c.cause).toContain('proxy password wrong');
        expect(c.fix).toContain('proxy.password');
        expect(check(r.report, 'endpoint').verdict).toBe('fail');
        expect(r.stdout).not.toContain('wrong-password');
      } finally {
        writeFileSync(file, good, { mode: 0o600 });
      }
    }, 120_000);

    test('syslog drop-in missing: the syslog check fails naming the file and how to get it back', async () => {
      const dropIn = agentPaths(m.env).rsyslogDropInFile;
      const text = readFileSync(dropIn, 'utf8');
      expect(text).toContain(`port="${syslogPort}"`);
      rmSync(dropIn);
      try {
        const r = await doctor(m);
        expect(r.code).toBe(1);
        const c = check(r.report, 'syslog');
        expect(c.verdict).toBe('fail');
        expect(c.cause).toContain(`${dropIn} is missing`);
        expect(c.fix).toMatch(/restart the agent or run enable again/);
      } finally {
        writeFileSync(dropIn, text);
      }
    }, 120_000);

    test('TLS: without the test CA the TLS check fails naming the certificate error', async () => {
      const { NODE_EXTRA_CA_CERTS: _ca, ...untrusting } = m.env;
      const r = await doctor({ ...m, env: untrusting });
      expect(r.code).toBe(1);
      const c = check(r.report, 'tls');
      expect(c.verdict).toBe('fail');
      expect(c.cause).toContain(ingestion.url);
      expect(c.cause).toMatch(
        /UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_GET_ISSUER_CERT_LOCALLY/,
      );
      expect(c.fix).toMatch(/CA/);
      expect(check(r.report, 'proxy').verdict).toBe('ok'); // the tunnel was up: TLS failed inside it
    }, 120_000);

    test('dcrSource arm: the DCRs are read through ARM with the machine identity; a 403 names the Reader role', async () => {
      const sub = '00000000-0000-0000-0000-000000000000';
      const machine = `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Compute/virtualMachines/vm1`;
      const insights = (kind: string, name: string): string =>
        `/subscriptions/${sub}/resourceGroups/rg/providers/Microsoft.Insights/${kind}/${name}`;
      const arm = new FakeArmServer(world.ca, sub, [{ name: 'vm1', resourceGroup: 'rg', kind: 'vm' }]);
      arm.acceptedTokens = ['test-ingestion-token']; // the managed identity's token from the IMDS fake
      await arm.start();
      try {
        // A portal-style DCR naming its DCE, whose logs ingestion endpoint is the ingestion fake.
        arm.dceLogsIngestion = ingestion.url;
        await arm.seed(insights('dataCollectionEndpoints', 'dce'), { location: 'westeurope', properties: {} });
        const { properties } = syslogToLaDcr(DCR_ID, 'https://unused') as { properties: Record<string, unknown> };
        delete properties.endpoints;
        delete properties.immutableId;
        const dcrId = insights('dataCollectionRules', 'syslog');
        await arm.seed(dcrId, {
          location: 'westeurope',
          kind: 'Linux',
          properties: { ...properties, dataCollectionEndpointId: insights('dataCollectionEndpoints', 'dce') },
        });
        const associations = `${machine}/providers/Microsoft.Insights/dataCollectionRuleAssociations`;
        await arm.seed(`${associations}/a1`, { properties: { dataCollectionRuleId: dcrId } });
        const root = world.newRoot('arm');
        writeConfig(root, [], { ...configOf(root, proxy.url), dcrSource: 'arm' });
        const env = { ...m.env, OPEN_AMA_ROOT: root, OPEN_AMA_ARM_URL: arm.url };

        const r = await doctor({ ...m, root, env });
        expect(check(r.report, 'dcr')).toMatchObject({
          verdict: 'ok',
          cause: '1 DCR(s) loaded from settings, dcr.d and arm',
        });
        expect(check(r.report, 'endpoint').verdict).toBe('ok');
        expect(check(r.report, 'endpoint').details).toEqual([
          expect.stringContaining(`${ingestion.url}: reachable via`),
        ]);
        expect(arm.requests.some((x) => x.toLowerCase() === `get ${associations}`.toLowerCase())).toBe(true);

        arm.failures.set(associations.toLowerCase(), { status: 403 });
        const denied = await doctor({ ...m, root, env });
        const c = check(denied.report, 'dcr');
        expect(c.verdict).toBe('fail');
        expect(c.cause).toMatch(/could not read DCRs through arm: .*403/);
        expect(c.fix).toContain("grant the machine's identity Reader");
        expect(denied.code).toBe(1);
      } finally {
        await arm.stop();
      }
    }, 120_000);

    test('an Azure Monitor Metrics destination: its regional endpoint is checked through the proxy too', async () => {
      const metrics = new FakeMetricsServer(world.ca);
      await metrics.start();
      try {
        const root = world.newRoot('metrics');
        const perfToMetrics = {
          properties: {
            immutableId: 'dcr-00000000000000000000000000000042',
            dataSources: {
              performanceCounters: [
                { name: 'perf', streams: ['Microsoft-Perf'], counterSpecifiers: ['Processor(*)\\% Processor Time'] },
              ],
            },
            destinations: { azureMonitorMetrics: { name: 'metrics' } },
            dataFlows: [{ streams: ['Microsoft-Perf'], destinations: ['metrics'] }],
          },
        };
        writeConfig(root, [perfToMetrics], configOf(root, proxy.url));
        const env = { ...m.env, OPEN_AMA_ROOT: root, OPEN_AMA_METRICS_URL: metrics.url };
        const r = await doctor({ ...m, root, env });
        expect(check(r.report, 'endpoint')).toMatchObject({ verdict: 'ok' });
        expect(check(r.report, 'endpoint').details).toEqual([expect.stringContaining(`${metrics.url}: reachable via`)]);
        expect(check(r.report, 'clock').verdict).toBe('ok');
        await metrics.stop();
        const down = await doctor({ ...m, root, env });
        expect(check(down.report, 'endpoint')).toMatchObject({
          verdict: 'fail',
          cause: expect.stringContaining(`${metrics.url} not reached`),
        });
      } finally {
        await metrics.stop();
      }
    }, 120_000);

    (faketimeProblem ? skippedDescribe('doctor clock skew under libfaketime', faketimeProblem) : describe)(
      'clock skew',
      () => {
        test("a clock 10 minutes ahead fails the clock check against the endpoint's Date header", async () => {
          const r = await doctor({ ...m, env: { ...m.env, ...fixedOffsetEnv(faketimeLibrary()!, '+10m') } });
          const c = check(r.report, 'clock');
          expect(c.verdict).toBe('fail');
          expect(c.cause).toMatch(/local clock is (9|10|11) min ahead of 127\.0\.0\.1:\d+/);
          expect(c.fix).toContain('NTP');
          expect(r.code).toBe(1);
        }, 120_000);
      },
    );

    test("Microsoft's agent holding the syslog port: the listener check names AMA and says to remove it", async () => {
      // A stand-in "mdsd" (comm is the name it was started by) listening where our collector would.
      const root = world.newRoot('ama');
      const port = await freePort();
      writeConfig(root, [syslogToLaDcr(DCR_ID, ingestion.url)], { diskQuotaMB: 50 });
      mkdirSync(path.join(root, 'opt/microsoft/azuremonitoragent/bin'), { recursive: true });
      const mdsd = path.join(root, 'opt/microsoft/azuremonitoragent/bin/mdsd');
      symlinkSync(process.execPath, mdsd);
      const child: ChildProcess = spawn(
        mdsd,
        ['-e', `require('net').createServer().listen(${port}, '127.0.0.1'); setInterval(() => {}, 1000)`],
        { stdio: 'ignore' },
      );
      try {
        await waitFor(() => canConnect(port), 10_000, 'the stand-in mdsd listener');
        const env = { ...m.env, OPEN_AMA_ROOT: root, OPEN_AMA_SYSLOG_PORT: String(port) };
        const r = await doctor({ ...m, root, env });
        const c = check(r.report, 'listener');
        expect(c.verdict).toBe('fail');
        expect(c.cause).toContain("Microsoft's Azure Monitor Agent holds");
        expect(c.cause).toContain(`pid ${child.pid}`);
        expect(c.fix).toContain('remove the AzureMonitorLinuxAgent extension');
        expect(r.code).toBe(1);
      } finally {
        child.kill('SIGKILL');
      }
    }, 120_000);
  },
);
