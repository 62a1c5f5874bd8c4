// Seeded benchmark corpus: syslog lines in RFC 3164, RFC 5424 and CEF flavours, ~150 B or ~1 KB each,
// every one carrying its sequence number as "seq=<n>" (the latency profile maps seq → send time), and
// text-log lines of the same shape. Deterministic for a seed: the same seed, kind, size and seq give
// the same bytes on every machine (a small xorshift PRNG, no Math.random).

export type SyslogKind = 'rfc3164' | 'rfc5424' | 'cef';
export type LineSize = 'small' | 'large';
export const LINE_BYTES: Record<LineSize, number> = { small: 150, large: 1024 };

/** xorshift32: tiny, fast, reproducible. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  int(n: number): number {
    return this.next() % n;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

const HOSTS = ['web-01', 'web-02', 'db-primary', 'edge-gw', 'batch-7'];
const APPS = ['sshd', 'nginx', 'kernel', 'cron', 'postfix', 'app'];
const WORDS = [
  'accepted',
  'connection',
  'from',
  'user',
  'request',
  'served',
  'timeout',
  'retry',
  'GET',
  '/api/v1/items',
  'status=200',
  'latency_ms=12',
  'session',
  'closed',
  'opened',
  'queue',
  'flush',
  'ok',
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

function words(rng: Rng, bytes: number): string {
  let s = '';
  while (s.length < bytes) s += (s ? ' ' : '') + rng.pick(WORDS);
  return s.slice(0, Math.max(0, bytes));
}

/** One syslog message (no line terminator) of about LINE_BYTES[size] bytes, for sequence number `seq`. */
export function syslogLine(kind: SyslogKind, size: LineSize, seq: number, seed = 1): string {
  const rng = new Rng((seed * 2654435761) ^ (seq * 40503) ^ (kind.length << 20));
  const pri = 8 * rng.pick([1, 3, 4, 10, 16, 23]) + rng.int(8);
  const host = rng.pick(HOSTS);
  const app = rng.pick(APPS);
  const pid = 100 + rng.int(30000);
  const day = 1 + rng.int(28);
  const hh = String(rng.int(24)).padStart(2, '0');
  const mm = String(rng.int(60)).padStart(2, '0');
  const ss = String(rng.int(60)).padStart(2, '0');
  let head: string;
  if (kind === 'rfc3164')
    head = `<${pri}>${rng.pick(MONTHS)} ${String(day).padStart(2, ' ')} ${hh}:${mm}:${ss} ${host} ${app}[${pid}]: seq=${seq} `;
  else if (kind === 'rfc5424')
    head = `<${pri}>1 2026-11-${String(day).padStart(2, '0')}T${hh}:${mm}:${ss}.${String(rng.int(1000)).padStart(3, '0')}Z ${host} ${app} ${pid} ID${rng.int(100)} [meta seq="${seq}"] seq=${seq} `;
  else
    head = `<${pri}>${rng.pick(MONTHS)} ${String(day).padStart(2, ' ')} ${hh}:${mm}:${ss} ${host} CEF:0|Contoso|Firewall|1.${rng.int(10)}|${100 + rng.int(900)}|Connection ${rng.pick(['allowed', 'denied'])}|${rng.int(11)}|src=10.0.${rng.int(256)}.${rng.int(256)} dst=192.168.${rng.int(256)}.${rng.int(256)} spt=${1024 + rng.int(60000)} dpt=${rng.pick([22, 80, 443, 3389])} act=${rng.pick(['allow', 'deny'])} cn1Label=seq cn1=${seq} msg=`;
  return head + words(rng, LINE_BYTES[size] - head.length);
}

/** A text-log line (ISO timestamp, level, message) of about LINE_BYTES[size] bytes, no terminator. */
export function textLine(size: LineSize, seq: number, seed = 1): string {
  const rng = new Rng((seed * 2246822519) ^ (seq * 69069));
  const head = `2026-11-25T10:${String(rng.int(60)).padStart(2, '0')}:${String(rng.int(60)).padStart(2, '0')}.${String(rng.int(1000)).padStart(3, '0')}Z ${rng.pick(['INFO', 'WARN', 'ERROR', 'DEBUG'])} ${rng.pick(APPS)} seq=${seq} `;
  return head + words(rng, LINE_BYTES[size] - head.length);
}

/** Kinds cycled by sequence number in a mixed corpus (seq % 3). */
export const MIXED: readonly SyslogKind[] = ['rfc3164', 'rfc5424', 'cef'];

/**
 * A pool of `poolSize` distinct lines; line(seq) substitutes the real seq into a pooled template so a
 * sender can produce millions of unique, numbered lines without generating each from scratch.
 */
export class SyslogCorpus {
  private readonly pool: string[][] = [];
  constructor(
    readonly kinds: readonly SyslogKind[],
    readonly size: LineSize,
    readonly seed = 1,
    poolSize = 999,
  ) {
    for (let i = 0; i < poolSize; i++) {
      const kind = kinds[i % kinds.length]!;
      const marker = 1_000_000_000 + i; // unique placeholder for the seq
      const l = syslogLine(kind, size, marker, seed);
      this.pool.push(l.split(String(marker)));
    }
  }

  /** The message for `seq` (no terminator): every occurrence of the seq placeholder is the real seq. */
  line(seq: number): string {
    return this.pool[seq % this.pool.length]!.join(String(seq));
  }

  /** `count` LF-terminated lines from `from`. */
  chunk(from: number, count: number): string {
    let s = '';
    for (let i = from; i < from + count; i++) s += this.line(i) + '\n';
    return s;
  }
}

/** Parses the sequence number out of a message produced above ("seq=<n>", seq="<n>" or CEF "cn1=<n>"). */
export function seqOf(message: string): number {
  const m = /(?:seq="?|cn1=)(\d+)/.exec(message);
  return m ? Number(m[1]) : -1;
}
