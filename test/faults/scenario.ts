// The shape most fault scenarios share: a real collector (syslog → one DCR → the fault ingestion
// endpoint) under a steady sequence-numbered load; the fault is applied and lifted while records keep
// arriving; then the load stops and the test waits until every record sent was delivered. Returns the
// ledger counts and what the endpoint saw, for the scenario's own assertions.
import type { AgentConfig } from '../../agent/config/index.js';
import { syslogToLaDcr, writeConfig } from '../support/collector-process.js';
import { startCollector, type FaultWorld, type RunningCollector } from './collector.js';

import { FaultIngestion } from './fault-ingestion.js';

import { count, scaled, SyslogLoad, type Counts } from './ledger.js';
import { freePort, waitFor } from '../support/net.js';

export interface ScenarioContext {
  ingestion: FaultIngestion;
  collector: RunningCollector;
  load: SyslogLoad;
  root: string;
}

export interface ScenarioOutcome extends Counts {
  ingestion: FaultIngestion;
  /** Most records one queue batch (≤ 1 MB of serialised records) can hold, from what was accepted. */
  recordsPerBatch: number;
}

export async function runLoadedScenario(
  world: FaultWorld,
  o: {
    name: string;
    eps?: number;
    config?: Partial<AgentConfig>;
    /** Extra collector environment (e.g. LD_PRELOAD of libfaketime). */
    env?: Record<string, string>;
    /** Runs the fault while the load keeps going; returns when the fault is lifted. */
    fault(ctx: ScenarioContext): Promise<void>;
    drainMs?: number;
  },
): Promise<ScenarioOutcome> {
  const ingestion = new FaultIngestion(world.ca);
  await ingestion.start();
  const root = world.newRoot(o.name);
  const port = await freePort();
  writeConfig(root, [syslogToLaDcr('dcr-f0000000000000000000000000000001', ingestion.url)], o.config);
  const collector = await startCollector(root, { ...world.env(port), ...o.env }, port);
  const load = new SyslogLoad(port, o.eps ?? 2000);
  try {
    load.start();
    await o.fault({ ingestion, collector, load, root });
    const sent = await load.stop();
    await waitFor(
      () => count(sent, ingestion.seqs).lost === 0,
      o.drainMs ?? scaled(120_000),
      `all ${sent} records delivered (${o.name})`,
    ).catch((err: Error) => {
      const c = count(sent, ingestion.seqs);
      throw new Error(
        `${err.message}: ${c.received} received, ${c.lost} lost, first lost ${c.lostSeqs.slice(0, 5).join(',')}`,
      );
    });
    await collector.stop();
    const c = count(sent, ingestion.seqs);
    const perRecord = Math.min(...ingestion.accepted().map((r) => r.bytes / Math.max(1, r.records)));
    return {
      sent: c.sent,
      received: c.received,
      lost: c.lost,
      duplicated: c.duplicated,
      ingestion,
      recordsPerBatch: Math.ceil(1_000_000 / perRecord),
    };
  } finally {
    await load.stop();
    await collector.stop();
    await ingestion.stop();
  }
}
