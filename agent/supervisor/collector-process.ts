// Runs the collector child (execa, argument array, IPC channel) and keeps it running: restarts after
// a crash with capped exponential backoff + jitter, detects crash loops (5 crashes in 5 minutes),
// keeps the tail of its stderr (redacted) for status messages, and restarts it gracefully when its
// RSS stays above the memory limit (watchdog). Graceful stop: "shutdown" message, then SIGKILL.
import { readFileSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { execa, type ResultPromise } from 'execa';
import { redactString, type Logger } from '../telemetry/index.js';
import type { CollectorHealth, CollectorToSupervisor, SupervisorToCollector } from '../collector/ipc.js';
import type { CollectorState } from './control/protocol.js';

export const BACKOFF_BASE_MS = 1_000;
export const BACKOFF_CAP_MS = 60_000;
export const CRASH_LOOP_COUNT = 5;
export const CRASH_LOOP_WINDOW_MS = 5 * 60_000;
export const STOP_DEADLINE_MS = 20_000;
export const WATCHDOG_INTERVAL_MS = 10_000;
export const WATCHDOG_STRIKES = 3;
const STDERR_TAIL_BYTES = 4096;

export interface CollectorProcessOptions {
  nodePath: string;
  script: string;
  env: NodeJS.ProcessEnv;
  runDir: string;
  logger: Logger;
  memoryLimitMB: () => number;
  onChange: () => void;
}

export class CollectorProcess {
  state: CollectorState = 'stopped';
  restarts = 0;
  lastExit?: string;
  stderrTail = '';
  health?: CollectorHealth;
  appliedVersion?: number;
  private child?: ResultPromise;
  private crashes: number[] = [];
  private restartTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private strikes = 0;
  private stopping = false;
  private waiters: ((m: CollectorToSupervisor) => boolean)[] = [];

  constructor(private readonly o: CollectorProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.child || this.stopping) return;
    this.state = 'starting';
    const child = execa(this.o.nodePath, [this.o.script], {
      ipc: true,
      serialization: 'json',
      env: this.o.env,
      extendEnv: false,
      stdin: 'ignore',
      stdout: 'ignore',
      stderr: 'pipe',
      reject: false,
      buffer: false,
      cleanup: false,
    });
    this.child = child;
    if (child.pid) void fs.writeFile(path.join(this.o.runDir, 'collector.pid'), String(child.pid), { mode: 0o644 }).catch(() => undefined);
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = redactString((this.stderrTail + d.toString('utf8')).slice(-STDERR_TAIL_BYTES));
    });
    child.on('message', (raw: unknown) => this.onMessage(raw as CollectorToSupervisor));
    void child.then((r) => this.onExit(r.exitCode, r.signal));
    this.watchdog ??= setInterval(() => this.checkMemory(), WATCHDOG_INTERVAL_MS);
    this.o.onChange();
  }

  private onMessage(msg: CollectorToSupervisor): void {
    if (msg.type === 'ready') {
      this.state = 'running';
      this.o.logger.info(`collector running (pid ${msg.pid}, config ${msg.configVersion})`);
      this.o.onChange();
    } else if (msg.type === 'health') {
      this.health = msg.health;
      this.o.onChange();
    } else if (msg.type === 'config-applied') {
      this.appliedVersion = msg.configVersion;
    }
    this.waiters = this.waiters.filter((w) => !w(msg));
  }

  private onExit(code: number | undefined, signal: string | undefined): void {
    this.child = undefined;
    void fs.rm(path.join(this.o.runDir, 'collector.pid'), { force: true });
    const why = signal ? `killed by ${signal}` : `exited with code ${code}`;
    if (this.stopping) {
      this.state = 'stopped';
      this.o.onChange();
      return;
    }
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    this.lastExit = `${why}${tail ? `: ${tail}` : ''}`;
    const now = Date.now();
    this.crashes = [...this.crashes.filter((t) => now - t < CRASH_LOOP_WINDOW_MS), now];
    this.restarts++;
    const delay = Math.min(BACKOFF_CAP_MS, BACKOFF_BASE_MS * 2 ** Math.min(this.crashes.length - 1, 10));
    const jittered = Math.round(delay / 2 + Math.random() * (delay / 2));
    this.state = this.crashes.length >= CRASH_LOOP_COUNT ? 'crash-looping' : 'backoff';
    this.o.logger.warn(`collector ${this.lastExit}; restart ${this.restarts} in ${jittered} ms${this.state === 'crash-looping' ? ' (crash loop)' : ''}`);
    this.o.onChange();
    this.restartTimer = setTimeout(() => {
      this.restartTimer = undefined;
      this.start();
    }, jittered);
  }

  private checkMemory(): void {
    const pid = this.child?.pid;
    if (!pid) return;
    let rssKb = 0;
    try {
      rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return;
    }
    const limitMb = this.o.memoryLimitMB();
    if (rssKb / 1024 > limitMb) this.strikes++;
    else this.strikes = 0;
    if (this.strikes >= WATCHDOG_STRIKES) {
      this.strikes = 0;
      this.stderrTail += `\nwatchdog: RSS ${Math.round(rssKb / 1024)} MB above the ${limitMb} MB limit for ${WATCHDOG_STRIKES} checks; restarting`;
      this.o.logger.warn(`collector RSS ${Math.round(rssKb / 1024)} MB exceeds ${limitMb} MB: graceful restart`);
      this.send({ type: 'shutdown' });
    }
  }

  send(msg: SupervisorToCollector): boolean {
    const c = this.child;
    if (!c || !c.connected) return false;
    try {
      c.send(msg);
      return true;
    } catch {
      return false;
    }
  }

  /** Sends apply-config and waits for the acknowledgement (or rejection) of that version. */
  applyConfig(configVersion: number, timeoutMs: number): Promise<{ ok: boolean; hot: boolean; reason?: string }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve({ ok: false, hot: false, reason: this.child ? `the collector did not acknowledge configuration ${configVersion} within ${Math.round(timeoutMs / 1000)} s` : `the collector is not running (${this.lastExit ?? this.state})` });
      }, timeoutMs);
      const waiter = (m: CollectorToSupervisor): boolean => {
        if (m.type === 'config-applied' && m.configVersion >= 0) {
          clearTimeout(timer);
          resolve({ ok: true, hot: m.hot });
          return true;
        }
        if (m.type === 'config-rejected') {
          clearTimeout(timer);
          resolve({ ok: false, hot: false, reason: m.reason });
          return true;
        }
        return false;
      };
      this.waiters.push(waiter);
      if (!this.child) this.start();
      // A fresh collector applies the config file at start and announces it; an old one is told.
      if (this.state === 'running') this.send({ type: 'apply-config', configVersion });
      else {
        const onReady = (m: CollectorToSupervisor): boolean => {
          if (m.type === 'ready') {
            if (m.configVersion !== configVersion) this.send({ type: 'apply-config', configVersion });
            return true;
          }
          return false;
        };
        this.waiters.unshift(onReady);
      }
    });
  }

  requestHealth(): void {
    this.send({ type: 'health-request' });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    const c = this.child;
    if (!c) return;
    if (!this.send({ type: 'shutdown' })) c.kill('SIGTERM');
    const done = await Promise.race([c.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), STOP_DEADLINE_MS))]);
    if (!done) {
      this.o.logger.warn(`collector did not stop within ${STOP_DEADLINE_MS / 1000} s: SIGKILL`);
      c.kill('SIGKILL');
      await c;
    }
  }
}
