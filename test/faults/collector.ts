// The fault suite's view of the real collector (started by test/support/collector-process.ts): what a
// killed collector left in its durable queue (frames after the ack position), its self-metrics, and the
// world every scenario shares (test CA, IMDS fake).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { createCollectorWorld, type CollectorWorld } from '../support/collector-world.js';
import { seqsIn } from './ledger.js';

export { killAllCollectors, RunningCollector, startCollector } from '../support/collector-process.js';

/** Sequence numbers of the entries still queued on disk (after each lane's ack position). */
export function queuedSeqs(root: string): number[] {
  const queueDir = path.join(root, 'var/opt/open-ama/queue');
  if (!existsSync(queueDir)) return [];
  const out: number[] = [];
  for (const lane of readdirSync(queueDir)) {
    const dir = path.join(queueDir, lane);
    let ack = { seg: 0, off: 0 };
    try {
      ack = JSON.parse(readFileSync(path.join(dir, 'ack.json'), 'utf8')) as { seg: number; off: number };
    } catch {
      // nothing acknowledged yet
    }
    for (const name of readdirSync(dir)
      .filter((n) => /^\d{8}\.seg$/.test(n))
      .sort()) {
      const id = Number(name.slice(0, 8));
      if (id < ack.seg) continue;
      const buf = readFileSync(path.join(dir, name));
      let off = id === ack.seg ? ack.off : 0;
      while (off + 8 <= buf.length) {
        const len = buf.readUInt32LE(off);
        if (off + 8 + len > buf.length) break; // torn tail
        out.push(...seqsIn(buf.subarray(off + 8, off + 8 + len).toString('utf8')));
        off += 8 + len;
      }
    }
  }
  return out;
}

/** Segment files of every lane (path, size). */
export function segmentFiles(root: string): { file: string; size: number }[] {
  const queueDir = path.join(root, 'var/opt/open-ama/queue');
  if (!existsSync(queueDir)) return [];
  return readdirSync(queueDir).flatMap((lane) =>
    readdirSync(path.join(queueDir, lane))
      .filter((n) => n.endsWith('.seg'))
      .sort()
      .map((n) => {
        const file = path.join(queueDir, lane, n);
        return { file, size: readFileSync(file).length };
      }),
  );
}

/** Sum of open_ama_dropped_records_total for a reason, from the self-metrics endpoint. */
export async function droppedFromMetrics(port: number, reason: string): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  let n = 0;
  for (const m of text.matchAll(/^open_ama_dropped_records_total\{([^}]*)\} (\d+)/gm))
    if (m[1]!.includes(`reason="${reason}"`)) n += Number(m[2]);
  return n;
}

/** The shared collector world; a fault scenario's collector never looks for remote DCRs (OPEN_AMA_OFFLINE). */
export type FaultWorld = CollectorWorld;

export async function createWorld(prefix: string, o: { caEnv?: Record<string, string> } = {}): Promise<FaultWorld> {
  const world = await createCollectorWorld(prefix, o);
  const env = world.env;
  return { ...world, env: (syslogPort) => ({ ...env(syslogPort), OPEN_AMA_OFFLINE: '1' }) };
}
