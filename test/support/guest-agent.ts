// The guest agent's side of the extension protocol for the handler's own integration tests, built on the
// harness (harness/ is the one guest-agent simulator): lay out the package as the agent does, write
// <seq>.settings, encrypt protected settings with the harness's tenant certificate (real openssl), and run one
// operation with the agent's environment (docs/guest-agent-protocol.md). Tests drive single operations and
// bad inputs the harness's scripted scenarios never produce.
import { writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { runCommand, type CommandResult, type Operation } from '../../harness/command-runner.js';
import { encryptProtectedSettings, generateTenantCertificate } from '../../harness/guest-agent-crypto.js';
import { extractExtension, layoutFor, type ExtensionLayout } from '../../harness/layout.js';

export type { ExtensionLayout };

export const HANDLER_NAME = 'OpenAma.Monitor.OpenAmaLinuxAgent';

/** Unzips `zip` into <root>/var/lib/waagent/<Name>-<version>/ and writes HandlerEnvironment.json. */
export async function installPackage(root: string, zip: string, version: string): Promise<ExtensionLayout> {
  const layout = layoutFor(root, HANDLER_NAME, version);
  await extractExtension(zip, layout);
  return layout;
}

/** A tenant certificate in `libDir` (<THUMB>.crt / .prv, as the agent keeps them); returns the thumbprint. */
export async function makeCertificate(libDir: string): Promise<string> {
  return (await generateTenantCertificate(libDir)).thumbprint;
}

/** `settings` encrypted for the certificate `thumb` in `libDir`: the value of handlerSettings.protectedSettings. */
export async function encrypt(
  libDir: string,
  thumb: string,
  settings: unknown,
  cipher: 'des3' | 'aes256',
): Promise<string> {
  const crt = path.join(libDir, `${thumb}.crt`);
  return encryptProtectedSettings(settings, crt, cipher === 'aes256' ? 'aes-256-cbc' : 'des-ede3-cbc');
}

/** <configFolder>/<seq>.settings with one runtimeSettings entry. */
export function writeSettings(
  ext: ExtensionLayout,
  seq: number,
  publicSettings: unknown,
  protectedB64: string | null = null,
  thumb: string | null = null,
): void {
  const doc = {
    runtimeSettings: [
      { handlerSettings: { publicSettings, protectedSettings: protectedB64, protectedSettingsCertThumbprint: thumb } },
    ],
  };
  writeFileSync(path.join(ext.configFolder, `${seq}.settings`), JSON.stringify(doc));
}

/**
 * Runs `bin/open-ama-handler <op>` as the agent does, with a minimal PATH and OPEN_AMA_ROOT; `seq` may be any
 * text (bad-input tests pass "abc"). An `extraEnv` value of `__unset__` removes that variable.
 */
export async function runOp(
  ext: ExtensionLayout,
  op: Operation,
  seq: number | string,
  extraEnv: Record<string, string> = {},
): Promise<CommandResult> {
  const baseEnv: NodeJS.ProcessEnv = { PATH: '/usr/local/bin:/usr/bin:/bin', OPEN_AMA_ROOT: ext.root };
  const unset = Object.keys(extraEnv).filter((k) => extraEnv[k] === '__unset__');
  const set = Object.fromEntries(Object.entries(extraEnv).filter(([, v]) => v !== '__unset__'));
  return runCommand({
    layout: ext,
    operation: op,
    commandLine: `bin/open-ama-handler ${op}`,
    seq,
    baseEnv,
    extraEnv: set,
    unsetEnv: unset,
  });
}

export { processesMentioning } from '../../harness/leak-check.js';
