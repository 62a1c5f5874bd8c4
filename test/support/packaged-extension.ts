// Jest suite setup for the handler's integration suites (kept apart from guest-agent.ts, which the benchmark
// bundles too and which must not import @jest/globals).
import { afterAll, beforeAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { installPackage, type ExtensionLayout } from './guest-agent.js';
import { packagedZip } from './packaged-zip.js';

/**
 * The setup every handler suite shares: the packaged ZIP (built once, before the suite), fresh temp roots that
 * are removed after it, and a fresh root with the package laid out in it as version 0.1.0.
 */
export function usePackagedExtension(prefix: string): {
  zip: () => string;
  newRoot: () => string;
  installFresh: () => Promise<ExtensionLayout>;
} {
  let zip: string | undefined;
  const roots: string[] = [];
  beforeAll(async () => {
    zip = await packagedZip();
  }, 600_000);
  afterAll(() => {
    for (const r of roots) rmSync(r, { recursive: true, force: true });
  });
  const zipPath = (): string => {
    if (!zip) throw new Error('usePackagedExtension: the packaged ZIP is built in beforeAll');
    return zip;
  };
  const newRoot = (): string => {
    const r = mkdtempSync(path.join(os.tmpdir(), prefix));
    roots.push(r);
    return r;
  };
  return { zip: zipPath, newRoot, installFresh: () => installPackage(newRoot(), zipPath(), '0.1.0') };
}
