// --bundle FILE: a support bundle (ZIP, written with yazl) an operator can attach to a ticket: the doctor
// report, the agent's logs (last 5 MB of each file), status and heartbeat files, the configuration with
// the proxy credentials removed, local DCRs, the supervisor's view. Secrets never enter it: the proxy
// user name and password are taken out of the configuration, and every text passes the telemetry
// scrubber (registered secrets: proxy password, tokens; URL userinfo; Bearer/Basic values). The file is
// created new (O_EXCL, never through a symlink) with mode 0600.
import { constants as fsc, promises as fs } from 'node:fs';
import * as path from 'node:path';
import yazl from 'yazl';
import { redactString, redactValue } from '../telemetry/index.js';
import type { SupervisorStatus } from '../supervisor/control/index.js';
import type { DoctorContext } from './context.js';
import type { DoctorReport } from './report.js';

export const MAX_LOG_BYTES = 5 * 1024 * 1024;
const MAX_FILES_PER_DIR = 50;
const LOG_NAME = /^(handler|supervisor|collector)\d*\.log(\.\d+)?$|\.log$/;

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

/** The tail of a file (at most `max` bytes), opened without following a symlink; undefined if unreadable. */
async function readTail(file: string, max: number): Promise<string | undefined> {
  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, fsc.O_RDONLY | fsc.O_NOFOLLOW | fsc.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return undefined;
    const len = Math.min(st.size, max);
    const buf = Buffer.alloc(len);
    const { bytesRead } = await fh.read(buf, 0, len, st.size - len);
    const text = buf.subarray(0, bytesRead).toString('utf8');
    return st.size > max ? `[… first ${st.size - max} bytes left out]\n${text}` : text;
  } finally {
    await fh.close();
  }
}

async function filesIn(dir: string, keep: (name: string) => boolean): Promise<string[]> {
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries
    .filter((e) => e.isFile() && keep(e.name))
    .map((e) => e.name)
    .sort()
    .slice(0, MAX_FILES_PER_DIR);
}

/** The configuration as the bundle carries it: proxy credentials out, every other value scrubbed. */
export function sanitizedConfig(config: unknown): unknown {
  const copy = JSON.parse(JSON.stringify(config)) as { proxy?: Record<string, unknown> };
  if (copy.proxy) {
    for (const k of ['username', 'password'])
      if (copy.proxy[k] !== undefined) copy.proxy[k] = '(removed from the support bundle)';
  }
  return redactValue(copy);
}

export async function writeSupportBundle(
  file: string,
  ctx: DoctorContext,
  report: DoctorReport,
  supervisor: SupervisorStatus | string,
): Promise<{ file: string; entries: string[] }> {
  const entries: { name: string; text: string }[] = [];
  const add = (name: string, text: string): void => void entries.push({ name, text: redactString(text) });
  add('doctor.json', JSON.stringify(report, null, 2));
  add(
    'supervisor-status.json',
    JSON.stringify(typeof supervisor === 'string' ? { unavailable: supervisor } : redactValue(supervisor), null, 2),
  );
  if (ctx.config) add('config/agent-config.json', JSON.stringify(sanitizedConfig(ctx.config), null, 2));
  for (const name of await filesIn(ctx.paths.dcrDir, (n) => n.endsWith('.json'))) {
    const text = await readTail(path.join(ctx.paths.dcrDir, name), MAX_LOG_BYTES);
    if (text !== undefined) add(`config/dcr.d/${name}`, JSON.stringify(redactValue(safeJson(text)), null, 2));
  }
  const enabled = await readTail(ctx.paths.enabledStateFile, 64 * 1024);
  if (enabled !== undefined) add('state/enabled-state.json', enabled);
  const t = ctx.config?.status;
  const logDir = t?.logFolder ?? ctx.paths.defaultLogDir;
  for (const name of await filesIn(logDir, (n) => LOG_NAME.test(n))) {
    const text = await readTail(path.join(logDir, name), MAX_LOG_BYTES);
    if (text !== undefined) add(`logs/${name}`, text);
  }
  if (t) {
    for (const name of await filesIn(t.statusFolder, (n) => n.endsWith('.status'))) {
      const text = await readTail(path.join(t.statusFolder, name), 1024 * 1024);
      if (text !== undefined) add(`status/${name}`, text);
    }
    if (t.heartbeatFile) {
      const hb = await readTail(t.heartbeatFile, 1024 * 1024);
      if (hb !== undefined) add(`status/${path.basename(t.heartbeatFile)}`, hb);
    }
  }
  add('README.txt', bundleReadme(ctx, logDir));

  let fh: fs.FileHandle;
  try {
    fh = await fs.open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BundleError(
      code === 'EEXIST'
        ? `${file} already exists: name a new file (the bundle is never written over an existing one)`
        : `cannot create ${file}: ${(err as Error).message}`,
    );
  }
  await fh.chmod(0o600); // the umask may have taken bits away, never added: this only makes it exact
  const zip = new yazl.ZipFile();
  const mtime = new Date();
  for (const e of entries) zip.addBuffer(Buffer.from(e.text, 'utf8'), e.name, { mtime, mode: 0o100600 });
  zip.end();
  const out = fh.createWriteStream();
  await new Promise<void>((resolve, reject) => {
    out.on('close', resolve);
    out.on('error', reject);
    zip.outputStream.on('error', reject);
    zip.outputStream.pipe(out);
  });
  return { file, entries: entries.map((e) => e.name) };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function bundleReadme(ctx: DoctorContext, logDir: string): string {
  return [
    'open-ama support bundle (written by open-ama doctor --bundle; docs/troubleshooting.md)',
    '',
    'doctor.json              the checks, verdicts, causes and fixes',
    'supervisor-status.json   the supervisor and collector as the control socket reported them',
    `config/                  ${ctx.paths.agentConfigFile} without the proxy credentials; ${ctx.paths.dcrDir}`,
    `logs/                    ${logDir} (last ${MAX_LOG_BYTES / 1048576} MB of each file)`,
    'status/                  the extension status and heartbeat files',
    '',
    'Proxy credentials, protected settings and tokens are never included; every file was scrubbed.',
    '',
  ].join('\n');
}
