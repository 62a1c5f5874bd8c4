// The standalone guest-agent shim's engine (docs/deploy.md "Standalone"): does for one machine what the Azure
// guest agent does for an extension (docs/guest-agent-protocol.md §2–§6), with the harness's product-grade
// parts (harness/layout.ts, command-runner.ts, status-reader.ts, guest-agent-crypto.ts): lays out
// <root>/var/lib/open-ama-standalone/<Name>-<version>/ (package, HandlerEnvironment.json, config/<seq>.settings,
// status/, the log folder), encrypts the protected settings for a certificate it generates in that lib dir
// (so the handler decrypts them on its usual path), and runs install → enable, disable → uninstall, or the
// §5.5 update order. State (version, seq, HandlerState, thumbprint; never a setting) is kept in
// <libDir>/state.json (0600). One run at a time (lock file).
import { constants as fsc, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runManifestCommand, type CommandResult, type Operation } from '../harness/command-runner.js';
import { encryptProtectedSettings, generateTenantCertificate } from '../harness/guest-agent-crypto.js';
import { layoutFor, prepareExtensionDir, type ExtensionLayout, type HandlerManifest } from '../harness/layout.js';
import { readStatusLikeAgent, type AgentViewOfStatus } from '../harness/status-reader.js';
import { runUpdateSequence, type CommandOutcome } from '../harness/update-sequence.js';
import { extractZipSafely } from '../packaging/safe-extract.js';
import { StandaloneError } from './errors.js';
import { copyPackageTree, exists } from './package-tree.js';

export const HANDLER_NAME = 'OpenAma.Monitor.OpenAmaLinuxAgent';
/** Not /var/lib/waagent: that directory belongs to the guest agent (docs/deploy.md). */
export const STANDALONE_LIB_SUBDIR = 'var/lib/open-ama-standalone';

type HandlerState = 'NotInstalled' | 'Installed' | 'Enabled';

export interface StandaloneState {
  name: string;
  version?: string;
  seq: number;
  handlerState: HandlerState;
  /** Thumbprint of the certificate the current settings' protected part is encrypted for. */
  thumbprint?: string;
}

export interface StandaloneSettings {
  publicSettings: Record<string, unknown> | null;
  protectedSettings?: Record<string, unknown>;
}

export interface StandaloneOptions {
  /** "/" on a real machine; tests use a private root (the handler honours OPEN_AMA_ROOT the same way). */
  root: string;
  /** Environment of the handler commands (the agent's minimal one plus what the caller passes on). */
  env: NodeJS.ProcessEnv;
  timeScale: number;
  /** How long to wait for a terminal status after enable (ms). */
  waitMs: number;
  log: (line: string) => void;
}

export class StandaloneAgent {
  state!: StandaloneState;
  readonly libDir: string;

  constructor(private readonly o: StandaloneOptions) {
    this.libDir = path.join(o.root, STANDALONE_LIB_SUBDIR);
  }

  layout(version: string): ExtensionLayout {
    return layoutFor(this.o.root, HANDLER_NAME, version, STANDALONE_LIB_SUBDIR);
  }

  private get stateFile(): string {
    return path.join(this.libDir, 'state.json');
  }

  /** Takes the lock and loads the state; call release() when done. */
  async open(): Promise<void> {
    await fs.mkdir(this.libDir, { recursive: true, mode: 0o700 });
    const st = await fs.lstat(this.libDir);
    if (!st.isDirectory()) throw new StandaloneError(`${this.libDir} is not a directory`);
    await fs.chmod(this.libDir, 0o700);
    await this.lock();
    try {
      this.state = JSON.parse(await fs.readFile(this.stateFile, 'utf8')) as StandaloneState;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      this.state = { name: HANDLER_NAME, seq: 0, handlerState: 'NotInstalled' };
    }
  }

  private async lock(): Promise<void> {
    const file = path.join(this.libDir, 'lock');
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const h = await fs.open(file, fsc.O_WRONLY | fsc.O_CREAT | fsc.O_EXCL | fsc.O_NOFOLLOW, 0o600);
        await h.writeFile(String(process.pid));
        await h.close();
        return;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        const pid = Number.parseInt(await fs.readFile(file, 'utf8').catch(() => ''), 10);
        if (Number.isInteger(pid) && pid > 0 && isAlive(pid))
          throw new StandaloneError(`another open-ama-standalone (pid ${pid}) is running; retry when it has finished`);
        await fs.rm(file, { force: true });
      }
    }
    throw new StandaloneError(`cannot take the lock ${file}`);
  }

  async release(): Promise<void> {
    await fs.rm(path.join(this.libDir, 'lock'), { force: true });
  }

  private async saveState(): Promise<void> {
    const tmp = `${this.stateFile}.tmp-${process.pid}`;
    await fs.writeFile(tmp, `${JSON.stringify(this.state, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
    await fs.rename(tmp, this.stateFile);
    if (this.state.version)
      await fs
        .writeFile(path.join(this.layout(this.state.version).configFolder, 'HandlerState'), this.state.handlerState)
        .catch(() => undefined);
  }

  /**
   * Unpacks a package (a ZIP, or an unpacked package directory) into <libDir>/<Name>-<version>/; when it
   * carries the `installed` version nothing is placed and undefined is returned.
   */
  async placePackage(
    source: string,
    installed?: string,
  ): Promise<{ layout: ExtensionLayout; manifest: HandlerManifest } | undefined> {
    const staging = await fs.mkdtemp(path.join(this.libDir, '.unpack-'));
    try {
      const files = (await fs.stat(source)).isDirectory()
        ? await copyPackageTree(source, staging)
        : await extractZipSafely(source, staging);
      const version = (await fs.readFile(path.join(staging, 'VERSION'), 'utf8').catch(() => '')).trim();
      if (!/^\d+\.\d+(\.\d+){0,2}$/.test(version))
        throw new StandaloneError(`${source} is not an open-ama package (no valid VERSION file)`);
      if (version === installed) return undefined;
      const layout = this.layout(version);
      if (await exists(layout.extDir))
        throw new StandaloneError(`${layout.extDir} already exists but is not the installed version; remove it first`);
      await fs.rename(staging, layout.extDir);
      const moved = files.map((f) => path.join(layout.extDir, path.relative(staging, f)));
      const manifest = path.join(layout.extDir, 'HandlerManifest.json');
      if (!moved.includes(manifest)) throw new StandaloneError(`${source} has no HandlerManifest.json at its root`);
      return { layout, manifest: await prepareExtensionDir(layout, moved, manifest) };
    } finally {
      await fs.rm(staging, { recursive: true, force: true });
    }
  }

  /** <configFolder>/<seq>.settings (0600) as the agent writes it; protected settings encrypted, never stored plain. */
  async writeSettings(l: ExtensionLayout, seq: number, s: StandaloneSettings): Promise<void> {
    let protectedSettings: string | null = null;
    let thumbprint: string | null = null;
    if (s.protectedSettings !== undefined) {
      const cert = await this.certificate();
      thumbprint = cert.thumbprint;
      protectedSettings = await encryptProtectedSettings(s.protectedSettings, cert.crtPath, 'aes-256-cbc');
    }
    const doc = {
      runtimeSettings: [
        {
          handlerSettings: {
            publicSettings: s.publicSettings,
            protectedSettings,
            protectedSettingsCertThumbprint: thumbprint,
          },
        },
      ],
    };
    const file = path.join(l.configFolder, `${seq}.settings`);
    await fs.rm(file, { force: true });
    await fs.writeFile(file, JSON.stringify(doc), { mode: 0o600, flag: 'wx' });
  }

  private async certificate(): Promise<{ thumbprint: string; crtPath: string }> {
    const t = this.state.thumbprint;
    if (t && (await exists(path.join(this.libDir, `${t}.crt`))) && (await exists(path.join(this.libDir, `${t}.prv`))))
      return { thumbprint: t, crtPath: path.join(this.libDir, `${t}.crt`) };
    const cert = await generateTenantCertificate(this.libDir);
    this.state.thumbprint = cert.thumbprint;
    return cert;
  }

  async run(l: ExtensionLayout, op: Operation, seq: number, extraEnv: Record<string, string> = {}): Promise<boolean> {
    return (await this.runCommand(l, op, seq, extraEnv)).ok;
  }

  private async runCommand(
    l: ExtensionLayout,
    op: Operation,
    seq: number,
    extraEnv: Record<string, string> = {},
  ): Promise<CommandOutcome> {
    const { result, missing } = await runManifestCommand({
      layout: l,
      operation: op,
      seq,
      extraEnv,
      baseEnv: this.o.env,
      timeScale: this.o.timeScale,
    });
    if (missing !== undefined) {
      this.o.log(`${op} ${l.version}: ${missing}`);
      return { ok: false };
    }
    this.report(op, l, result);
    return { ok: result.agentErrorCode === 0, result };
  }

  private report(op: Operation, l: ExtensionLayout, r: CommandResult): void {
    const took = `${(r.durationMs / 1000).toFixed(1)} s`;
    if (r.agentErrorCode === 0) this.o.log(`${op} ${l.version}: ok (${took})`);
    else {
      this.o.log(`${op} ${l.version}: FAILED (${r.timedOut ? 'timed out' : `exit ${r.exitCode}`}, ${took})`);
      for (const line of (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-10)) this.o.log(`  ${line}`);
    }
  }

  async waitTerminal(l: ExtensionLayout, seq: number): Promise<AgentViewOfStatus> {
    const until = Date.now() + this.o.waitMs;
    let status = await readStatusLikeAgent(l.statusFolder, seq, HANDLER_NAME);
    while (['transitioning', 'warning', 'none'].includes(status.status) && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      status = await readStatusLikeAgent(l.statusFolder, seq, HANDLER_NAME);
    }
    this.o.log(`status ${l.version} seq ${seq}: ${status.status}${status.message ? ` — ${status.message}` : ''}`);
    return status;
  }

  /** First install: place, settings, install, enable, terminal status. Already installed: update or new settings. */
  async install(source: string, settings: StandaloneSettings): Promise<boolean> {
    if (this.state.version) return this.update(source, settings);
    await this.refuseBesideExtension();
    const placed = await this.placePackage(source);
    if (!placed) throw new StandaloneError('internal: nothing placed');
    const { layout } = placed;
    this.state = { ...this.state, version: layout.version, handlerState: 'NotInstalled' };
    await this.writeSettings(layout, this.state.seq, settings);
    await this.saveState();
    if (!(await this.run(layout, 'install', this.state.seq))) return false;
    this.state.handlerState = 'Installed';
    await this.saveState();
    return this.enable(layout);
  }

  /**
   * One agent per machine: when the guest agent already runs the open-ama extension here (its directory in
   * /var/lib/waagent), a second handler would fight it over the service and /opt/open-ama, so install refuses.
   */
  private async refuseBesideExtension(): Promise<void> {
    const waagent = path.join(this.o.root, 'var/lib/waagent');
    const theirs = (await fs.readdir(waagent).catch(() => [] as string[])).filter((d) =>
      d.startsWith(`${HANDLER_NAME}-`),
    );
    if (theirs.length > 0)
      throw new StandaloneError(
        `the open-ama extension is already installed by the guest agent (${path.join(waagent, theirs[0]!)}); remove the extension first, or keep using it instead of open-ama-standalone`,
      );
  }

  private async enable(l: ExtensionLayout, extraEnv: Record<string, string> = {}): Promise<boolean> {
    const ok = await this.run(l, 'enable', this.state.seq, extraEnv);
    if (!ok) return false;
    this.state.handlerState = 'Enabled';
    await this.saveState();
    return (await this.waitTerminal(l, this.state.seq)).status === 'success';
  }

  /** Removal (docs/guest-agent-protocol.md §5): disable if enabled (a failure stops here), uninstall, delete. */
  async remove(): Promise<boolean> {
    if (!this.state.version) {
      this.o.log('open-ama is not installed; nothing to remove');
      return true;
    }
    const l = this.layout(this.state.version);
    if (this.state.handlerState === 'Enabled') {
      if (!(await this.run(l, 'disable', this.state.seq))) return false;
      this.state.handlerState = 'Installed';
      await this.saveState();
    }
    const ok = await this.run(l, 'uninstall', this.state.seq);
    await fs.rm(l.extDir, { recursive: true, force: true });
    await this.forgetCertificate();
    this.state = { name: HANDLER_NAME, seq: this.state.seq, handlerState: 'NotInstalled' };
    await this.saveState();
    this.o.log(`removed ${l.extDir}`);
    return ok;
  }

  private async forgetCertificate(): Promise<void> {
    const t = this.state.thumbprint;
    if (!t) return;
    for (const ext of ['crt', 'prv']) await fs.rm(path.join(this.libDir, `${t}.${ext}`), { force: true });
  }

  /**
   * docs/guest-agent-protocol.md §5.5, A = installed, B = `source`: B placed and given <seq>.settings, then the
   * agent's update order (harness/update-sequence.ts, shared with the harness).
   * New settings bump the seq (a goal state with new settings); without them B gets A's settings file.
   */
  async update(source: string, settings?: StandaloneSettings): Promise<boolean> {
    const from = this.state.version;
    if (!from) {
      if (!settings) throw new StandaloneError('open-ama is not installed; install needs --settings');
      return this.install(source, settings);
    }
    const a = this.layout(from);
    const aSettings = path.join(a.configFolder, `${this.state.seq}.settings`);
    const placed = await this.placePackage(source, from);
    if (!placed) {
      if (settings) return this.changeSettings(a, settings);
      this.o.log(`open-ama ${from} is already installed`);
      return true;
    }
    const { layout: b, manifest: mb } = placed;
    if (settings) {
      this.state.seq += 1;
      await this.writeSettings(b, this.state.seq, settings);
    } else {
      await fs.copyFile(aSettings, path.join(b.configFolder, `${this.state.seq}.settings`), fsc.COPYFILE_EXCL);
      await fs.chmod(path.join(b.configFolder, `${this.state.seq}.settings`), 0o600);
    }
    const seq = this.state.seq;
    return runUpdateSequence(
      { from: a, to: b, toManifest: mb, enabled: this.state.handlerState === 'Enabled' },
      {
        run: (l, op, extraEnv) => this.runCommand(l, op, seq, extraEnv),
        enable: (l, extraEnv) => this.enable(l, extraEnv),
        setState: async (version, handlerState) => {
          this.state.version = version;
          this.state.handlerState = handlerState;
          await this.saveState();
        },
        note: (_operation, _version, text) => this.o.log(text),
      },
    );
  }

  /** Same version, new settings: a new seq, then enable only (docs/guest-agent-protocol.md §5). */
  private async changeSettings(l: ExtensionLayout, settings: StandaloneSettings): Promise<boolean> {
    this.state.seq += 1;
    await this.writeSettings(l, this.state.seq, settings);
    await this.saveState();
    return this.enable(l);
  }

  /** The current status as the agent would report it (for `status` and scripts). */
  async currentStatus(): Promise<AgentViewOfStatus | undefined> {
    if (!this.state.version) return undefined;
    return readStatusLikeAgent(this.layout(this.state.version).statusFolder, this.state.seq, HANDLER_NAME);
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
