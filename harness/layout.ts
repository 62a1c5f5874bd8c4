// Lays out an extension like the guest agent does (docs/guest-agent-protocol.md §2, §5): unzip the package into
// <root>/var/lib/waagent/<Name>-<ver>/, find the first HandlerManifest.json and copy it to the root
// (BOM stripped), add u+x to every file (ZIP extraction restores no modes), create config/ and status/
// (0700), the log folder and events/ (0700), and write HandlerEnvironment.json exactly as the agent.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { extractZipSafely } from '../packaging/safe-extract.js';

export interface ExtensionLayout {
  root: string;
  libDir: string;
  name: string;
  version: string;
  extDir: string;
  configFolder: string;
  statusFolder: string;
  logFolder: string;
  eventsFolder: string;
  heartbeatFile: string;
}

export interface HandlerManifest {
  installCommand?: string;
  uninstallCommand?: string;
  updateCommand?: string;
  enableCommand?: string;
  disableCommand?: string;
  reportHeartbeat?: unknown;
  updateMode?: unknown;
  continueOnUpdateFailure?: unknown;
}

/** `libSubdir`: the agent's /var/lib/waagent by default; the standalone shim uses its own (docs/deploy.md). */
export function layoutFor(root: string, name: string, version: string, libSubdir = 'var/lib/waagent'): ExtensionLayout {
  const libDir = path.join(root, libSubdir);
  const extDir = path.join(libDir, `${name}-${version}`);
  const logFolder = path.join(root, 'var/log/azure', name);
  return {
    root,
    libDir,
    name,
    version,
    extDir,
    configFolder: path.join(extDir, 'config'),
    statusFolder: path.join(extDir, 'status'),
    logFolder,
    eventsFolder: path.join(logFolder, 'events'),
    heartbeatFile: path.join(extDir, 'heartbeat.log'),
  };
}

export async function extractExtension(zip: string, layout: ExtensionLayout): Promise<HandlerManifest> {
  await fs.mkdir(layout.extDir, { recursive: true, mode: 0o755 });
  // O_EXCL|O_NOFOLLOW per file, real directories only, size cap (packaging/safe-extract.ts): a file or
  // symlink already in <ExtDir> is an error, never written through.
  const files = await extractZipSafely(zip, layout.extDir);
  const manifestFile = files
    .filter((f) => path.basename(f) === 'HandlerManifest.json')
    .sort((a, b) => a.length - b.length)[0];
  if (!manifestFile) throw new Error('HandlerManifest.json not found in the package');
  return prepareExtensionDir(layout, files, manifestFile);
}

/**
 * What the agent does after unzipping: the first HandlerManifest.json copied to the root (BOM stripped),
 * u+x on every file, config/, status/ and events/ (0700), HandlerEnvironment.json.
 */
export async function prepareExtensionDir(
  layout: ExtensionLayout,
  files: readonly string[],
  manifestFile: string,
): Promise<HandlerManifest> {
  const text = (await fs.readFile(manifestFile, 'utf8')).replace(/^\uFEFF/, '');
  await fs.writeFile(path.join(layout.extDir, 'HandlerManifest.json'), text);
  for (const f of files) await fs.chmod(f, ((await fs.stat(f)).mode & 0o777) | 0o100);
  for (const d of [layout.configFolder, layout.statusFolder]) await fs.mkdir(d, { recursive: true, mode: 0o700 });
  await fs.mkdir(layout.eventsFolder, { recursive: true, mode: 0o700 });
  await writeHandlerEnvironment(layout);
  return readManifest(layout.extDir);
}

export async function readManifest(extDir: string): Promise<HandlerManifest> {
  const parsed = JSON.parse(
    (await fs.readFile(path.join(extDir, 'HandlerManifest.json'), 'utf8')).replace(/^\uFEFF/, ''),
  ) as unknown;
  if (!Array.isArray(parsed) || typeof parsed[0] !== 'object' || !parsed[0])
    throw new Error('HandlerManifest.json must be a JSON array whose element 0 is an object');
  return ((parsed[0] as { handlerManifest?: HandlerManifest }).handlerManifest ?? {}) as HandlerManifest;
}

export async function writeHandlerEnvironment(l: ExtensionLayout): Promise<void> {
  const doc = [
    {
      name: l.name,
      version: 1.0,
      handlerEnvironment: {
        logFolder: l.logFolder,
        configFolder: l.configFolder,
        statusFolder: l.statusFolder,
        heartbeatFile: l.heartbeatFile,
        eventsFolder: l.eventsFolder,
        eventsFolder_preview: l.eventsFolder,
      },
    },
  ];
  await fs.writeFile(path.join(l.extDir, 'HandlerEnvironment.json'), JSON.stringify(doc, null, 2));
}

/** docs/guest-agent-protocol.md §1 boolean parsing: JSON true, or the string "true" in any case. */
export function manifestBool(v: unknown): boolean {
  return v === true || (typeof v === 'string' && v.toLowerCase() === 'true');
}
