// The running build's version: injected by esbuild (__OPEN_AMA_VERSION__); from package.json in tests.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

declare const __OPEN_AMA_VERSION__: string | undefined;

function readPackageVersion(): string {
  try {
    const here = dirname(fileURLToPath(import.meta.url));
    const pkg = JSON.parse(readFileSync(join(here, '..', '..', 'package.json'), 'utf8')) as { version: string };
    return pkg.version;
  } catch {
    return '0.0.0-dev';
  }
}

export const OPEN_AMA_VERSION: string =
  typeof __OPEN_AMA_VERSION__ === 'string' ? __OPEN_AMA_VERSION__ : readPackageVersion();
