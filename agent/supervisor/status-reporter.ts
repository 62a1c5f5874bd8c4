// Keeps the guest agent informed while the agent runs: rewrites <statusFolder>/<seq>.status with the
// collector's live health (substatus collector / dataCollectionRules / destinations) and the heartbeat
// file. Top level: success when data flows, error when nothing can (crash loop); "warning" only in
// substatuses (PROTOCOL.md §6.1). Rate-limited: at most one write per 5 s, immediately on a change,
// and at least every 60 s so the heartbeat never goes stale.
import type { AgentConfig } from '../config/index.js';
import type { Logger } from '../telemetry/index.js';
import { writeStatusFile, writeHeartbeat, type SubStatus } from '../../handler/guest-agent/index.js';
import { healthSubstatus } from './control/health-substatus.js';
import type { CollectorProcess } from './collector-process.js';

export const MIN_WRITE_INTERVAL_MS = 5_000;
export const REFRESH_INTERVAL_MS = 60_000;

export class StatusReporter {
  private lastWrite = 0;
  private lastText = '';
  private lastClass = '';
  private timer?: NodeJS.Timeout;
  private pending?: NodeJS.Timeout;
  private config?: AgentConfig;

  constructor(
    private readonly collector: CollectorProcess,
    private readonly version: string,
    private readonly logger: Logger,
  ) {}

  /** Called once a config was handed over through the socket: from then on we own the status file. */
  takeOver(config: AgentConfig): void {
    this.config = config;
    this.timer ??= setInterval(() => void this.write(true), REFRESH_INTERVAL_MS);
    void this.write(true);
  }

  changed(): void {
    if (!this.config) return;
    // A change of health class (ready ↔ degraded ↔ failing) is written at once; details are rate-limited.
    const s = this.compose();
    const cls = `${s.status}/${s.ready}`;
    if (cls !== this.lastClass) {
      void this.write(false);
      return;
    }
    if (this.pending) return;
    const wait = Math.max(0, this.lastWrite + MIN_WRITE_INTERVAL_MS - Date.now());
    this.pending = setTimeout(() => {
      this.pending = undefined;
      void this.write(false);
    }, wait);
  }

  compose(): { status: 'success' | 'error'; message: string; substatus: SubStatus[]; ready: boolean } {
    const c = this.collector;
    const cfg = this.config!;
    const collectorSub: SubStatus =
      c.state === 'running'
        ? { name: 'collector', status: 'success', code: 0, message: `collector running (pid ${c.pid ?? '?'})${c.restarts ? `; restarted ${c.restarts} time(s), last: ${c.lastExit ?? ''}` : ''}` }
        : c.state === 'crash-looping'
          ? { name: 'collector', status: 'error', code: 0, message: `collector is crash-looping (${c.restarts} restarts): ${c.lastExit ?? 'unknown reason'}` }
          : { name: 'collector', status: 'warning', code: 0, message: `collector ${c.state}${c.lastExit ? ` after it ${c.lastExit}` : ''}` };
    const subs = [collectorSub, ...(c.health ? healthSubstatus(c.health) : [])];
    const failing = c.state === 'crash-looping';
    const degraded = subs.some((s) => s.status === 'warning' || s.status === 'error');
    return {
      status: failing ? 'error' : 'success',
      message: failing
        ? `open-ama ${this.version}: no data can flow — the collector keeps crashing: ${c.lastExit ?? ''}`
        : `open-ama ${this.version} running configuration ${cfg.configVersion}${degraded ? ' (degraded: see substatus)' : ''}`,
      substatus: subs,
      ready: !failing && !degraded,
    };
  }

  async write(force: boolean): Promise<void> {
    if (!this.config) return;
    const s = this.compose();
    const text = JSON.stringify(s);
    if (!force && text === this.lastText) return;
    this.lastText = text;
    this.lastClass = `${s.status}/${s.ready}`;
    this.lastWrite = Date.now();
    const st = this.config.status;
    try {
      await writeStatusFile(st.statusFolder, st.seq, st.handlerName, { operation: 'Enable', status: s.status, code: s.status === 'error' ? 1 : 0, message: s.message, substatus: s.substatus });
      if (st.heartbeatFile) await writeHeartbeat(st.heartbeatFile, { status: s.ready ? 'Ready' : 'NotReady', message: s.message });
    } catch (err) {
      this.logger.warn(`could not update the status file: ${(err as Error).message}`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.pending) clearTimeout(this.pending);
  }
}
