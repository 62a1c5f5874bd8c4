// The simulated guest agent: runs the scenarios of docs/guest-agent-protocol.md §5 against one extension package —
// first install (install → enable), settings change (enable with a new seq), reboot (enable, same seq),
// disable, uninstall (disable if enabled → uninstall → delete ExtDir → leak check) and the full update
// sequence A→B (§5.5 incl. updateMode and continueOnUpdateFailure). Every step is recorded.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { runManifestCommand, type CommandResult, type Operation } from './command-runner.js';
import { encryptProtectedSettings, generateTenantCertificate } from './guest-agent-crypto.js';
import { extractExtension, layoutFor, readManifest, type ExtensionLayout } from './layout.js';
import { processesUnder } from './leak-check.js';
import { readStatusLikeAgent, type AgentViewOfStatus } from './status-reader.js';
import { loadVmState, saveVmState, type VmState } from './vm-state.js';
import { Spinner } from './spinner.js';
import { runUpdateSequence } from './update-sequence.js';

export interface StepRecord {
  operation: Operation | 'copy-state' | 'delete-extdir' | 'leak-check' | 'wait-status';
  version: string;
  seq: number;
  result?: CommandResult;
  status?: AgentViewOfStatus;
  note?: string;
  ok: boolean;
}

export interface GuestAgentOptions {
  root: string;
  name: string;
  timeScale: number;
  /** Max wait for a terminal status after enable (ms). */
  waitMs: number;
  env: NodeJS.ProcessEnv;
  onStep?: (s: StepRecord) => void;
}

export class SimulatedGuestAgent {
  readonly steps: StepRecord[] = [];
  state!: VmState;

  constructor(private readonly o: GuestAgentOptions) {}

  async load(): Promise<void> {
    this.state = await loadVmState(this.o.root, this.o.name);
  }

  layout(version = this.state.version!): ExtensionLayout {
    return layoutFor(this.o.root, this.o.name, version);
  }

  private record(s: StepRecord): StepRecord {
    this.steps.push(s);
    this.o.onStep?.(s);
    return s;
  }

  private async writeSettings(l: ExtensionLayout, seq: number): Promise<void> {
    const pub = this.state.publicSettings ?? null;
    const prot = this.state.protectedSettings;
    let protectedSettings: string | null = null;
    let thumbprint: string | null = null;
    if (prot !== undefined && prot !== null) {
      const cert = await generateTenantCertificate(l.libDir);
      thumbprint = cert.thumbprint;
      protectedSettings = await encryptProtectedSettings(prot, cert.crtPath, this.state.cipher);
    }
    const file = path.join(l.configFolder, `${seq}.settings`);
    if (pub === null && protectedSettings === null && seq === 0) {
      await fs.writeFile(file, ''); // legacy: no settings at all → empty 0.settings
      return;
    }
    await fs.writeFile(
      file,
      JSON.stringify({
        runtimeSettings: [
          { handlerSettings: { publicSettings: pub, protectedSettings, protectedSettingsCertThumbprint: thumbprint } },
        ],
      }),
      { mode: 0o600 },
    );
  }

  private async writeHandlerState(l: ExtensionLayout): Promise<void> {
    await fs.writeFile(path.join(l.configFolder, 'HandlerState'), this.state.handlerState).catch(() => undefined);
    await saveVmState(this.o.root, this.state);
  }

  async run(
    l: ExtensionLayout,
    op: Operation,
    seq: number,
    extraEnv: Record<string, string> = {},
  ): Promise<StepRecord> {
    const { result, missing } = await runManifestCommand({
      layout: l,
      operation: op,
      seq,
      extraEnv,
      baseEnv: this.o.env,
      timeScale: this.o.timeScale,
    });
    if (missing !== undefined)
      return this.record({ operation: op, version: l.version, seq, ok: false, note: `${missing} (agent error -1)` });
    const status = await readStatusLikeAgent(l.statusFolder, seq, this.o.name);
    return this.record({ operation: op, version: l.version, seq, result, status, ok: result.agentErrorCode === 0 });
  }

  /** After enable the agent keeps reading the status file; we wait for a terminal value. */
  async waitTerminal(l: ExtensionLayout, seq: number): Promise<StepRecord> {
    const until = Date.now() + this.o.waitMs;
    const interval = Math.max(200, 6000 * this.o.timeScale);
    let status = await readStatusLikeAgent(l.statusFolder, seq, this.o.name);
    const spinner = new Spinner(`waiting for a terminal status of seq ${seq}`);
    while (
      (status.status === 'transitioning' || status.status === 'warning' || status.status === 'none') &&
      Date.now() < until
    ) {
      spinner.tick();
      await new Promise((r) => setTimeout(r, interval));
      status = await readStatusLikeAgent(l.statusFolder, seq, this.o.name);
    }
    spinner.clear();
    const ok = status.status === 'success';
    return this.record({
      operation: 'wait-status',
      version: l.version,
      seq,
      status,
      ok,
      note: ok
        ? 'terminal status success'
        : status.status === 'error'
          ? 'terminal status error'
          : `no terminal status within ${Math.round(this.o.waitMs / 1000)} s`,
    });
  }

  async install(zip: string, version: string): Promise<boolean> {
    const l = this.layout(version);
    await extractExtension(zip, l);
    this.state.version = version;
    this.state.handlerState = 'NotInstalled';
    await this.writeSettings(l, this.state.seq);
    await this.writeHandlerState(l);
    const inst = await this.run(l, 'install', this.state.seq);
    if (!inst.ok) return false;
    this.state.handlerState = 'Installed';
    await this.writeHandlerState(l);
    return this.enable();
  }

  async enable(): Promise<boolean> {
    const l = this.layout();
    await this.writeSettings(l, this.state.seq);
    const en = await this.run(l, 'enable', this.state.seq);
    if (!en.ok) return false;
    this.state.handlerState = 'Enabled';
    await this.writeHandlerState(l);
    return (await this.waitTerminal(l, this.state.seq)).ok;
  }

  async changeSettings(publicSettings: unknown, protectedSettings?: unknown): Promise<boolean> {
    this.state.seq += 1;
    this.state.publicSettings = publicSettings;
    if (protectedSettings !== undefined) this.state.protectedSettings = protectedSettings;
    return this.enable();
  }

  async disable(): Promise<boolean> {
    if (this.state.handlerState !== 'Enabled') return true;
    const r = await this.run(this.layout(), 'disable', this.state.seq);
    if (r.ok) {
      this.state.handlerState = 'Installed';
      await this.writeHandlerState(this.layout());
    }
    return r.ok;
  }

  async uninstall(): Promise<boolean> {
    const l = this.layout();
    if (!(await this.disable())) return false; // the agent stops here when disable fails
    const r = await this.run(l, 'uninstall', this.state.seq);
    await fs.rm(l.extDir, { recursive: true, force: true });
    this.record({
      operation: 'delete-extdir',
      version: l.version,
      seq: this.state.seq,
      ok: true,
      note: `deleted ${l.extDir}`,
    });
    this.state.handlerState = 'NotInstalled';
    this.state.version = undefined;
    await saveVmState(this.o.root, this.state);
    const leaks = await this.leakCheck();
    return r.ok && leaks;
  }

  async leakCheck(): Promise<boolean> {
    await new Promise((res) => setTimeout(res, 500));
    const left = processesUnder(this.o.root);
    this.record({
      operation: 'leak-check',
      version: this.state.version ?? '-',
      seq: this.state.seq,
      ok: left.length === 0,
      note:
        left.length === 0
          ? 'no process left behind'
          : `processes left behind: ${left.map((p) => `${p.pid} ${p.cmd}`).join('; ')}`,
    });
    return left.length === 0;
  }

  /** docs/guest-agent-protocol.md §5.5, in the order harness/update-sequence.ts keeps for the harness and the shim. */
  async update(toZip: string, toVersion: string): Promise<boolean> {
    const a = this.layout();
    const b = this.layout(toVersion);
    await extractExtension(toZip, b);
    await this.writeSettings(b, this.state.seq);
    const seq = this.state.seq;
    return runUpdateSequence(
      { from: a, to: b, toManifest: await readManifest(b.extDir), enabled: this.state.handlerState === 'Enabled' },
      {
        run: (l, op, extraEnv) => this.run(l, op, seq, extraEnv),
        enable: async (l, extraEnv) => {
          if (!(await this.run(l, 'enable', seq, extraEnv)).ok) return false;
          this.state.handlerState = 'Enabled';
          await this.writeHandlerState(l);
          return (await this.waitTerminal(l, seq)).ok;
        },
        setState: async (version, handlerState) => {
          this.state.version = version;
          this.state.handlerState = handlerState;
          await this.writeHandlerState(this.layout(version));
        },
        note: (operation, version, note) => this.record({ operation, version, seq, ok: true, note }),
      },
    );
  }
}
