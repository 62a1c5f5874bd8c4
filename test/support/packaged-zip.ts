// Test fixture: the path of the extension ZIP packaged from the current dist/ bundles (both runtimes), built
// at most once per test run across parallel jest workers. Cached in .cache/test-zips/<version>/<hash>/,
// the hash covering every input (dist/*.mjs + maps, HandlerManifest.json, shim, schemas, packaging code,
// package.json), so stale ZIPs are rebuilt; a lock file keeps two workers from building at once. The
// runtime is deflated at level 1 here (seconds instead of ~10 s, ~1 MiB bigger); nothing else differs.
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { buildPackage, PRODUCT_BUNDLES, zipFileName } from '../../packaging/build-package.js';
import { findRepoRoot, readProjectMetadata } from '../../packaging/project-metadata.js';

const run = promisify(execFile);
const repoRoot = findRepoRoot(path.dirname(fileURLToPath(import.meta.url)));
const cacheRoot = path.join(repoRoot, '.cache', 'test-zips');
const LOCK_WAIT_MS = 15 * 60_000;
const built = new Map<string, Promise<string>>();

export async function packagedZip(opts: { version?: string } = {}): Promise<string> {
  const version = opts.version ?? readProjectMetadata(repoRoot).version;
  let zip = built.get(version);
  if (!zip) {
    zip = buildOnce(version);
    built.set(version, zip);
    zip.catch(() => built.delete(version));
  }
  return zip;
}

async function buildOnce(version: string): Promise<string> {
  await mkdir(cacheRoot, { recursive: true });
  const distDir = path.join(repoRoot, 'dist');
  if (PRODUCT_BUNDLES.some((b) => !existsSync(path.join(distDir, b)))) {
    await withLock(path.join(cacheRoot, 'build.lock'), async () => {
      if (PRODUCT_BUNDLES.some((b) => !existsSync(path.join(distDir, b)))) {
        await run(process.execPath, [path.join(repoRoot, 'packaging', 'build.mjs')], {
          cwd: repoRoot,
          maxBuffer: 16 * 1024 * 1024,
        });
      }
    });
  }
  const versionDir = path.join(cacheRoot, version);
  const dir = path.join(versionDir, await inputsHash());
  const zipPath = path.join(dir, zipFileName(version));
  if (existsSync(zipPath)) return zipPath;
  await mkdir(versionDir, { recursive: true });
  await withLock(path.join(cacheRoot, `${version}.lock`), async () => {
    if (existsSync(zipPath)) return;
    const staging = `${dir}.tmp-${process.pid}`;
    await rm(staging, { recursive: true, force: true });
    try {
      await buildPackage({
        repoRoot,
        version,
        outDir: staging,
        runtimeCompressionLevel: 1,
        log: () => undefined,
      });
      // Older builds of this version are stale by construction (their inputs differ).
      for (const old of await readdir(versionDir)) {
        if (path.join(versionDir, old) !== staging)
          await rm(path.join(versionDir, old), { recursive: true, force: true });
      }
      await rename(staging, dir);
    } finally {
      await rm(staging, { recursive: true, force: true });
    }
  });
  return zipPath;
}

async function inputsHash(): Promise<string> {
  const hash = createHash('sha256');
  const listed = async (dir: string, keep: (name: string) => boolean): Promise<string[]> =>
    existsSync(dir)
      ? (await readdir(dir))
          .filter(keep)
          .sort()
          .map((f) => path.join(dir, f))
      : [];
  const files = [
    ...(await listed(path.join(repoRoot, 'dist'), (f) => f.endsWith('.mjs') || f.endsWith('.mjs.map'))),
    ...(await listed(path.join(repoRoot, 'settings-schemas'), (f) => f.endsWith('.schema.json'))),
    ...(await listed(path.join(repoRoot, 'packaging'), (f) => /\.(ts|mjs)$/.test(f))),
    ...[
      'HandlerManifest.json',
      'bin/open-ama-handler',
      'bin/open-ama-standalone',
      'bin/open-ama-doctor',
      'manifest/ExtensionImage.template.xml',
      'package.json',
    ].map((f) => path.join(repoRoot, f)),
  ];
  for (const file of files) {
    hash
      .update(path.relative(repoRoot, file))
      .update('\0')
      .update(await readFile(file))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/** Runs `fn` holding an exclusive lock file (O_EXCL); a lock whose owner process is gone is taken over. */
async function withLock(lockPath: string, fn: () => Promise<void>): Promise<void> {
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      await handle.writeFile(String(process.pid));
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      if (await lockIsStale(lockPath)) {
        await rm(lockPath, { force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`waited too long for ${lockPath} (remove it if no build is running)`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    await fn();
  } finally {
    await rm(lockPath, { force: true });
  }
}

async function lockIsStale(lockPath: string): Promise<boolean> {
  try {
    const pid = Number.parseInt(await readFile(lockPath, 'utf8'), 10);
    if (!Number.isInteger(pid) || pid <= 0) return Date.now() - (await stat(lockPath)).mtimeMs > 10_000;
    process.kill(pid, 0);
    return false;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return code === 'ESRCH' || code === 'ENOENT';
  }
}
