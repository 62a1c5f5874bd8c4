// The ARM plumbing every Azure-facing CLI command shares (`deploy extension`, `deploy vmapp`, `deploy dcr`,
// `dcr fix --apply`): the --cloud and --arm-endpoint options, the connection they give (endpoint + credential,
// deploy/credential.ts), and the handler wrapper that turns an error into one "open-ama <command>: <message>" line
// (exit 2 for input, 1 for Azure).
// Credentials: DefaultAzureCredential for --cloud, or OPEN_AMA_ARM_TOKEN; never a secret on argv.
import type { TokenCredential } from '@azure/identity';
import type { Argv } from 'yargs';
import { commandFailure, type ArmOperation } from './azure-errors.js';
import { CLOUDS, type CloudName } from './clouds.js';
import { armConnection } from './credential.js';

export interface ArmConnectionArgv {
  cloud?: CloudName;
  'arm-endpoint'?: string;
}

export const CLOUD_NAMES = Object.keys(CLOUDS) as CloudName[];

/** Adds --cloud (default AzureCloud) and --arm-endpoint. */
export function withArmConnectionOptions<T>(y: Argv<T>): Argv<T & ArmConnectionArgv> {
  return y
    .option('cloud', { choices: CLOUD_NAMES, default: 'AzureCloud' as CloudName, describe: 'Azure cloud' })
    .option('arm-endpoint', {
      type: 'string',
      describe: 'ARM endpoint override (tests, private clouds)',
    }) as unknown as Argv<T & ArmConnectionArgv>;
}

/** The ARM endpoint and credential the options name. */
export function connectArm(a: ArmConnectionArgv): { armEndpoint: string; credential: TokenCredential } {
  return armConnection(a.cloud ?? 'AzureCloud', a['arm-endpoint']);
}

/**
 * Runs a command body: its result is the exit code; an error it throws is one stderr line — exit 2 for the
 * operator's input, exit 1 with what to do when Azure refused (sign-in, permission; deploy/azure-errors.ts).
 */
export async function runArmCommand(
  command: string,
  body: () => Promise<number>,
  operation: ArmOperation = 'list machines',
): Promise<void> {
  try {
    process.exitCode = await body();
  } catch (err) {
    const f = commandFailure(err, operation);
    process.stderr.write(`open-ama ${command}: ${f.message}\n`);
    process.exitCode = f.exitCode;
  }
}
