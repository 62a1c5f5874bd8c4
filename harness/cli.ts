// `open-ama harness <scenario>`: the local guest-agent simulator (docs/harness.md). Scenarios chain
// through --root (the simulated VM's state). `run` is the README's main job: package our extension
// (unless --zip), install + enable it with the embedded default, feed data, show status and samples,
// and end with disable + uninstall + leak check after --duration seconds or Ctrl-C.
import { existsSync, promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import { buildPackage } from '../packaging/build-package.js';
import { ARCHES, findRepoRoot, readProjectMetadata } from '../packaging/project-metadata.js';
import { runtimeCacheDir } from '../packaging/runtime.js';
import { defaultPublicSettings } from './default-settings.js';
import { SimulatedGuestAgent } from './guest-agent.js';
import { mainJob, type MainJobResult } from './main-job.js';
import { dim, green, printStep, red } from './timeline.js';

interface HarnessArgv {
  scenario: string;
  zip?: string;
  from?: string;
  to?: string;
  version?: string;
  'to-version'?: string;
  name: string;
  root?: string;
  settings?: string;
  protected?: string;
  cipher: 'des-ede3-cbc' | 'aes-256-cbc';
  'time-scale': number;
  wait: number;
  duration: number;
  keep: boolean;
  json: boolean;
}

async function readJsonArg(v: string | undefined): Promise<unknown> {
  if (v === undefined) return undefined;
  return JSON.parse(v.startsWith('@') ? await fs.readFile(v.slice(1), 'utf8') : v) as unknown;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** The closing line of `harness run`: where to go from a working local run. */
const NEXT_STEPS =
  'next steps: on a VM with the extension, `open-ama doctor` checks identity, DCR, endpoints, proxy and syslog; docs/troubleshooting.md explains missing data; docs/deploy.md deploys to Azure VMs and Arc machines';

async function versionOfZip(zip: string, fallback: string): Promise<string> {
  const m = /-(\d+(?:\.\d+){1,3})-linux[-.]/.exec(path.basename(zip));
  return m ? m[1]! : fallback;
}

async function ourZip(log: (s: string) => void): Promise<string> {
  const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
  const outDir = path.join(repoRoot, '.cache', 'harness');
  // The package carries a Node runtime per architecture from the npm registry; say so before the first,
  // slow download (later runs use the cache).
  const cacheRoot = path.join(repoRoot, '.cache');
  const nodeVersion = readProjectMetadata(repoRoot).runtimeNodeVersion;
  const missing = ARCHES.filter(
    (arch) => !existsSync(path.join(runtimeCacheDir(cacheRoot, arch, nodeVersion), 'runtime.json')),
  );
  if (missing.length > 0)
    process.stderr.write(
      `first run: downloading the Node.js ${nodeVersion} runtime for ${missing.join(' and ')} from the npm registry (about 50 MB each, once; cached in ${path.join(cacheRoot, 'runtime')})\n`,
    );
  log(dim(`packaging the extension from ${repoRoot} …`));
  const r = await buildPackage({
    repoRoot,
    outDir,
    cacheRoot,
    runtimeCompressionLevel: 1,
    log: () => undefined,
  });
  log(dim(`packaged ${r.zipPath} (${(r.zipBytes / 1048576).toFixed(1)} MiB)`));
  return r.zipPath;
}

export async function runHarness(a: HarnessArgv): Promise<number> {
  const log = (s: string): void => {
    if (!a.json) process.stdout.write(s + '\n');
  };
  const root = path.resolve(a.root ?? (await fs.mkdtemp(path.join(os.tmpdir(), 'open-ama-harness-'))));
  await fs.mkdir(root, { recursive: true });
  const syslogPort = await freePort();
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    OPEN_AMA_ROOT: root,
    OPEN_AMA_TIME_SCALE: String(a['time-scale']),
    OPEN_AMA_SYSLOG_PORT: String(syslogPort),
  };
  if (process.env.NODE_EXTRA_CA_CERTS) env.NODE_EXTRA_CA_CERTS = process.env.NODE_EXTRA_CA_CERTS;
  const agent = new SimulatedGuestAgent({
    root,
    name: a.name,
    timeScale: a['time-scale'],
    waitMs: a.wait * 1000,
    env,
    onStep: (s) => (a.json ? undefined : printStep(s)),
  });
  await agent.load();
  agent.state.cipher = a.cipher;
  const settings = await readJsonArg(a.settings);
  const prot = await readJsonArg(a.protected);
  let ok = true;
  let job: MainJobResult | undefined;
  log(dim(`simulated VM root: ${root}`));
  switch (a.scenario) {
    case 'install': {
      const zip = a.zip ?? (await ourZip(log));
      agent.state.publicSettings = settings ?? defaultPublicSettings(root);
      agent.state.protectedSettings = prot;
      ok = await agent.install(zip, a.version ?? (await versionOfZip(zip, '0.1.0')));
      break;
    }
    case 'settings':
      ok = await agent.changeSettings(settings ?? agent.state.publicSettings, prot);
      break;
    case 'reboot':
      ok = await agent.enable();
      break;
    case 'disable':
      ok = await agent.disable();
      break;
    case 'uninstall':
      ok = await agent.uninstall();
      break;
    case 'update': {
      if (!a.to) throw new Error('update needs --to B.zip (and --from A.zip unless --root already has A installed)');
      if (a.from) {
        agent.state.publicSettings = settings ?? defaultPublicSettings(root);
        agent.state.protectedSettings = prot;
        ok = await agent.install(a.from, a.version ?? (await versionOfZip(a.from, '0.1.0')));
      }
      ok = ok && (await agent.update(a.to, a['to-version'] ?? (await versionOfZip(a.to, '0.1.1'))));
      break;
    }
    case 'run': {
      const zip = a.zip ?? (await ourZip(log));
      job = await mainJob(agent, {
        zip,
        version: a.version ?? (await versionOfZip(zip, '0.1.0')),
        root,
        repoRoot: findRepoRoot(path.dirname(fileURLToPath(import.meta.url))),
        syslogPort,
        settings,
        protectedSettings: prot,
        durationS: a.duration,
        keep: a.keep,
        log,
        countdown: !a.json,
      });
      ok = job.ok;
      break;
    }
    default:
      throw new Error(`unknown scenario ${a.scenario}`);
  }
  if (a.json) {
    const data = job ? { collected: job.collected, keptIn: job.keptIn, missing: job.missing } : {};
    process.stdout.write(JSON.stringify({ ok, root, ...data, steps: agent.steps }, null, 2) + '\n');
  } else log(ok ? green('harness: all steps succeeded') : red('harness: a step failed (see above)'));
  if (job && !a.json) log(NEXT_STEPS);
  if (!a.keep && !a.root && a.scenario === 'run') await fs.rm(root, { recursive: true, force: true });
  return ok ? 0 : 1;
}

export const harnessCommand: CommandModule<object, HarnessArgv> = {
  command: 'harness <scenario>',
  describe:
    'Simulate the Azure guest agent driving an extension package (install, settings, update, disable, uninstall, reboot, run)',
  builder: (y: Argv) =>
    y
      .version(false)
      .positional('scenario', {
        choices: ['install', 'settings', 'update', 'disable', 'uninstall', 'reboot', 'run'] as const,
        demandOption: true,
      })
      .option('zip', { type: 'string', describe: 'Extension ZIP (default: package this repository)' })
      .option('from', { type: 'string', describe: 'update: version A ZIP' })
      .option('to', { type: 'string', describe: 'update: version B ZIP' })
      .option('version', { type: 'string', describe: 'Version of --zip/--from (default: from the file name)' })
      .option('to-version', { type: 'string', describe: 'update: version of --to' })
      .option('name', { type: 'string', default: 'OpenAma.Monitor.OpenAmaLinuxAgent', describe: '<Publisher>.<Type>' })
      .option('root', {
        type: 'string',
        describe: 'Simulated VM root; reuse it to chain scenarios (default: a new temp dir)',
      })
      .option('settings', { type: 'string', describe: 'Public settings JSON or @file (default: the embedded default)' })
      .option('protected', { type: 'string', describe: 'Protected settings JSON or @file (encrypted like the agent)' })
      .option('cipher', { choices: ['des-ede3-cbc', 'aes-256-cbc'] as const, default: 'des-ede3-cbc' as const })
      .option('time-scale', {
        type: 'number',
        default: 1,
        describe: 'Multiply the agent timeouts (tests use e.g. 0.01)',
      })
      .option('wait', { type: 'number', default: 120, describe: 'Seconds to wait for a terminal status after enable' })
      .option('duration', {
        type: 'number',
        default: 60,
        describe: 'run: seconds to collect before disable + uninstall',
      })
      .option('keep', {
        type: 'boolean',
        default: false,
        describe: 'run: leave the agent running and the root in place',
      })
      .option('json', { type: 'boolean', default: false, describe: 'Machine-readable result on stdout' })
      .example('$0 harness run', 'package this repository, install + enable it, show the data for 60 s, uninstall')
      .example('$0 harness run --zip open-ama-0.1.0-linux-x64.zip --duration 30 --json', 'a given ZIP, JSON result')
      .example(
        '$0 harness install --root /tmp/vm1 && $0 harness update --root /tmp/vm1 --to B.zip',
        'chain scenarios on one simulated VM',
      ) as unknown as Argv<HarnessArgv>,
  handler: async (a) => {
    try {
      process.exitCode = await runHarness(a);
    } catch (err) {
      process.stderr.write(`open-ama harness: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};
