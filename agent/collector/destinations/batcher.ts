// Builds upload bodies from queued entries (each a serialised JSON record): JSON arrays of at most
// `maxBytes` uncompressed bytes counting brackets and commas exactly (docs/azure-interfaces.md §4.2: 1 MB), gzip'd.
// A single entry that cannot fit alone is returned as `oversized` (the caller counts the drop).
// serializeRecord() truncates string fields over 64 KB (the service would truncate them anyway).
import { gzipSync, constants as zlibConstants } from 'node:zlib';
import { ScratchBuffer } from '../buffer/index.js';
import type { LogRecord } from '../pipeline/index.js';

export interface RequestBatch {
  entries: Buffer[];
  count: number;
  uncompressedBytes: number;
  body: Buffer;
  oversized: boolean;
}

/** gzip level 1: ~3× faster than the default 6 for ~10 % larger bodies on log JSON (bench/queue-bench). */
export const GZIP_LEVEL = 1;

export function buildBatches(entries: Buffer[], { maxBytes }: { maxBytes: number }): RequestBatch[] {
  const out: RequestBatch[] = [];
  let current: Buffer[] = [];
  let size = 2; // "[" + "]"
  const flush = (): void => {
    if (current.length === 0) return;
    out.push(makeBatch(current, size, false));
    current = [];
    size = 2;
  };
  for (const e of entries) {
    const add = e.length + (current.length > 0 ? 1 : 0);
    if (e.length + 2 > maxBytes) {
      flush();
      out.push({ entries: [e], count: 1, uncompressedBytes: e.length + 2, body: Buffer.alloc(0), oversized: true });
      continue;
    }
    if (size + add > maxBytes) flush();
    size += e.length + (current.length > 0 ? 1 : 0);
    current.push(e);
  }
  flush();
  return out;
}

/**
 * The uncompressed JSON array, kept between calls: gzipSync reads it synchronously and keeps nothing, so
 * one buffer serves every lane (buffer/scratch-buffer.ts). Requests larger than it get their own.
 */
const jsonScratch = new ScratchBuffer(1024 * 1024 + 64 * 1024);

function makeBatch(entries: Buffer[], size: number, oversized: boolean): RequestBatch {
  // One buffer for the JSON array (no per-entry "," buffers), then one gzip call.
  const json = jsonScratch.take(size);
  let off = 0;
  json[off++] = 0x5b; // [
  for (let i = 0; i < entries.length; i++) {
    if (i > 0) json[off++] = 0x2c; // ,
    off += entries[i]!.copy(json, off);
  }
  json[off++] = 0x5d; // ]
  return {
    entries,
    count: entries.length,
    uncompressedBytes: off,
    body: gzipSync(json.subarray(0, off), { level: GZIP_LEVEL, strategy: zlibConstants.Z_DEFAULT_STRATEGY }),
    oversized,
  };
}

/** One record as JSON text (the lane frames a whole batch of them into one buffer). */
export function serializeRecord(
  record: LogRecord,
  { maxFieldBytes }: { maxFieldBytes: number },
): { json: string; truncatedFields: number } {
  let truncatedFields = 0;
  let target: LogRecord = record;
  // for…in rather than Object.entries: no per-record arrays on the hot path.
  for (const k in record) {
    const v = record[k];
    if (typeof v === 'string' && v.length > maxFieldBytes / 4 && Buffer.byteLength(v) > maxFieldBytes) {
      if (target === record) target = { ...record };
      target[k] = truncateUtf8(v, maxFieldBytes);
      truncatedFields++;
    }
  }
  return { json: JSON.stringify(target), truncatedFields };
}

/** The longest prefix of `s` of at most maxBytes UTF-8 bytes, without a partial character at the cut. */
export function truncateUtf8(s: string, maxBytes: number): string {
  const buf = Buffer.from(s).subarray(0, maxBytes);
  // Drop a partial multi-byte sequence at the cut.
  return buf.toString('utf8').replace(/\uFFFD$/, '');
}
