// Entry point of bin/open-ama-standalone (dist/standalone.mjs, run by the bundled runtime): the standalone
// guest-agent shim for machines without Azure's extension model — VM Applications, Arc and on-premises
// servers through Run Command, cloud-init or configuration management (docs/deploy.md "Standalone").
//   install --settings FILE [--protected-settings FILE] [--package ZIP|DIR] [--wait S]
//   update  [--settings FILE] [--protected-settings FILE] [--package ZIP|DIR]
//   remove
//   status
// --package defaults to the package this script was unpacked from. Exit 0 on success (terminal status
// `success`), 1 when an operation failed, 2 on bad usage or input. Settings files are checked by
// standalone/settings-input.ts; the protected one is read here and reaches the handler only encrypted.
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { StandaloneAgent, type StandaloneSettings } from './driver.js';
import { readSettingsFile, SettingsInputError } from './settings-input.js';

const USAGE = `usage: open-ama-standalone install --settings FILE [--protected-settings FILE] [--package ZIP|DIR] [--wait SECONDS]
       open-ama-standalone update [--settings FILE] [--protected-settings FILE] [--package ZIP|DIR]
       open-ama-standalone remove
       open-ama-standalone status`;

/** Passed on to the handler commands besides the agent's own variables (Arc's HIMDS variables included). */
const PASS_ENV = /^(OPEN_AMA_|IDENTITY_ENDPOINT$|IMDS_ENDPOINT$|NODE_EXTRA_CA_CERTS$|TZ$|LANG$)/;

class UsageError extends Error {}

function handlerEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {
    PATH: `${env.PATH ? `${env.PATH}:` : ''}/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin`,
  };
  for (const [k, v] of Object.entries(env)) if (PASS_ENV.test(k) && v !== undefined) out[k] = v;
  return out;
}

async function readSettings(
  settings: string | undefined,
  protectedFile: string | undefined,
): Promise<StandaloneSettings | undefined> {
  if (settings === undefined) {
    if (protectedFile !== undefined) throw new UsageError('--protected-settings needs --settings');
    return undefined;
  }
  return {
    publicSettings: await readSettingsFile(settings, { secret: false }),
    ...(protectedFile !== undefined
      ? { protectedSettings: await readSettingsFile(protectedFile, { secret: true }) }
      : {}),
  };
}

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    options: {
      settings: { type: 'string' },
      'protected-settings': { type: 'string' },
      package: { type: 'string' },
      wait: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
    strict: true,
  });
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  const command = positionals[0];
  if (positionals.length !== 1 || !['install', 'update', 'remove', 'status'].includes(command ?? ''))
    throw new UsageError(`expected one of install, update, remove, status (got ${JSON.stringify(positionals)})`);
  const waitS = values.wait === undefined ? 120 : Number(values.wait);
  if (!Number.isFinite(waitS) || waitS <= 0 || waitS > 3600) throw new UsageError('--wait must be 1–3600 seconds');
  const settings = await readSettings(values.settings, values['protected-settings']);
  if (command === 'install' && !settings) throw new UsageError('install needs --settings FILE');
  const source = path.resolve(values.package ?? packageRoot());
  const timeScale = Number(process.env.OPEN_AMA_TIME_SCALE ?? '1');
  const agent = new StandaloneAgent({
    root: path.resolve(process.env.OPEN_AMA_ROOT || '/'),
    env: handlerEnv(process.env),
    timeScale: Number.isFinite(timeScale) && timeScale > 0 ? timeScale : 1,
    waitMs: waitS * 1000,
    log: (line) => process.stdout.write(`open-ama-standalone: ${line}\n`),
  });
  await agent.open();
  try {
    switch (command) {
      case 'install':
        return (await agent.install(source, settings!)) ? 0 : 1;
      case 'update':
        return (await agent.update(source, settings)) ? 0 : 1;
      case 'remove':
        return (await agent.remove()) ? 0 : 1;
      default: {
        const st = await agent.currentStatus();
        process.stdout.write(
          `${JSON.stringify({ ...agent.state, extDir: agent.state.version ? agent.layout(agent.state.version).extDir : undefined, status: st }, null, 2)}\n`,
        );
        return st?.status === 'success' ? 0 : 1;
      }
    }
  } finally {
    await agent.release();
  }
}

/** <pkg>/dist/standalone.mjs → <pkg>. */
function packageRoot(): string {
  return path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    const bad =
      err instanceof UsageError ||
      err instanceof SettingsInputError ||
      (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS');
    process.stderr.write(`open-ama-standalone: ${err instanceof Error ? err.message : String(err)}\n`);
    if (bad) process.stderr.write(`${USAGE}\n`);
    process.exit(bad ? 2 : 1);
  },
);
