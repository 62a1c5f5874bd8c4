// The packaged ZIP: exact layout and order, modes, fixed timestamps, no symlinks, HandlerManifest per
// docs/guest-agent-protocol.md §1, VERSION, one runtime per CPU (x64 and arm64: ELF machine and size checked),
// ExtensionImage.xml stamped with package.json's version, and byte-identical output for identical inputs.
import { beforeAll, describe, expect, it } from '@jest/globals';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { UNIT_NAME } from '../../../agent/supervisor/control/unit-file.js';
import { buildPackage, PRODUCT_BUNDLES, runtimeEntry } from '../../../packaging/build-package.js';
import { ELF_MACHINE } from '../../../packaging/elf.js';
import { extensionImageFileName } from '../../../packaging/extension-image.js';
import { ARCHES, findRepoRoot, hostArch, readProjectMetadata } from '../../../packaging/project-metadata.js';
import { runtimePin } from '../../../packaging/runtime-pins.js';
import { listZipEntries, readZipEntry, type ZipEntryInfo } from '../../../packaging/zip-contents.js';
import { packagedZip } from '../../support/packaged-zip.js';

const repoRoot = findRepoRoot(process.cwd());
const meta = readProjectMetadata(repoRoot);
const OPERATIONS = ['install', 'uninstall', 'update', 'enable', 'disable'] as const;

let zipPath: string;
let entries: ZipEntryInfo[];

beforeAll(async () => {
  zipPath = await packagedZip();
  entries = await listZipEntries(zipPath);
}, 600_000);

async function expectedLayout(): Promise<string[]> {
  const schemas = (await readdir(path.join(repoRoot, 'settings-schemas')))
    .filter((f) => f.endsWith('.schema.json'))
    .sort();
  return [
    'HandlerManifest.json',
    'bin/open-ama-handler',
    'bin/open-ama-standalone',
    'bin/open-ama-doctor',
    ...PRODUCT_BUNDLES.flatMap((b) => [`dist/${b}`, `dist/${b}.map`]),
    ...schemas.map((s) => `settings-schemas/${s}`),
    'runtime/linux-x64/node',
    'runtime/linux-arm64/node',
    'runtime/LICENSE',
    'VERSION',
  ];
}

describe('extension ZIP layout', () => {
  it('holds exactly the expected files, in a fixed order, with HandlerManifest.json first at the root', async () => {
    expect(entries.map((e) => e.path)).toEqual(await expectedLayout());
  });

  it('has no symlinks or directory entries, and regular-file Unix modes (0755 for the bin/ scripts and runtime, 0644 otherwise)', () => {
    for (const entry of entries) {
      expect(entry.isSymlink).toBe(false);
      expect(entry.isDirectory).toBe(false);
      const executable = entry.path.startsWith('bin/') || entry.path.endsWith('/node');
      expect({ path: entry.path, mode: entry.unixMode.toString(8) }).toEqual({
        path: entry.path,
        mode: executable ? '100755' : '100644',
      });
    }
  });

  it('stamps every entry with the same fixed timestamp', () => {
    expect(new Set(entries.map((e) => e.lastModified.getTime())).size).toBe(1);
    expect(entries[0]!.lastModified.getFullYear()).toBe(2000);
  });

  it('has a VERSION file with package.json version', async () => {
    expect((await readZipEntry(zipPath, 'VERSION')).toString()).toBe(`${meta.version}\n`);
  });

  it.each(ARCHES)(
    'ships a Node runtime for %s at runtime/linux-<arch>/node (64-bit little-endian ELF, right machine)',
    async (arch) => {
      const head = (await readZipEntry(zipPath, runtimeEntry(arch))).subarray(0, 20);
      expect(head.subarray(0, 4).toString('latin1')).toBe('\x7fELF');
      expect([head[4], head[5], head.readUInt16LE(18)]).toEqual([2, 1, ELF_MACHINE[arch]]);
    },
  );

  it('carries the pinned arm64 runtime byte for byte (it is never stripped on an x64 build host)', async () => {
    if (hostArch() !== 'x64') return;
    const arm64 = await readZipEntry(zipPath, runtimeEntry('arm64'));
    expect(createHash('sha256').update(arm64).digest('hex')).toBe(
      runtimePin(meta.runtimeNodeVersion, 'arm64').nodeSha256,
    );
  });

  it('stays within its size budget: two runtimes of 100–130 MiB each, and a ZIP under 100 MiB', () => {
    const mib = 1024 * 1024;
    for (const arch of ARCHES) {
      const rt = entries.find((e) => e.path === runtimeEntry(arch))!;
      expect(rt.uncompressedSize).toBeGreaterThan(100 * mib);
      expect(rt.uncompressedSize).toBeLessThan(130 * mib);
    }
    // The test helper deflates the runtimes at level 1; production (level 9) is smaller (docs/packaging.md).
    expect(entries.reduce((n, e) => n + e.compressedSize, 0)).toBeLessThan(100 * mib);
  });
});

describe('HandlerManifest.json in the ZIP (docs/guest-agent-protocol.md §1)', () => {
  let manifest: unknown;
  beforeAll(async () => {
    const raw = await readZipEntry(zipPath, 'HandlerManifest.json');
    expect(raw.subarray(0, 3).equals(Buffer.from([0xef, 0xbb, 0xbf]))).toBe(false);
    manifest = JSON.parse(raw.toString('utf8'));
  });

  it('is an array whose element 0 names all five commands as bin/open-ama-handler <op>', () => {
    expect(Array.isArray(manifest)).toBe(true);
    const hm = (manifest as { handlerManifest: Record<string, unknown> }[])[0]!.handlerManifest;
    for (const op of OPERATIONS) expect(hm[`${op}Command`]).toBe(`bin/open-ama-handler ${op}`);
    expect(entries.map((e) => e.path)).toContain('bin/open-ama-handler');
  });

  it('uses real JSON booleans and the chosen update behaviour', () => {
    const hm = (manifest as { handlerManifest: Record<string, unknown> }[])[0]!.handlerManifest;
    expect(hm).toMatchObject({
      rebootAfterInstall: false,
      reportHeartbeat: true,
      updateMode: 'UpdateWithInstall',
      continueOnUpdateFailure: true,
      supportsMultipleExtensions: false,
    });
    for (const key of [
      'rebootAfterInstall',
      'reportHeartbeat',
      'continueOnUpdateFailure',
      'supportsMultipleExtensions',
    ]) {
      expect(typeof hm[key]).toBe('boolean');
    }
  });

  it('puts resourceLimits beside handlerManifest, capping the supervisor unit open-ama.service at 50% of a CPU', () => {
    const element = (manifest as Record<string, Record<string, unknown>>[])[0]!;
    expect(element.handlerManifest).not.toHaveProperty('resourceLimits');
    expect(element.resourceLimits).toEqual({ services: [{ name: 'open-ama.service', cpuQuotaPercentage: 50 }] });
    expect(UNIT_NAME).toBe('open-ama.service');
  });
});

describe('ExtensionImage.xml next to the ZIP', () => {
  it('is stamped with package.json publisher, type and version, as a public JSON Linux extension', async () => {
    const xml = await readFile(path.join(path.dirname(zipPath), extensionImageFileName(meta.version)), 'utf8');
    const field = (name: string): string | undefined => new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml)?.[1];
    expect(field('ProviderNameSpace')).toBe(meta.publisher);
    expect(field('Type')).toBe(meta.type);
    expect(field('Version')).toBe(meta.version);
    expect(field('IsJsonExtension')).toBe('true');
    expect(field('IsInternalExtension')).toBe('false');
    expect(field('SupportedOS')).toBe('Linux');
    expect(xml).not.toContain('{{');
  });
});

describe('reproducible packaging', () => {
  it('produces byte-identical ZIPs from the same inputs', async () => {
    const work = await mkdtemp(path.join(tmpdir(), 'open-ama-repro-'));
    try {
      // A snapshot of the bundles, so a concurrent `npm run build` cannot change the inputs between builds.
      const bundles = path.join(work, 'bundles');
      await mkdir(bundles);
      for (const b of PRODUCT_BUNDLES) {
        await copyFile(path.join(repoRoot, 'dist', b), path.join(bundles, b));
        await copyFile(path.join(repoRoot, 'dist', `${b}.map`), path.join(bundles, `${b}.map`));
      }
      const digests: string[] = [];
      for (const out of ['a', 'b']) {
        const result = await buildPackage({
          repoRoot,
          bundlesDir: bundles,
          outDir: path.join(work, out),
          runtimeCompressionLevel: 0,
          log: () => undefined,
        });
        digests.push(
          createHash('sha256')
            .update(await readFile(result.zipPath))
            .digest('hex'),
        );
      }
      expect(digests[0]).toBe(digests[1]);
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  }, 300_000);
});
