// The harness's package extraction (harness/layout.ts → packaging/safe-extract.ts) against crafted ZIPs
// (built with yazl; names and sizes patched in the headers where yazl itself refuses them): a symlink
// already in <ExtDir> — as a file or as a directory — is never written through, entries named with
// `..` or an absolute path are refused, and the uncompressed total is capped (declared and actually
// inflated bytes both count).
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import yazl from 'yazl';
import { extractExtension, layoutFor } from '../../../harness/layout.js';
import { DEFAULT_MAX_EXTRACTED_BYTES, extractZipSafely } from '../../../packaging/safe-extract.js';

const MANIFEST = JSON.stringify([{ version: 1.0, handlerManifest: { enableCommand: 'bin/x enable' } }]);
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'oa-unzip-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function makeZip(entries: [string, Buffer | string][]): Promise<Buffer> {
  const z = new yazl.ZipFile();
  for (const [name, data] of entries) z.addBuffer(Buffer.from(data), name, { compress: true });
  z.end();
  const chunks: Buffer[] = [];
  for await (const c of z.outputStream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** Replaces every occurrence of `from` (local header and central directory) by `to`, same length. */
function rename(zip: Buffer, from: string, to: string): Buffer {
  if (from.length !== to.length) throw new Error('same length only');
  const out = Buffer.from(zip);
  for (let i = out.indexOf(from); i >= 0; i = out.indexOf(from, i + 1)) out.write(to, i, 'latin1');
  return out;
}

/** Sets the declared uncompressed size of every entry (local headers and central directory). */
function declareSize(zip: Buffer, size: number): Buffer {
  const out = Buffer.from(zip);
  for (let i = 0; i + 4 <= out.length; i++) {
    const sig = out.readUInt32LE(i);
    if (sig === 0x04034b50) out.writeUInt32LE(size, i + 22);
    else if (sig === 0x02014b50) out.writeUInt32LE(size, i + 24);
  }
  return out;
}

function zipFile(name: string, data: Buffer): string {
  const f = path.join(dir, name);
  writeFileSync(f, data);
  return f;
}

function freshLayout(name: string): ReturnType<typeof layoutFor> {
  return layoutFor(mkdtempSync(path.join(dir, `${name}-`)), 'OpenAma.Test', '1.0.0');
}

describe('harness extraction of crafted packages', () => {
  test('a symlink already in <ExtDir> in place of a file is not written through', async () => {
    const l = freshLayout('file-link');
    const victim = path.join(dir, 'victim-file');
    writeFileSync(victim, 'original\n');
    mkdirSync(path.join(l.extDir, 'bin'), { recursive: true });
    symlinkSync(victim, path.join(l.extDir, 'bin', 'open-ama-handler'));
    const zip = zipFile(
      'file-link.zip',
      await makeZip([
        ['HandlerManifest.json', MANIFEST],
        ['bin/open-ama-handler', 'attacker-controlled\n'],
      ]),
    );
    await expect(extractExtension(zip, l)).rejects.toThrow(/bin\/open-ama-handler.*already exists.*not overwritten/);
    expect(readFileSync(victim, 'utf8')).toBe('original\n');
  });

  test('a symlinked directory already in <ExtDir> is not followed', async () => {
    const l = freshLayout('dir-link');
    const outside = mkdtempSync(path.join(dir, 'outside-'));
    mkdirSync(l.extDir, { recursive: true });
    symlinkSync(outside, path.join(l.extDir, 'dist'));
    const zip = zipFile(
      'dir-link.zip',
      await makeZip([
        ['HandlerManifest.json', MANIFEST],
        ['dist/handler.mjs', 'console.log(1)\n'],
      ]),
    );
    await expect(extractExtension(zip, l)).rejects.toThrow(/dist is a symlink; refusing to extract into it/);
    expect(readdirSync(outside)).toEqual([]);
  });

  test.each([
    ['../', 'aa/', 'a `..` segment'],
    ['/tm', 'xtm', 'an absolute path'],
  ])('an entry whose name starts with %s is refused (%s)', async (crafted, placeholder) => {
    const l = freshLayout('names');
    const name = `${placeholder}escaped.txt`;
    const zip = zipFile(
      `names-${placeholder.length}.zip`,
      rename(
        await makeZip([
          ['HandlerManifest.json', MANIFEST],
          [name, 'x\n'],
        ]),
        name,
        `${crafted}escaped.txt`,
      ),
    );
    await expect(extractZipSafely(zip, l.root)).rejects.toThrow(/refused|invalid|absolute/);
    expect(existsSync(path.join(l.root, '..', 'escaped.txt'))).toBe(false);
    expect(existsSync(path.join(dir, 'escaped.txt'))).toBe(false);
  });

  test('a ZIP declaring more than the default cap is refused before anything is inflated', async () => {
    const l = freshLayout('declared');
    const zip = zipFile(
      'declared.zip',
      declareSize(await makeZip([['big.bin', Buffer.alloc(1024)]]), DEFAULT_MAX_EXTRACTED_BYTES + 1),
    );
    await expect(extractExtension(zip, l)).rejects.toThrow(
      new RegExp(`more than ${DEFAULT_MAX_EXTRACTED_BYTES} bytes uncompressed`),
    );
  });

  test('the bytes actually inflated count against the cap (a 4 MiB zero-filled entry against a 1 MiB cap)', async () => {
    const dest = mkdtempSync(path.join(dir, 'inflated-'));
    const zip = zipFile('bomb.zip', await makeZip([['zeros.bin', Buffer.alloc(4 * 1024 * 1024)]]));
    expect(readFileSync(zip).length).toBeLessThan(64 * 1024); // a small file that inflates 100×
    await expect(extractZipSafely(zip, dest, { maxTotalBytes: 1024 * 1024 })).rejects.toThrow(
      /more than 1048576 bytes uncompressed/,
    );
    // and within the cap the same ZIP extracts (the cap is what refused it)
    const ok = mkdtempSync(path.join(dir, 'inflated-ok-'));
    expect(await extractZipSafely(zip, ok, { maxTotalBytes: 8 * 1024 * 1024 })).toEqual([path.join(ok, 'zeros.bin')]);
  });

  test('a well-formed package still extracts (manifest found, files u+x)', async () => {
    const l = freshLayout('good');
    const zip = zipFile(
      'good.zip',
      await makeZip([
        ['HandlerManifest.json', MANIFEST],
        ['bin/x', '#!/bin/sh\n'],
      ]),
    );
    expect(await extractExtension(zip, l)).toEqual({ enableCommand: 'bin/x enable' });
    expect(readFileSync(path.join(l.extDir, 'bin/x'), 'utf8')).toBe('#!/bin/sh\n');
  });
});
