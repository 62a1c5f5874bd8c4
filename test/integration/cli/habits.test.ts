// The command-line habits of every open-ama command, through real processes (the bundled cli/main.ts and
// bin/open-ama): --version from package.json; usage errors (unknown argument, missing required option,
// failed check) exit 2 with the message on stderr and nothing on stdout; --help shows examples; --json
// results on stdout, errors on stderr; NO_COLOR / FORCE_COLOR / a terminal decide colours.
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { bundleCli, REPO_ROOT } from '../../support/cli-bundle.js';

let dir: string;
let cli: string;
let version: string;
const ESC = '\u001b[';
/** The environment without the colour variables the test runner may carry. */
function env(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const e: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const k of ['NO_COLOR', 'FORCE_COLOR', 'CI']) if (!(k in extra)) delete e[k];
  return e;
}
const run = (args: string[], extra: Record<string, string> = {}) =>
  execa(process.execPath, [cli, ...args], { reject: false, env: env(extra), extendEnv: false, timeout: 60_000 });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'open-ama-cli-habits-'));
  cli = await bundleCli(dir);
  version = (JSON.parse(await readFile(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('open-ama command-line habits', () => {
  test('--version prints the package version (bundled CLI and bin/open-ama), exit 0', async () => {
    const r = await run(['--version']);
    expect({ code: r.exitCode, out: r.stdout.trim() }).toEqual({ code: 0, out: version });
    const shim = await execa('sh', [path.join(REPO_ROOT, 'bin/open-ama'), '--version'], { reject: false });
    expect({ code: shim.exitCode, out: shim.stdout.trim() }).toEqual({ code: 0, out: version });
  }, 120_000);

  test.each([
    ['unknown command', ['nope'], /Unknown argument: nope/],
    ['unknown option at the root', ['dcr', 'explain', 'x.json', '--bogus'], /Unknown argument: bogus/],
    [
      'unknown option of deploy extension',
      ['deploy', 'extension', '--subscription', 'S', '--version', '0.1', '--frobnicate'],
      /Unknown argument: frobnicate/,
    ],
    ['missing required option', ['deploy', 'extension', '--subscription', 'S'], /Missing required argument: version/],
    ['missing command', [], /give a command/],
    [
      'a failed check',
      [
        'deploy',
        'dcr',
        '--subscription',
        'S',
        '--resource-group',
        'G',
        '--workspace',
        'W',
        '--location',
        'l',
        '--from',
        'f.json',
        '--associate',
      ],
      /--associate needs --vm-ids/,
    ],
    ['a bad choice', ['harness', 'explode'], /Invalid values/],
  ])('usage error (%s) exits 2, message on stderr, nothing on stdout', async (_what, args, message) => {
    const r = await run(args);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr).toMatch(/add --help/);
    expect(r.stdout).toBe('');
  });

  test.each([
    [[], /Examples:[\s\S]*open-ama harness run/],
    [['deploy', 'extension'], /Examples:[\s\S]*--dry-run/],
    [['deploy'], /Examples:[\s\S]*open-ama deploy dcr/],
    [['dcr'], /Examples:[\s\S]*open-ama dcr validate --json/],
    [['deploy', 'dcr'], /Examples:[\s\S]*open-ama deploy dcr/],
    [['deploy', 'vmapp'], /Examples:[\s\S]*open-ama deploy vmapp --subscription S/],
    [['doctor'], /Examples:[\s\S]*open-ama doctor/],
    [['harness'], /Examples:[\s\S]*open-ama harness run --zip/],
  ])('%j --help shows examples on stdout, exit 0', async (words, examples) => {
    const r = await run([...words, '--help']);
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(examples);
  });

  test('dcr explain/validate/fix --json: JSON results on stdout, errors on stderr', async () => {
    const good = path.join(REPO_ROOT, 'test/fixtures/dcrs/quickstart-datacollectionrule-create-syslog.json');
    const bad = path.join(REPO_ROOT, 'test/fixtures/dcrs/rest-2024-03-11-DataCollectionRulesCreateEmbeddedDCE.json');
    for (const action of ['explain', 'validate', 'fix']) {
      const r = await run(['dcr', action, '--json', good]);
      expect(() => JSON.parse(r.stdout) as unknown).not.toThrow();
    }
    const fixed = JSON.parse((await run(['dcr', 'fix', '--json', good])).stdout) as {
      changes: string[];
      fixed: unknown;
    };
    expect(fixed.changes.length).toBeGreaterThan(0);
    expect(fixed.fixed).toBeDefined();
    const v = await run(['dcr', 'validate', bad]);
    expect(v.exitCode).toBe(1);
    expect(v.stderr).toMatch(/^error: .*sends to destination "myworkspace"/m);
    expect(v.stdout).not.toMatch(/error:/);
  });

  test('colours: none when piped, FORCE_COLOR=1 turns them on, NO_COLOR and FORCE_COLOR=0 keep them off', async () => {
    const root = path.join(dir, 'empty-vm');
    await mkdir(root, { recursive: true });
    const colourOf = async (extra: Record<string, string>, args: string[] = []) =>
      (await run(['harness', 'uninstall', '--root', root, ...args], extra)).stdout.includes(ESC);
    expect(await colourOf({})).toBe(false);
    expect(await colourOf({ FORCE_COLOR: '1' })).toBe(true);
    expect(await colourOf({ FORCE_COLOR: '0' })).toBe(false);
    expect(await colourOf({ FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
    expect(await colourOf({ CI: 'true' })).toBe(false);
    expect(await colourOf({}, ['--color'])).toBe(true);
    expect(await colourOf({ FORCE_COLOR: '1' }, ['--no-color'])).toBe(false);
  });

  test('colours on a terminal (script(1) gives the CLI a pseudo-terminal), off there with NO_COLOR', async () => {
    const root = path.join(dir, 'empty-vm-tty');
    await mkdir(root, { recursive: true });
    const onTty = (extra: Record<string, string>) =>
      execa('script', ['-qfec', `${process.execPath} ${cli} harness uninstall --root ${root}`, '/dev/null'], {
        reject: false,
        env: env({ TERM: 'xterm', ...extra }),
        extendEnv: false,
        timeout: 60_000,
      });
    expect((await onTty({})).stdout).toContain(ESC);
    expect((await onTty({ NO_COLOR: '1' })).stdout).not.toContain(`${ESC}2m`);
  });
});
