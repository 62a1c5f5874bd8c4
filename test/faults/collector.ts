// Runs the real collector bundle (dist/collector.mjs) for the fault suite the way the supervisor does:
// a child with an IPC channel (ready / health-request), under a temp OPEN_AMA_ROOT, pointed at the
// loopback fakes. Also reads what a killed collector left in its durable queue (frames after the ack
// position), scrapes its self-metrics, and kills whatever a failed scenario left running.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CollectorHealth, CollectorToSupervisor } from '../../agent/collector/ipc.js';
import { REPO, waitFor } from '../helpers/collector-process.js';
import { createTestCa, type TestCa } from '../fakes/test-ca.js';
import { FakeImdsServer } from '../fakes/imds-server.js';
import { connect, seqsIn } from './ledger.js';

const COLLECTOR = path.join(REPO, 'dist', 'collector.mjs');
const running = new Set<RunningCollector>();

export class RunningCollector {
  readonly pid: number;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private readyResolve?: () => void;
  readonly ready: Promise<void>;
  private healthWaiters: ((h: CollectorHealth) => void)[] = [];
  stderr = '';

  constructor(private readonly child: ChildProcess) {
    this.pid = child.pid!;
    this.ready = new Promise((r) => (this.readyResolve = r));
    this.exited = new Promise((r) => child.once('exit', (code, signal) => r({ code, signal })));
    child.stderr?.on('data', (c: Buffer) => (this.stderr = (this.stderr + c.toString()).slice(-4000)));
    child.on('message', (raw: unknown) => {
      const msg = raw as CollectorToSupervisor;
      if (msg.type === 'ready') this.readyResolve?.();
      else if (msg.type === 'health') for (const w of this.healthWaiters.splice(0)) w(msg.health);
    });
    child.on('error', () => undefined);
    void this.exited.then(() => running.delete(this));
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The health the supervisor would put in the status file. */
  health(): Promise<CollectorHealth> {
    return new Promise((resolve, reject) => {
      this.healthWaiters.push(resolve);
      if (!this.child.connected) reject(new Error('collector has no IPC channel (exited?)'));
      else this.child.send({ type: 'health-request' });
    });
  }

  async kill9(): Promise<void> {
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM (flush to the durable queue, then exit); SIGKILL if it hangs for 30 s. */
  async stop(): Promise<void> {
    if (!this.alive) return;
    this.child.kill('SIGTERM');
    const t = setTimeout(() => this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(t);
  }
}

/** Starts the collector and waits until it applied its config and the syslog port (if any) accepts. */
export async function startCollector(
  root: string,
  env: Record<string, string>,
  syslogPort?: number,
): Promise<RunningCollector> {
  const child = spawn(process.execPath, [COLLECTOR], {
    env: { ...process.env, OPEN_AMA_ROOT: root, ...env },
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
  });
  const c = new RunningCollector(child);
  running.add(c);
  await Promise.race([
    c.ready,
    c.exited.then(() => Promise.reject(new Error(`collector exited before ready: ${c.stderr}`))),
  ]);
  if (syslogPort !== undefined) {
    await waitFor(
      async () => {
        try {
          (await connect(syslogPort)).destroy();
          return true;
        } catch {
          return false;
        }
      },
      20_000,
      'syslog listener',
    );
  }
  return c;
}

/** afterEach: SIGKILL every collector a scenario left running. */
export async function killAllCollectors(): Promise<void> {
  for (const c of [...running]) await c.kill9();
}

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

export interface FaultWorld {
  dir: string;
  ca: TestCa;
  imds: FakeImdsServer;
  /** A fresh OPEN_AMA_ROOT under dir. */
  newRoot(name: string): string;
  /** Collector environment: trusts the test CA, IMDS fake, syslog on `port`. */
  env(syslogPort: number): Record<string, string>;
  close(): Promise<void>;
}

/**
 * beforeAll: temp dir, test CA (real openssl), IMDS fake. close() in afterAll removes everything.
 * `caEnv` is extra environment for the openssl runs (the clock-jump scenario backdates the certificates).
 */
export async function createWorld(prefix: string, o: { caEnv?: Record<string, string> } = {}): Promise<FaultWorld> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const ca = await createTestCa(path.join(dir, 'ca'), o.caEnv);
  const imds = new FakeImdsServer({ mode: 'imds' });
  await imds.start();
  return {
    dir,
    ca,
    imds,
    newRoot: (name) => mkdtempSync(path.join(dir, `${name}-`)),
    env: (syslogPort) => ({
      NODE_EXTRA_CA_CERTS: ca.caCertPath,
      OPEN_AMA_IMDS_URL: imds.base,
      OPEN_AMA_SYSLOG_PORT: String(syslogPort),
      OPEN_AMA_OFFLINE: '1',
    }),
    async close() {
      await killAllCollectors();
      await imds.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
