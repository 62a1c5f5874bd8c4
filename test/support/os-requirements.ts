// Suites that need a program from an OS package ask here before they start it. A missing program skips
// the suite with one visible line naming the Debian package to install (and the summary reporter lists
// every such skip at the end of the run); with OPEN_AMA_TEST_REQUIRE_ALL=1, which .ci/run sets, a missing
// program fails the suite instead, so CI always runs everything.
import { describe, test } from '@jest/globals';
import { accessSync, appendFileSync, constants } from 'node:fs';
import * as path from 'node:path';

export interface OsRequirement {
  /** What the suite runs, e.g. `tinyproxy`. */
  program: string;
  /** The Debian package that installs it. */
  debianPackage: string;
  /** Overrides the PATH look-up: returns why the program cannot run, or undefined when it can. */
  probe?: () => string | undefined;
}

export const TINYPROXY: OsRequirement = { program: 'tinyproxy', debianPackage: 'tinyproxy' };
export const RSYSLOGD: OsRequirement = { program: 'rsyslogd', debianPackage: 'rsyslog' };
export const OPENSSL: OsRequirement = { program: 'openssl', debianPackage: 'openssl' };

const SEARCH_PATH = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/local/sbin'];

/** Where `program` is on PATH (plus the sbin folders, where daemons live), or undefined. */
export function findProgram(program: string): string | undefined {
  for (const dir of SEARCH_PATH) {
    if (!dir) continue;
    const candidate = path.join(dir, program);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this folder; try the next
    }
  }
  return undefined;
}

/** Why the requirements are not met (one line naming the packages), or undefined when they are. */
export function unmetRequirements(requirements: readonly OsRequirement[]): string | undefined {
  const missing: string[] = [];
  const packages = new Set<string>();
  for (const r of requirements) {
    const why = r.probe ? r.probe() : findProgram(r.program) ? undefined : `${r.program} is not installed`;
    if (why) {
      missing.push(why);
      packages.add(r.debianPackage);
    }
  }
  if (missing.length === 0) return undefined;
  return `${missing.join('; ')} (apt-get install -y ${[...packages].join(' ')})`;
}

/** True when CI asked that no suite be skipped for a missing OS package. */
export function requireAll(): boolean {
  return process.env.OPEN_AMA_TEST_REQUIRE_ALL === '1';
}

/**
 * `describe` when the requirements are met; otherwise a skipped describe plus one visible line (or, under
 * OPEN_AMA_TEST_REQUIRE_ALL=1, a failing test that says what is missing).
 */
export function describeWhenInstalled(suite: string, requirements: readonly OsRequirement[]): typeof describe.skip {
  const reason = unmetRequirements(requirements);
  if (!reason) return describe;
  return skippedDescribe(suite, reason);
}

/** The same for a reason found some other way (a probe that must run asynchronously first). */
export function skippedDescribe(suite: string, reason: string): typeof describe.skip {
  if (requireAll()) {
    test(`${suite}: its OS requirements are installed (OPEN_AMA_TEST_REQUIRE_ALL=1)`, () => {
      throw new Error(`${suite} cannot run: ${reason}`);
    });
    return describe.skip;
  }
  const line = `skipped: ${suite}: ${reason}`;
  process.stdout.write(`\n${line}\n`);
  const log = process.env.OPEN_AMA_TEST_SKIP_LOG;
  if (log) appendFileSync(log, line + '\n');
  return describe.skip;
}

/** `test` when the requirements are met; otherwise skipped (or failing under OPEN_AMA_TEST_REQUIRE_ALL=1). */
export function testWhenInstalled(name: string, requirements: readonly OsRequirement[]): typeof test.skip {
  const reason = unmetRequirements(requirements);
  if (!reason) return test;
  skippedDescribe(name, reason);
  return test.skip;
}
