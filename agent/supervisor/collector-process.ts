// Runs the collector child (node:child_process spawn: argument array, no shell, IPC channel, own process
// group; not execa, whose import alone costs this mostly idle process ~7.6 MB RSS: docs/performance.md) and keeps
// it running: restart after a crash with capped exponential backoff + jitter, crash-loop detection
// (5 crashes in 5 min → "crash-looping", retries continue at the cap), the redacted tail of its stderr
// for status messages, a memory watchdog (VmRSS over the limit for 3 checks → graceful restart) and a
// liveness watchdog (no message at all, not even an answer to the health requests, for 30 s → the event
// loop is blocked: SIGKILL of its process group, which no "shutdown" could reach, and an immediate start).
// The collector learns of our death through the IPC channel closing, and then exits by itself.
import { readFileSync, promises as fs } from 'node:fs';
import { spawn, type ChildProcess } from 'node:child_process';
import { redactString, type Logger } from '../telemetry/index.js';
import type { CollectorHealth, CollectorToSupervisor, SupervisorToCollector } from '../collector/ipc.js';
import type { CollectorState, CollectorStatus } from './control/protocol.js';
import { restartDelayMs, type SupervisorTimings } from './timings.js';
import { collectorEnv, collectorNodeFlags } from './node-flags.js';

export const STDERR_TAIL_BYTES = 4096;

export interface CollectorProcessOptions {
  nodePath: string;
  script: string;
  env: NodeJS.ProcessEnv;
  /** Where the collector's pid is kept so stopSupervisor can kill a survivor. */
  pidFile: string;
  logger: Logger;
  timings: SupervisorTimings;
  memoryLimitMB: () => number;
  /** Called on every state or health change (the status reporter decides what to write). */
  onChange: () => void;
}

export interface ApplyOutcome {
  ok: boolean;
  hot: boolean;
  reason?: string;
  /** The collector answered config-rejected (as opposed to not answering at all). */
  rejected?: boolean;
}

type Listener = (m: CollectorToSupervisor) => void;

export class CollectorProcess {
  state: CollectorState = 'stopped';
  restarts = 0;
  lastExit?: string;
  lastExitAt?: string;
  health?: CollectorHealth;
  appliedVersion?: number;
  private stderrTail = '';
  private child?: ChildProcess;
  private childExit?: Promise<void>;
  private crashTimes: number[] = [];
  private nextRestartAt?: number;
  private restartTimer?: NodeJS.Timeout;
  private stableTimer?: NodeJS.Timeout;
  private watchdog?: NodeJS.Timeout;
  private strikes = 0;
  private lastRssMB?: number;
  /** When (monotonic ms) the current child last sent anything (spawn time until its first message). */
  private lastHeardAt = 0;
  /** Health requests sent since then: silence only counts once the child was asked (and had time) to answer. */
  private unansweredRequests = 0;
  private stopping = false;
  /** The current child said "ready" (it reads apply-config from then on). */
  private childReady = false;
  /** Set when we asked the child to exit (watchdog): its exit is a restart, not a crash. */
  private plannedExit?: string;
  private readonly listeners = new Set<Listener>();

  constructor(private readonly o: CollectorProcessOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  snapshot(): CollectorStatus {
    return {
      state: this.state,
      pid: this.child?.pid,
      restarts: this.restarts,
      lastExit: this.lastExit,
      lastExitAt: this.lastExitAt,
      stderrTail: this.stderrTail || undefined,
      nextRestartAt: this.nextRestartAt ? new Date(this.nextRestartAt).toISOString() : undefined,
      rssMB: this.lastRssMB,
    };
  }

  crashesInWindow(now = Date.now()): number {
    return this.crashTimes.filter((t) => now - t < this.o.timings.crashLoopWindowMs).length;
  }

  start(): void {
    if (this.child || this.stopping) return;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    this.nextRestartAt = undefined;
    if (this.state !== 'crash-looping') this.state = 'starting';
    this.stderrTail = '';
    this.strikes = 0;
    this.childReady = false;
    this.lastHeardAt = performance.now();
    this.unansweredRequests = 0;
    const child = spawn(this.o.nodePath, [...collectorNodeFlags(this.o.memoryLimitMB()), this.o.script], {
      serialization: 'json',
      env: collectorEnv(this.o.env), // exactly this environment (+ the allocator's setting), not ours merged in
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      // Own process group: a final SIGKILL reaches anything the collector spawned.
      detached: true,
    });
    this.child = child;
    // Best effort: only stop's fallback for a hung collector reads it (control/launcher.ts); the supervisor
    // itself tracks the child by its handle.
    if (child.pid) void fs.writeFile(this.o.pidFile, `${child.pid}\n`, { mode: 0o644 }).catch(() => undefined);
    child.stderr?.on('data', (d: Buffer) => {
      this.stderrTail = redactString((this.stderrTail + d.toString('utf8')).slice(-STDERR_TAIL_BYTES));
    });
    child.on('message', (raw: unknown) => this.onMessage(raw));
    this.childExit = new Promise<void>((resolve) => {
      let ended = false;
      const end = (code: number | null, signal: NodeJS.Signals | null): void => {
        if (ended) return;
        ended = true;
        this.onExit(child, code ?? undefined, signal ?? undefined);
        resolve();
      };
      // 'close': exited and its stderr drained, so the tail is complete when lastExit quotes it.
      child.once('close', end);
      child.on('error', (err: Error) => {
        if (child.pid !== undefined) return; // a failed kill() or send() of a running child: not its end
        this.stderrTail ||= redactString(err.message); // could not be started (e.g. the runtime is missing)
        end(null, null);
      });
    });
    this.watchdog ??= setInterval(() => {
      this.checkLiveness();
      this.checkMemory();
    }, this.o.timings.watchdogIntervalMs);
    this.o.logger.info(`collector started (pid ${child.pid ?? '?'})`);
    this.o.onChange();
  }

  private onMessage(raw: unknown): void {
    this.lastHeardAt = performance.now();
    this.unansweredRequests = 0;
    if (typeof raw !== 'object' || raw === null || typeof (raw as { type?: unknown }).type !== 'string') return;
    const msg = raw as CollectorToSupervisor;
    if (msg.type === 'ready') {
      this.childReady = true;
      this.o.logger.info(`collector ready (pid ${msg.pid}, configuration ${msg.configVersion})`);
      if (this.state === 'crash-looping') {
        // Recovered only once it stays up: a child that crashes right after "ready" keeps the error.
        if (this.stableTimer) clearTimeout(this.stableTimer);
        this.stableTimer = setTimeout(() => this.markStable(), this.o.timings.stableAfterMs);
        this.stableTimer.unref();
      } else this.state = 'running';
      this.o.onChange();
    } else if (msg.type === 'health') {
      this.health = msg.health;
      this.o.onChange();
    } else if (msg.type === 'config-applied') {
      this.appliedVersion = msg.configVersion;
    }
    for (const l of [...this.listeners]) l(msg);
  }

  private markStable(): void {
    this.stableTimer = undefined;
    if (!this.child || this.state !== 'crash-looping') return;
    this.crashTimes = [];
    this.state = 'running';
    this.o.logger.info('collector stayed up: crash loop over');
    this.o.onChange();
  }

  private onExit(child: ChildProcess, code: number | undefined, signal: string | undefined): void {
    if (this.child !== child) return;
    this.child = undefined;
    this.childReady = false;
    if (this.stableTimer) clearTimeout(this.stableTimer);
    this.stableTimer = undefined;
    void fs.rm(this.o.pidFile, { force: true });
    const how = signal ? `was killed by ${signal}` : `exited with code ${code ?? '?'}`;
    if (this.stopping) {
      this.state = 'stopped';
      this.o.logger.info(`collector ${how}`);
      this.o.onChange();
      return;
    }
    this.restarts++;
    this.lastExitAt = new Date().toISOString();
    if (this.plannedExit) {
      this.lastExit = this.plannedExit;
      this.plannedExit = undefined;
      this.o.logger.warn(`collector ${how} after a planned restart (${this.lastExit}); starting it again`);
      this.start();
      return;
    }
    const tail = this.stderrTail.trim().split('\n').slice(-3).join(' | ');
    this.lastExit = `${how}${tail ? `: ${tail}` : ''}`;
    const now = Date.now();
    this.crashTimes = [...this.crashTimes.filter((t) => now - t < this.o.timings.crashLoopWindowMs), now];
    const looping = this.crashTimes.length >= this.o.timings.crashLoopCount;
    const delay = looping
      ? this.o.timings.backoffCapMs
      : restartDelayMs(this.crashTimes.length, this.o.timings, Math.random());
    this.state = looping ? 'crash-looping' : 'backoff';
    this.nextRestartAt = now + delay;
    this.o.logger.warn(
      `collector ${this.lastExit}; restart ${this.restarts} in ${delay} ms${looping ? ` (crash loop: ${this.crashTimes.length} crashes within ${this.o.timings.crashLoopWindowMs / 1000} s)` : ''}`,
    );
    this.restartTimer = setTimeout(() => this.start(), delay);
    this.o.onChange();
  }

  private checkLiveness(): void {
    const c = this.child;
    if (!c?.pid || this.plannedExit) return;
    // Monotonic time: a wall-clock jump or a suspended VM is not silence.
    const silentMs = performance.now() - this.lastHeardAt;
    if (silentMs < this.o.timings.livenessTimeoutMs || this.unansweredRequests < 2) return;
    const reason = `collector unresponsive for ${Math.round(silentMs / 1000)} s (no answer to health requests: its event loop is blocked), killed and restarted`;
    this.o.logger.warn(`${reason} (pid ${c.pid}, SIGKILL of its process group)`);
    this.plannedExit = reason;
    try {
      process.kill(-c.pid, 'SIGKILL');
    } catch {
      c.kill('SIGKILL');
    }
  }

  private checkMemory(): void {
    const pid = this.child?.pid;
    if (!pid || this.plannedExit) return;
    let rssKb: number;
    try {
      rssKb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
    } catch {
      return;
    }
    this.lastRssMB = Math.round(rssKb / 1024);
    const limitMB = this.o.memoryLimitMB();
    this.strikes = rssKb / 1024 > limitMB ? this.strikes + 1 : 0;
    if (this.strikes < this.o.timings.watchdogStrikes) return;
    const reason = `restarted by the memory watchdog: RSS ${this.lastRssMB} MB stayed above the ${limitMB} MB limit (resourceLimits.memoryMaxMB) for ${this.strikes} checks ${this.o.timings.watchdogIntervalMs / 1000} s apart`;
    this.o.logger.warn(`collector ${reason}`);
    void this.restart(reason);
  }

  /** Graceful restart (flush, exit, start again at once); the reason becomes lastExit. */
  async restart(reason: string): Promise<void> {
    const c = this.child;
    if (!c) return;
    this.plannedExit = reason;
    await this.terminate(c);
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

  private waitFor<T>(
    timeoutMs: number,
    pick: (m: CollectorToSupervisor) => T | undefined,
    onTimeout: () => T,
  ): Promise<T> {
    return new Promise((resolve) => {
      const listener: Listener = (m) => {
        const v = pick(m);
        if (v === undefined) return;
        clearTimeout(timer);
        this.listeners.delete(listener);
        resolve(v);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(listener);
        resolve(onTimeout());
      }, timeoutMs);
      this.listeners.add(listener);
    });
  }

  /**
   * Tells the collector to apply configVersion and waits for its acknowledgement (a newer version
   * counts) or rejection. A stopped or backing-off collector is started now; a fresh collector reads
   * the config file at start and announces it, which answers too (hot = false: it is a new process).
   */
  applyConfig(configVersion: number, timeoutMs: number): Promise<ApplyOutcome> {
    const fresh = !this.child || !this.childReady;
    const restartsBefore = this.restarts;
    const outcome = this.waitFor<ApplyOutcome>(
      timeoutMs,
      (m) => {
        if (m.type === 'config-applied' && m.configVersion >= configVersion) return { ok: true, hot: m.hot && !fresh };
        if (m.type === 'config-rejected' && m.configVersion === configVersion)
          return { ok: false, hot: false, reason: m.reason, rejected: true };
        if (m.type === 'ready') {
          if (m.configVersion >= configVersion) return { ok: true, hot: false };
          this.send({ type: 'apply-config', configVersion });
        }
        return undefined;
      },
      // A collector that exited during the wait is reported by its exit, even if a new one is starting:
      // "not acknowledged (state starting)" would hide a crash loop that has not yet reached its threshold.
      () =>
        this.child && this.state !== 'crash-looping' && this.restarts === restartsBefore
          ? {
              ok: false,
              hot: false,
              reason: `the collector did not acknowledge configuration ${configVersion} within ${Math.round(timeoutMs / 1000)} s (state ${this.state})`,
            }
          : {
              ok: false,
              hot: false,
              reason: `the collector is not running (${this.state}${this.restarts ? `, ${this.restarts} restarts` : ''}): it ${this.lastExit ?? 'has not started'}`,
            },
    );
    if (!this.child) this.start();
    else if (this.childReady) this.send({ type: 'apply-config', configVersion });
    return outcome;
  }

  requestHealth(): void {
    if (this.send({ type: 'health-request' })) this.unansweredRequests++;
  }

  /** Asks for health and waits (bounded) for the answer; returns the freshest health known. */
  async fetchHealth(timeoutMs: number): Promise<CollectorHealth | undefined> {
    if (!this.send({ type: 'health-request' })) return this.health;
    return this.waitFor(
      timeoutMs,
      (m) => (m.type === 'health' ? m.health : undefined),
      () => this.health,
    );
  }

  /** "shutdown" (the collector flushes and exits 0), SIGTERM if IPC is gone, SIGKILL of the group at the deadline. */
  private async terminate(c: ChildProcess): Promise<void> {
    const exited = this.childExit ?? Promise.resolve();
    if (!this.send({ type: 'shutdown' })) c.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const inTime = await Promise.race([
      exited.then(() => true),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(false), this.o.timings.collectorStopMs))),
    ]);
    clearTimeout(timer);
    if (inTime) return;
    this.o.logger.warn(
      `collector (pid ${c.pid}) did not exit within ${this.o.timings.collectorStopMs / 1000} s of "shutdown": SIGKILL`,
    );
    if (c.pid) {
      try {
        process.kill(-c.pid, 'SIGKILL');
      } catch {
        c.kill('SIGKILL');
      }
    }
    await exited;
  }

  /** Idempotent graceful stop; no restart afterwards. */
  async stop(): Promise<void> {
    this.stopping = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    if (this.stableTimer) clearTimeout(this.stableTimer);
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = undefined;
    const c = this.child;
    if (c) await this.terminate(c);
    this.state = 'stopped';
  }
}
