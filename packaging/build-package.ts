// Assembles the extension handler ZIP (docs/packaging.md): HandlerManifest.json at the root, the sh shim,
// the product bundles (+ source maps), settings schemas, the Node runtime and VERSION, in a fixed
// order, then stamps open-ama-<version>.ExtensionImage.xml next to it and reports every part's size.
// A version other than package.json's is built from source into a staging dir with that stamp.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { extensionImageFileName, renderExtensionImage } from './extension-image.js';
import { ARCHES, assertExtensionVersion, readProjectMetadata, type Arch } from './project-metadata.js';
import { mib, obtainNodeRuntime } from './runtime.js';
import { listZipEntries } from './zip-contents.js';
import { writeZip, type ZipEntry } from './zip-writer.js';

const run = promisify(execFile);

/** The bundles the guest agent's commands run (handler), the handler installs (supervisor, collector, doctor) and the standalone shim runs. */
export const PRODUCT_BUNDLES = [
  'handler.mjs',
  'supervisor.mjs',
  'collector.mjs',
  'standalone.mjs',
  'doctor.mjs',
] as const;
/** The sh entry points in bin/: the guest agent's handler, the standalone shim, the operator's doctor (docs/troubleshooting.md). */
export const PACKAGE_SCRIPTS = ['open-ama-handler', 'open-ama-standalone', 'open-ama-doctor'] as const;

export interface PackageOptions {
  repoRoot: string;
  /** One architecture's runtime only; default: both (x64 and arm64) in one ZIP, chosen at install (docs/packaging.md). */
  arch?: Arch;
  /** Defaults to package.json's version; any other value rebuilds the bundles with that stamp. */
  version?: string;
  /** Where the ZIP and ExtensionImage.xml go (default <repo>/dist). */
  outDir?: string;
  /** Prebuilt bundles to ship when the version is package.json's (default <repo>/dist). */
  bundlesDir?: string;
  /** Where the downloaded runtime is cached (default <repo>/.cache). */
  cacheRoot?: string;
  /** Deflate level for runtime/node (default 9; tests trade ~0.6 MiB for seconds with a lower one). */
  runtimeCompressionLevel?: number;
  mediaLink?: string;
  log?: (line: string) => void;
}

export interface PartSize {
  part: string;
  files: number;
  bytes: number;
  compressedBytes: number;
}

export interface PackageResult {
  version: string;
  arches: Arch[];
  zipPath: string;
  extensionImagePath: string;
  zipBytes: number;
  parts: PartSize[];
}

/** `open-ama-<version>-linux.zip` (both runtimes) or `open-ama-<version>-linux-<arch>.zip` (one). */
export function zipFileName(version: string, arch?: Arch): string {
  return `open-ama-${version}-linux${arch ? `-${arch}` : ''}.zip`;
}

/** Where each architecture's runtime sits in the package; the shims pick one by `uname -m`. */
export function runtimeEntry(arch: Arch): string {
  return `runtime/linux-${arch}/node`;
}

export async function buildPackage(opts: PackageOptions): Promise<PackageResult> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const meta = readProjectMetadata(opts.repoRoot);
  const version = opts.version ?? meta.version;
  assertExtensionVersion(version);
  const outDir = opts.outDir ?? path.join(opts.repoRoot, 'dist');
  await mkdir(outDir, { recursive: true });

  const staging = version === meta.version ? undefined : await mkdtemp(path.join(tmpdir(), 'open-ama-bundles-'));
  const disposers: (() => Promise<void>)[] = [];
  try {
    const bundlesDir = staging ?? opts.bundlesDir ?? path.join(opts.repoRoot, 'dist');
    if (staging) await buildBundles(opts.repoRoot, version, staging, log);
    const arches: Arch[] = opts.arch ? [opts.arch] : [...ARCHES];
    const runtimes: { arch: Arch; nodePath: string; licensePath: string }[] = [];
    for (const arch of arches) {
      const runtime = await obtainNodeRuntime({
        arch,
        version: meta.runtimeNodeVersion,
        cacheRoot: opts.cacheRoot ?? path.join(opts.repoRoot, '.cache'),
        log,
      });
      disposers.push(runtime.dispose);
      runtimes.push(runtime);
    }
    const entries = await packageEntries(
      opts.repoRoot,
      bundlesDir,
      version,
      runtimes,
      opts.runtimeCompressionLevel ?? 9,
    );
    const zipPath = path.join(outDir, zipFileName(version, opts.arch));
    const started = Date.now();
    await writeZip(entries, zipPath);
    log(`package: wrote ${zipPath} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const extensionImagePath = path.join(outDir, extensionImageFileName(version));
    await writeFile(extensionImagePath, await renderExtensionImage(meta, { version, mediaLink: opts.mediaLink ?? '' }));
    log(`package: wrote ${extensionImagePath}`);
    const parts = await partSizes(zipPath);
    const zipBytes = (await stat(zipPath)).size;
    log(formatSizes(parts, zipBytes));
    return { version, arches, zipPath, extensionImagePath, zipBytes, parts };
  } finally {
    for (const dispose of disposers) await dispose();
    if (staging) await rm(staging, { recursive: true, force: true });
  }
}

/** Runs packaging/build.mjs for the product bundles only, stamped with `version`, into `outDir`. */
async function buildBundles(
  repoRoot: string,
  version: string,
  outDir: string,
  log: (line: string) => void,
): Promise<void> {
  log(`package: bundling ${version} into ${outDir}`);
  await run(process.execPath, [path.join(repoRoot, 'packaging', 'build.mjs')], {
    cwd: repoRoot,
    env: {
      ...process.env,
      OPEN_AMA_BUILD_VERSION: version,
      OPEN_AMA_BUILD_OUTDIR: outDir,
      OPEN_AMA_BUILD_ONLY: 'product',
    },
    maxBuffer: 16 * 1024 * 1024,
  });
}

async function packageEntries(
  repoRoot: string,
  bundlesDir: string,
  version: string,
  runtimes: readonly { arch: Arch; nodePath: string; licensePath: string }[],
  runtimeLevel: number,
): Promise<ZipEntry[]> {
  const regular = (zipPath: string, file: string): ZipEntry => ({
    path: zipPath,
    file,
    executable: false,
    compressionLevel: 9,
  });
  const entries: ZipEntry[] = [regular('HandlerManifest.json', path.join(repoRoot, 'HandlerManifest.json'))];
  for (const script of PACKAGE_SCRIPTS)
    entries.push({
      path: `bin/${script}`,
      file: path.join(repoRoot, 'bin', script),
      executable: true,
      compressionLevel: 9,
    });
  for (const bundle of PRODUCT_BUNDLES) {
    const file = path.join(bundlesDir, bundle);
    if (!existsSync(file))
      throw new Error(`${file} is missing: run \`npm run build\` first (or fix the build of ${bundle})`);
    entries.push(regular(`dist/${bundle}`, file));
    if (existsSync(`${file}.map`)) entries.push(regular(`dist/${bundle}.map`, `${file}.map`));
  }
  const schemas = (await readdir(path.join(repoRoot, 'settings-schemas')))
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
  for (const schema of schemas)
    entries.push(regular(`settings-schemas/${schema}`, path.join(repoRoot, 'settings-schemas', schema)));
  for (const rt of runtimes)
    entries.push({ path: runtimeEntry(rt.arch), file: rt.nodePath, executable: true, compressionLevel: runtimeLevel });
  // The same Node release for every architecture, so one licence file covers them all.
  entries.push(regular('runtime/LICENSE', runtimes[0]!.licensePath));
  entries.push({ path: 'VERSION', data: Buffer.from(`${version}\n`), executable: false, compressionLevel: 9 });
  return entries;
}

function partOf(entryPath: string): string {
  if (entryPath.startsWith('runtime/')) return entryPath;
  if (entryPath.endsWith('.mjs.map')) return 'dist/*.mjs.map';
  if (entryPath.startsWith('dist/')) return entryPath;
  if (entryPath.startsWith('settings-schemas/')) return 'settings-schemas/*.json';
  return 'HandlerManifest.json, bin/, VERSION';
}

export async function partSizes(zipPath: string): Promise<PartSize[]> {
  const parts = new Map<string, PartSize>();
  for (const entry of await listZipEntries(zipPath)) {
    const name = partOf(entry.path);
    const part = parts.get(name) ?? { part: name, files: 0, bytes: 0, compressedBytes: 0 };
    part.files += 1;
    part.bytes += entry.uncompressedSize;
    part.compressedBytes += entry.compressedSize;
    parts.set(name, part);
  }
  return [...parts.values()];
}

function size(bytes: number): string {
  return bytes >= 1024 * 1024 ? mib(bytes) : `${(bytes / 1024).toFixed(1)} KiB`;
}

export function formatSizes(parts: readonly PartSize[], zipBytes: number): string {
  const rows = parts.map(
    (p) =>
      `  ${p.part.padEnd(40)} ${String(p.files).padStart(3)} file(s) ${size(p.bytes).padStart(11)} → ${size(p.compressedBytes).padStart(11)}`,
  );
  return [`package: ZIP ${size(zipBytes)} (${zipBytes} bytes); parts (uncompressed → compressed):`, ...rows].join('\n');
}
