// The install / remove / update command lines of the open-ama VM Application (docs/deploy.md "VM Application").
// The VM Application manager downloads the package and the configuration to the application's directory under
// the names in the version's settings (packageFileName, configFileName) and runs these lines there with a
// shell. Each unpacks the ZIP with python3's zipfile (the guest agent itself is Python, so python3 is on every
// VM that can run VM Applications; `unzip` is not), runs the standalone shim from it (bin/open-ama-standalone,
// which copies the package into its own directory), removes the unpacked copy and exits with the shim's code.
// File names and the protected-settings path are checked here, so nothing in a line needs quoting.

export interface VmAppCommandOptions {
  packageFileName: string;
  configFileName: string;
  /** A root-only file already on the machine (0600, root) holding the protected settings, if any. */
  protectedSettingsFile?: string;
}

export interface VmAppCommands {
  install: string;
  remove: string;
  update: string;
}

const SAFE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const SAFE_PATH = /^\/[A-Za-z0-9._/-]{1,255}$/;
/** The directory the ZIP is unpacked into, inside the application's download directory. */
export const UNPACK_DIR = 'open-ama-pkg';

export function vmAppCommands(o: VmAppCommandOptions): VmAppCommands {
  for (const [what, name] of [
    ['package file name', o.packageFileName],
    ['configuration file name', o.configFileName],
  ] as const)
    if (!SAFE_NAME.test(name))
      throw new Error(`${what} ${JSON.stringify(name)} must be 1–100 characters of A–Z, a–z, 0–9, ".", "_", "-"`);
  if (
    o.protectedSettingsFile !== undefined &&
    (!SAFE_PATH.test(o.protectedSettingsFile) || o.protectedSettingsFile.includes('..'))
  )
    throw new Error(
      `protected settings file ${JSON.stringify(o.protectedSettingsFile)} must be an absolute path of A–Z, a–z, 0–9, ".", "_", "-", "/" without ".."`,
    );
  const withShim = (args: string): string =>
    `rm -rf ${UNPACK_DIR} && python3 -m zipfile -e ${o.packageFileName} ${UNPACK_DIR} && sh ${UNPACK_DIR}/bin/open-ama-standalone ${args}; rc=$?; rm -rf ${UNPACK_DIR}; exit $rc`;
  const settings = `--settings ${o.configFileName}${o.protectedSettingsFile ? ` --protected-settings ${o.protectedSettingsFile}` : ''}`;
  return {
    install: withShim(`install ${settings}`),
    remove: withShim('remove'),
    update: withShim(`update ${settings}`),
  };
}
