// A minimal stand-in for the guest agent's side of PROTOCOL.md, for the handler's own integration
// tests: unzip the package into <root>/var/lib/waagent/<Name>-<ver>/ like the agent (u+x on every
// file, config/ and status/ 0700), write HandlerEnvironment.json and <seq>.settings, encrypt
// protected settings with real openssl, and run an operation with the agent's environment variables.
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { execa } from 'execa';

export const HANDLER_NAME = 'OpenAma.Monitor.OpenAmaLinuxAgent';

export interface SimExtension {
  root: string;
  libDir: string;
  extDir: string;
  logFolder: string;
  statusFolder: string;
  configFolder: string;
  version: string;
}

function chmodUx(dir: string): void {
  for (const e of readdirSync(dir)) {
    const p = path.join(dir, e);
    const st = statSync(p);
    if (st.isDirectory()) chmodUx(p);
    else chmodSync(p, st.mode | 0o100);
  }
}

export function installPackage(root: string, zip: string, version: string): SimExtension {
  const libDir = path.join(root, 'var/lib/waagent');
  const extDir = path.join(libDir, `${HANDLER_NAME}-${version}`);
  const logFolder = path.join(root, 'var/log/azure', HANDLER_NAME);
  mkdirSync(extDir, { recursive: true });
  execFileSync('unzip', ['-q', '-o', zip, '-d', extDir]);
  chmodUx(extDir);
  for (const d of ['config', 'status']) mkdirSync(path.join(extDir, d), { recursive: true, mode: 0o700 });
  mkdirSync(path.join(logFolder, 'events'), { recursive: true, mode: 0o700 });
  const env = [
    {
      name: HANDLER_NAME,
      version: 1.0,
      handlerEnvironment: {
        logFolder,
        configFolder: path.join(extDir, 'config'),
        statusFolder: path.join(extDir, 'status'),
        heartbeatFile: path.join(extDir, 'heartbeat.log'),
        eventsFolder: path.join(logFolder, 'events'),
        eventsFolder_preview: path.join(logFolder, 'events'),
      },
    },
  ];
  writeFileSync(path.join(extDir, 'HandlerEnvironment.json'), JSON.stringify(env, null, 2));
  return {
    root,
    libDir,
    extDir,
    logFolder,
    statusFolder: path.join(extDir, 'status'),
    configFolder: path.join(extDir, 'config'),
    version,
  };
}

export function makeCertificate(libDir: string): string {
  mkdirSync(libDir, { recursive: true });
  const tmpCrt = path.join(libDir, 'tmp.crt');
  const tmpKey = path.join(libDir, 'tmp.prv');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/DC=Windows Azure CRP Certificate Generator',
      '-keyout',
      tmpKey,
      '-out',
      tmpCrt,
    ],
    { stdio: 'ignore' },
  );
  const fp = execFileSync('openssl', ['x509', '-in', tmpCrt, '-noout', '-fingerprint', '-sha1']).toString();
  const thumb = fp.split('=')[1]!.trim().replace(/:/g, '').toUpperCase();
  execFileSync('mv', [tmpCrt, path.join(libDir, `${thumb}.crt`)]);
  execFileSync('mv', [tmpKey, path.join(libDir, `${thumb}.prv`)]);
  return thumb;
}

export function encrypt(libDir: string, thumb: string, settings: unknown, cipher: 'des3' | 'aes256'): string {
  const der = execFileSync(
    'openssl',
    ['cms', '-encrypt', '-binary', '-outform', 'DER', `-${cipher}`, path.join(libDir, `${thumb}.crt`)],
    { input: JSON.stringify(settings) },
  );
  return der.toString('base64');
}

export function writeSettings(
  ext: SimExtension,
  seq: number,
  publicSettings: unknown,
  protectedB64: string | null = null,
  thumb: string | null = null,
): void {
  const doc = {
    runtimeSettings: [
      { handlerSettings: { publicSettings, protectedSettings: protectedB64, protectedSettingsCertThumbprint: thumb } },
    ],
  };
  writeFileSync(path.join(ext.configFolder, `${seq}.settings`), JSON.stringify(doc));
}

export async function runOp(
  ext: SimExtension,
  op: string,
  seq: number | string,
  extraEnv: Record<string, string> = {},
) {
  const env: Record<string, string> = {
    PATH: '/usr/local/bin:/usr/bin:/bin',
    OPEN_AMA_ROOT: ext.root,
    ConfigSequenceNumber: String(seq),
    AZURE_GUEST_AGENT_EXTENSION_PATH: ext.extDir,
    AZURE_GUEST_AGENT_EXTENSION_VERSION: ext.version,
    AZURE_GUEST_AGENT_WIRE_PROTOCOL_ADDRESS: '168.63.129.16',
    AZURE_GUEST_AGENT_EXTENSION_SUPPORTED_FEATURES: '[{"Key": "ExtensionTelemetryPipeline", "Value": "1.0"}]',
    ...(op === 'install' || op === 'enable' ? { AZURE_GUEST_AGENT_UNINSTALL_CMD_EXIT_CODE: 'NOT_RUN' } : {}),
    ...extraEnv,
  };
  for (const [k, v] of Object.entries(env)) if (v === '__unset__') delete env[k];
  return execa('/bin/sh', ['-c', `${ext.extDir}/bin/open-ama-handler ${op}`], {
    cwd: ext.extDir,
    env,
    extendEnv: false,
    reject: false,
    detached: true,
    timeout: 120_000,
  });
}

/** Processes whose command line or environment mentions `needle` (our temp root). */
export function processesMentioning(needle: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const env = readFileSync(`/proc/${pid}/environ`, 'utf8');
      if (cmd.includes(needle) || env.includes(needle)) out.push(`${pid} ${cmd}`);
    } catch {
      // gone
    }
  }
  return out;
}
