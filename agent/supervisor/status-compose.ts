// What the supervisor reports, as a pure function of the collector's state and health: the top-level
// status (success while data can flow, error when nothing can — the collector crash-looping), the
// substatuses (collector, dataCollectionRules, sources, one per destination; warning when degraded)
// and the heartbeat (Ready when healthy, NotReady with the first problem otherwise).
import { ignoredSettingsSubstatus } from '../config/index.js';
import type { CollectorHealth } from '../collector/ipc.js';
import type { CollectorStatus } from './control/protocol.js';
import { healthSubstatus, type HealthSubstatus } from './control/health-substatus.js';

export interface StatusInput {
  version: string;
  configVersion: number;
  logFolder: string;
  collector: CollectorStatus;
  crashesInWindow: number;
  crashLoopWindowMs: number;
  retryEveryMs: number;
  health?: CollectorHealth;
  /** Settings keys the handler ignored (AgentConfig.ignoredSettings): kept as a warning substatus. */
  ignoredSettings?: string[];
  now: number;
}

export interface ComposedStatus {
  status: 'success' | 'error';
  code: number;
  message: string;
  substatus: HealthSubstatus[];
  heartbeat: { status: 'Ready' | 'NotReady'; message: string };
}

const inSeconds = (iso: string | undefined, now: number): string =>
  iso ? `${Math.max(0, Math.round((Date.parse(iso) - now) / 1000))} s` : 'a moment';

export function collectorSubstatus(i: StatusInput): HealthSubstatus {
  const c = i.collector;
  const history = c.restarts
    ? `; restarted ${c.restarts} time(s), last at ${c.lastExitAt ?? '?'}: ${c.lastExit ?? ''}`
    : '';
  switch (c.state) {
    case 'running':
      return {
        name: 'collector',
        status: 'success',
        code: 0,
        message: `collector running (pid ${c.pid ?? '?'}${c.rssMB ? `, ${c.rssMB} MB` : ''})${history}`,
      };
    case 'starting':
      return {
        name: 'collector',
        status: 'transitioning',
        code: 0,
        message: `collector starting (pid ${c.pid ?? '?'})${history}`,
      };
    case 'backoff':
      return {
        name: 'collector',
        status: 'warning',
        code: 0,
        message: `collector restarting after a crash: it ${c.lastExit ?? 'exited'}; restart ${c.restarts} due in ${inSeconds(c.nextRestartAt, i.now)}`,
      };
    case 'crash-looping':
      return {
        name: 'collector',
        status: 'error',
        code: 0,
        message: `collector is crash-looping (${i.crashesInWindow} crashes within ${i.crashLoopWindowMs / 60_000} min, retrying every ${i.retryEveryMs / 1000} s): it ${c.lastExit ?? 'exited'}`,
      };
    case 'stopped':
      return { name: 'collector', status: 'warning', code: 0, message: 'collector stopped' };
  }
}

export function composeStatus(i: StatusInput): ComposedStatus {
  const collector = collectorSubstatus(i);
  const substatus = [collector, ...ignoredSettingsSubstatus(i), ...(i.health ? healthSubstatus(i.health) : [])];
  const head = `open-ama ${i.version}`;
  if (i.collector.state === 'crash-looping') {
    const message = `${head}: no data can flow — the collector keeps crashing: ${i.collector.lastExit ?? 'unknown reason'}. Details in collector.log and supervisor.log in ${i.logFolder}`;
    return { status: 'error', code: 1, message, substatus, heartbeat: { status: 'NotReady', message } };
  }
  // Ignored settings keys are worth a warning, not a NotReady heartbeat: data flows regardless.
  const problems = substatus.filter((s) => s.status !== 'success' && s.name !== 'settings');
  const first = problems[0];
  const message = `${head} running configuration ${i.configVersion}${first ? ` — ${problems.length} problem(s), first: ${first.name}: ${first.message}` : ''}`;
  return {
    status: 'success',
    code: 0,
    message,
    substatus,
    heartbeat: first
      ? { status: 'NotReady', message: `${first.name}: ${first.message}` }
      : { status: 'Ready', message },
  };
}
