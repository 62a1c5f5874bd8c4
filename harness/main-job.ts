// `open-ama harness run`, the README's main job after the ZIP is known: install + enable with the embedded
// default, feed every default stream, count down the collection (harness/countdown.ts), print heartbeat,
// collected data and events, keep the data in <repo>/.cache/harness/last-run/ (harness/last-run.ts) and
// print those paths, then disable + uninstall + leak check (unless --keep).
import type { SimulatedGuestAgent, StepRecord } from './guest-agent.js';
import { Countdown } from './countdown.js';
import { DEFAULT_STREAMS, defaultPublicSettings } from './default-settings.js';
import { keepLastRun } from './last-run.js';
import { collectEvents, dim, green, readHeartbeat, red } from './timeline.js';
import { outputSamples, TrafficGenerator } from './traffic.js';

export interface MainJobOptions {
  zip: string;
  version: string;
  root: string;
  repoRoot: string;
  syslogPort: number;
  settings: unknown;
  protectedSettings: unknown;
  durationS: number;
  keep: boolean;
  /** Human output (nothing in --json mode). */
  log: (s: string) => void;
  /** Countdown on stderr (not in --json mode). */
  countdown: boolean;
}

/** One stream of the file destination, as `harness run --json` reports it. */
export interface CollectedStream {
  stream: string;
  records: number;
  /** The kept copy under .cache/harness/last-run/. */
  file: string;
  /** The last records (at most 2), as written. */
  sample: string[];
}

export interface MainJobResult {
  ok: boolean;
  collected: CollectedStream[];
  keptIn?: string;
  missing: string[];
}

export async function mainJob(agent: SimulatedGuestAgent, o: MainJobOptions): Promise<MainJobResult> {
  const log = o.log;
  agent.state.publicSettings = o.settings ?? defaultPublicSettings(o.root);
  agent.state.protectedSettings = o.protectedSettings;
  const installed = await agent.install(o.zip, o.version);
  if (!installed) {
    await agent.uninstall();
    return { ok: false, collected: [], missing: [] };
  }
  const traffic = new TrafficGenerator(o.root, o.syslogPort);
  traffic.start();
  let interrupted = false;
  const onSigint = (): void => {
    interrupted = true;
  };
  process.once('SIGINT', onSigint);
  const started = Date.now();
  const until = started + o.durationS * 1000;
  log(`collecting data for ${o.durationS} s — Ctrl-C to stop early`);
  const countdown = o.countdown ? new Countdown(until) : undefined;
  const wanted = o.settings ? [] : DEFAULT_STREAMS;
  let allSeen = false;
  while (Date.now() < until && !interrupted) {
    countdown?.tick();
    await new Promise((r) => setTimeout(r, 1000));
    const samples = await outputSamples(o.root, 0);
    if (!allSeen && wanted.every((s) => (samples.get(s)?.count ?? 0) > 0)) {
      allSeen = true;
      countdown?.stop();
      log(green(`data arrived on every default stream after ${((Date.now() - started) / 1000).toFixed(0)} s`));
    }
  }
  countdown?.stop();
  if (interrupted) log('stopped early (Ctrl-C)');
  traffic.stop();
  process.removeListener('SIGINT', onSigint);
  const l = agent.layout();
  const hb = await readHeartbeat(l);
  log(`heartbeat: ${hb.status} — ${hb.message}${hb.problem ? red(` [${hb.problem}]`) : ''}`);
  await agent.waitTerminal(l, agent.state.seq);
  const samples = await outputSamples(o.root, 2);
  const kept = await keepLastRun(o.root, l, o.repoRoot);
  log(`collected data (file destination), kept in ${kept.dir}:`);
  const collected: CollectedStream[] = [];
  for (const [stream, s] of samples) {
    const file = kept.streams.get(stream) ?? s.file;
    collected.push({ stream, records: s.count, file, sample: s.sample });
    log(`  ${stream}: ${s.count} record(s) in ${file}`);
    for (const line of s.sample) log(dim(`    ${line.length > 220 ? line.slice(0, 220) + '…' : line}`));
  }
  const missing = wanted.filter((s) => (samples.get(s)?.count ?? 0) === 0);
  if (missing.length > 0) log(red(`no records on: ${missing.join(', ')}`));
  const events = await collectEvents(l);
  log(
    `telemetry events: ${events.valid.length} valid${events.invalid ? red(`, ${events.invalid} invalid`) : ''}${events.valid.length ? dim(` (last: ${events.valid[0]!.TaskName} ${events.valid[0]!.EventLevel}: ${events.valid[0]!.Message})`) : ''}`,
  );
  if (o.keep)
    log(
      dim(`--keep: the agent keeps running under ${o.root}; finish with: open-ama harness uninstall --root ${o.root}`),
    );
  const removed = o.keep ? true : await agent.uninstall();
  return {
    ok: missing.length === 0 && removed && agent.steps.every((s: StepRecord) => s.ok),
    collected,
    keptIn: kept.dir,
    missing,
  };
}
