// Wall-clock jumps for one process with Debian's libfaketime (package `faketime`): the library is
// preloaded into the collector, reads its offset ("+0", "+1h", "-2h", …) from a file on every clock
// call (FAKETIME_NO_CACHE), and leaves the monotonic clock alone (FAKETIME_DONT_FAKE_MONOTONIC), so
// Date.now() jumps while Node's timers keep running. probeFaketime() checks that the preload really
// shifts Node's Date.now() and that a setTimeout still fires; the scenario skips with its reason if not.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, renameSync, writeFileSync } from 'node:fs';

/** libfaketimeMT.so.1 of this machine's multiarch directory, if the package is installed. */
export function faketimeLibrary(): string | undefined {
  const candidates = ['/usr/lib/faketime/libfaketimeMT.so.1'];
  try {
    for (const d of readdirSync('/usr/lib')) candidates.push(`/usr/lib/${d}/faketime/libfaketimeMT.so.1`);
  } catch {
    // no /usr/lib
  }
  return candidates.find((f) => existsSync(f));
}

/** Environment that makes a child read its wall-clock offset from `offsetFile`. */
export function faketimeEnv(lib: string, offsetFile: string): Record<string, string> {
  return {
    LD_PRELOAD: lib,
    FAKETIME_TIMESTAMP_FILE: offsetFile,
    FAKETIME_NO_CACHE: '1',
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
  };
}

/** Environment for a short-lived child (openssl) whose whole wall clock is `offset` away. */
export function fixedOffsetEnv(lib: string, offset: string): Record<string, string> {
  return { LD_PRELOAD: lib, FAKETIME: offset, FAKETIME_DONT_FAKE_MONOTONIC: '1' };
}

/** Why libfaketime cannot drive Node here, or undefined when a +1h preload shifts Date.now() and timers still fire. */
export function probeFaketime(): string | undefined {
  const lib = faketimeLibrary();
  if (!lib) return 'libfaketime is not installed (apt-get install faketime)';
  const script =
    'const t0 = performance.now(); setTimeout(() => console.log(JSON.stringify({ now: Date.now(), waited: performance.now() - t0 })), 50);';
  const before = Date.now();
  const r = spawnSync(process.execPath, ['-e', script], {
    env: { ...process.env, ...fixedOffsetEnv(lib, '+1h') },
    encoding: 'utf8',
    timeout: 15_000,
  });
  const after = Date.now();
  if (r.status !== 0)
    return `node under libfaketime (${lib}) failed: status ${r.status}, ${r.error?.message ?? r.stderr.slice(0, 300)}`;
  let seen: { now: number; waited: number };
  try {
    seen = JSON.parse(r.stdout) as { now: number; waited: number };
  } catch {
    return `node under libfaketime printed ${JSON.stringify(r.stdout.slice(0, 200))}`;
  }
  if (seen.now < before + 3_590_000 || seen.now > after + 3_610_000)
    return `LD_PRELOAD=${lib} FAKETIME=+1h did not shift node's Date.now() by one hour`;
  if (!(seen.waited >= 40)) return 'setTimeout under libfaketime did not wait on the monotonic clock';
  return undefined;
}

/** The offset file a preloaded process reads on every clock call; set() swaps it atomically. */
export class FakeClock {
  constructor(readonly file: string) {}

  set(offset: string): void {
    writeFileSync(`${this.file}.tmp`, `${offset}\n`);
    renameSync(`${this.file}.tmp`, this.file);
  }
}
