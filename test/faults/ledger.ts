// Fault-suite bookkeeping: a rate-controlled syslog sender whose every line carries `seq=<n>` (it
// reconnects when the collector is killed and restarted), the sent/received/lost/duplicated arithmetic
// over sequence numbers (and which losses fell inside a fault's expected-loss windows), the duration scale (OPEN_AMA_FAULT_SCALE), and the per-scenario results that
// end up in bench/results/faults.json (merged under a lock: the suite's files may run in parallel).
import { mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { REPO } from '../support/collector-process.js';
import { sleep } from '../support/net.js';

/** Multiplies every fault duration; 1 (default) keeps the suite short enough for CI. */
export const SCALE = Math.max(0.5, Number(process.env.OPEN_AMA_FAULT_SCALE ?? '1') || 1);
export const scaled = (ms: number): number => Math.round(ms * SCALE);

const SEQ_RE = /seq=(\d+)/g;

/** Every `seq=<n>` in a text (a request body, a queue segment). */
export function seqsIn(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(SEQ_RE)) out.push(Number(m[1]));
  return out;
}

export interface Counts {
  sent: number;
  received: number;
  lost: number;
  duplicated: number;
}

/** Counts for sequence numbers 0..sent-1 against what arrived (possibly repeated, in any order). */
export function count(sent: number, receivedSeqs: readonly number[]): Counts & { lostSeqs: number[] } {
  const seen = new Uint8Array(sent);
  let duplicated = 0;
  let received = 0;
  for (const s of receivedSeqs) {
    if (s < 0 || s >= sent) continue;
    if (seen[s]) duplicated++;
    else {
      seen[s] = 1;
      received++;
    }
  }
  const lostSeqs: number[] = [];
  for (let i = 0; i < sent; i++) if (!seen[i]) lostSeqs.push(i);
  return { sent, received, lost: lostSeqs.length, duplicated, lostSeqs };
}

/** Sequence numbers [from, to) written while a fault made their loss expected (e.g. copytruncate's gap). */
export interface LossWindow {
  from: number;
  to: number;
}

/** Splits lost sequence numbers into those inside an expected-loss window and the others (a failure). */
export function lossByWindow(
  lostSeqs: readonly number[],
  windows: readonly LossWindow[],
): { inWindows: number; outside: number[]; windowLines: number } {
  const inside = (s: number): boolean => windows.some((w) => s >= w.from && s < w.to);
  const outside = lostSeqs.filter((s) => !inside(s));
  const windowLines = windows.reduce((n, w) => n + Math.max(0, w.to - w.from), 0);
  return { inWindows: lostSeqs.length - outside.length, outside, windowLines };
}

/**
 * Sends `<134>… seq=<n> <padding>` lines over TCP at `eps` lines per second (in 10 ms ticks). When the
 * socket dies (collector killed) it reconnects every 100 ms; the rate clock restarts after a gap or
 * back-pressure, so a reconnect never bursts. Lines written to a socket that then died count as sent:
 * they are what a kill can lose before the collector queued them.
 */
export class SyslogLoad {
  next = 0;
  /** `next` at each (re)connection: lines below it were written to an earlier connection. */
  readonly connectedAt: number[] = [];
  private sock?: net.Socket;
  private connecting = false;
  private timer?: NodeJS.Timeout;
  private baseAt = 0;
  private baseSeq = 0;
  private blocked = false;
  private readonly filler: string;

  constructor(
    private readonly port: number,
    private readonly eps: number,
    pad = 120,
  ) {
    this.filler = 'x'.repeat(pad);
  }

  start(): void {
    this.rebase();
    this.timer = setInterval(() => this.tick(), 10);
  }

  /** Stops generating and closes the socket after its buffered lines are flushed; returns lines sent. */
  async stop(): Promise<number> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    const s = this.sock;
    this.sock = undefined;
    if (s && !s.destroyed) await new Promise<void>((r) => s.end(() => r()));
    return this.next;
  }

  /** Sends `n` more lines right away on a fresh connection (for scenarios without a steady rate). */
  async burst(n: number): Promise<void> {
    const s = await connect(this.port);
    let chunk = '';
    for (let i = 0; i < n; i++) {
      chunk += this.line(this.next++);
      if (chunk.length > 64 * 1024) {
        if (!s.write(chunk)) await new Promise((r) => s.once('drain', r));
        chunk = '';
      }
    }
    await new Promise<void>((r) => s.end(chunk, () => r()));
  }

  private line(seq: number): string {
    return `<134>Nov 25 10:00:00 host app[42]: seq=${seq} ${this.filler}\n`;
  }

  private rebase(): void {
    this.baseAt = Date.now();
    this.baseSeq = this.next;
  }

  private tick(): void {
    if (!this.sock) {
      if (!this.connecting) this.reconnect();
      return;
    }
    if (this.blocked) return;
    const due = this.baseSeq + Math.floor(((Date.now() - this.baseAt) * this.eps) / 1000) - this.next;
    if (due <= 0) return;
    let chunk = '';
    for (let i = 0; i < due; i++) chunk += this.line(this.next++);
    if (!this.sock.write(chunk)) {
      this.blocked = true;
      this.sock.once('drain', () => {
        this.blocked = false;
        this.rebase();
      });
    }
  }

  private reconnect(): void {
    this.connecting = true;
    const s = net.connect(this.port, '127.0.0.1');
    s.once('connect', () => {
      this.connecting = false;
      this.blocked = false;
      this.sock = s;
      this.connectedAt.push(this.next);
      this.rebase();
    });
    s.on('error', () => undefined);
    s.once('close', () => {
      if (this.sock === s) this.sock = undefined;
      if (this.connecting) setTimeout(() => (this.connecting = false), 100);
    });
  }
}

export function connect(port: number): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => resolve(s));
    s.once('error', reject);
  });
}

export type ScenarioResult = Counts & Record<string, number | string | boolean>;

const results = new Map<string, ScenarioResult>();

/** Prints a scenario's counts and keeps them for writeResults(). */
export function record(name: string, result: ScenarioResult): void {
  results.set(name, result);
  process.stdout.write(`fault ${name}: ${JSON.stringify(result)}\n`);
}

export const RESULTS_FILE = path.join(REPO, 'bench/results/faults.json');

interface ResultsDoc {
  command: string;
  scale: number;
  node: string;
  updatedAt: string;
  scenarios: Record<string, ScenarioResult & { file: string; measuredAt: string }>;
}

/**
 * Merges this file's scenarios into bench/results/faults.json (afterAll). The suite's files may run
 * in parallel jest workers, so the read-modify-write happens under a mkdir lock.
 */
export async function writeResults(file: string): Promise<void> {
  if (results.size === 0) return;
  mkdirSync(path.dirname(RESULTS_FILE), { recursive: true });
  const lock = `${RESULTS_FILE}.lock`;
  for (let i = 0; ; i++) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (i > 100) rmdirSync(lock); // a crashed run left it behind
      await sleep(50);
    }
  }
  try {
    let doc: ResultsDoc | undefined;
    try {
      doc = JSON.parse(readFileSync(RESULTS_FILE, 'utf8')) as ResultsDoc;
    } catch {
      doc = undefined;
    }
    const scenarios = doc && doc.scale === SCALE ? doc.scenarios : {};
    const now = new Date().toISOString();
    for (const [name, r] of results) scenarios[name] = { ...r, file, measuredAt: now };
    const out: ResultsDoc = {
      command: `OPEN_AMA_FAULT_SCALE=${SCALE} npm run test:faults`,
      scale: SCALE,
      node: process.version,
      updatedAt: now,
      scenarios,
    };
    writeFileSync(`${RESULTS_FILE}.tmp`, JSON.stringify(out, null, 2) + '\n');
    renameSync(`${RESULTS_FILE}.tmp`, RESULTS_FILE);
  } finally {
    rmdirSync(lock);
  }
  results.clear();
}
