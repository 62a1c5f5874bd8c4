// `open-ama harness <scenario>`: the local guest-agent simulator (docs/harness.md). Scenarios chain
// through --root (the simulated VM's state). `run` is the README's main job: package our extension
// (unless --zip), install + enable it with the embedded default, feed data, show status and samples,
// and end with disable + uninstall + leak check after --duration seconds or Ctrl-C.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import type { Argv, CommandModule } from 'yargs';
import { buildPackage } from '../packaging/build-package.js';
import { findRepoRoot } from '../packaging/project-metadata.js';
import { DEFAULT_STREAMS, defaultPublicSettings } from './default-settings.js';
import { SimulatedGuestAgent, type StepRecord } from './guest-agent.js';
import { collectEvents, dim, green, printStep, readHeartbeat, red } from './timeline.js';
import { outputSamples, TrafficGenerator } from './traffic.js';

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

async function versionOfZip(zip: string, fallback: string): Promise<string> {
  const m = /-(\d+(?:\.\d+){1,3})-linux[-.]/.exec(path.basename(zip));
  return m ? m[1]! : fallback;
}

async function ourZip(log: (s: string) => void): Promise<string> {
  const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
  const outDir = path.join(repoRoot, '.cache', 'harness');
  log(dim(`packaging the extension from ${repoRoot} …`));
  const r = await buildPackage({
    repoRoot,
    outDir,
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
    case 'run':
      ok = await mainJob(agent, a, root, syslogPort, settings, prot, log);
      break;
    default:
      throw new Error(`unknown scenario ${a.scenario}`);
  }
  if (a.json) process.stdout.write(JSON.stringify({ ok, root, steps: agent.steps }, null, 2) + '\n');
  else log(ok ? green('harness: all steps succeeded') : red('harness: a step failed (see above)'));
  if (!a.keep && !a.root && a.scenario === 'run') await fs.rm(root, { recursive: true, force: true });
  return ok ? 0 : 1;
}

async function mainJob(
  agent: SimulatedGuestAgent,
  a: HarnessArgv,
  root: string,
  syslogPort: number,
  settings: unknown,
  prot: unknown,
  log: (s: string) => void,
): Promise<boolean> {
  const zip = a.zip ?? (await ourZip(log));
  agent.state.publicSettings = settings ?? defaultPublicSettings(root);
  agent.state.protectedSettings = prot;
  const installed = await agent.install(zip, a.version ?? (await versionOfZip(zip, '0.1.0')));
  if (!installed) {
    await agent.uninstall();
    return false;
  }
  const traffic = new TrafficGenerator(root, syslogPort);
  traffic.start();
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  const until = Date.now() + a.duration * 1000;
  const wanted = settings ? [] : DEFAULT_STREAMS;
  let allSeen = false;
  while (Date.now() < until && !interrupted) {
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await outputSamples(root, 0);
    if (!allSeen && wanted.every((s) => (samples.get(s)?.count ?? 0) > 0)) {
      allSeen = true;
      log(
        green(`data arrived on every default stream after ${(a.duration - (until - Date.now()) / 1000).toFixed(0)} s`),
      );
    }
  }
  traffic.stop();
  process.removeListener('SIGINT', onSigint);
  const l = agent.layout();
  const hb = await readHeartbeat(l);
  log(`heartbeat: ${hb.status} — ${hb.message}${hb.problem ? red(` [${hb.problem}]`) : ''}`);
  const status = await agent.waitTerminal(l, agent.state.seq);
  void status;
  const samples = await outputSamples(root, 2);
  log('collected data (file destination):');
  for (const [stream, s] of samples) {
    log(`  ${stream}: ${s.count} record(s) in ${s.file}`);
    for (const line of s.sample) log(dim(`    ${line.length > 220 ? line.slice(0, 220) + '…' : line}`));
  }
  const missing = wanted.filter((s) => (samples.get(s)?.count ?? 0) === 0);
  if (missing.length > 0) log(red(`no records on: ${missing.join(', ')}`));
  const events = await collectEvents(l);
  log(
    `telemetry events: ${events.valid.length} valid${events.invalid ? red(`, ${events.invalid} invalid`) : ''}${events.valid.length ? dim(` (last: ${events.valid[0]!.TaskName} ${events.valid[0]!.EventLevel}: ${events.valid[0]!.Message})`) : ''}`,
  );
  if (a.keep)
    log(dim(`--keep: the agent keeps running under ${root}; finish with: open-ama harness uninstall --root ${root}`));
  const removed = a.keep ? true : await agent.uninstall();
  return missing.length === 0 && removed && agent.steps.every((s: StepRecord) => s.ok);
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
