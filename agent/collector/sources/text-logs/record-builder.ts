// Record building: complete lines → records for the spec's format. `text` gives RawData (multi-line records
// start at recordStartTimestampFormat, record-start.ts), `json` maps one object per line to the declared
// columns, `w3c` (open-ama extension, docs/dcr-support.md) maps W3C extended log entries by the #Fields in
// effect (w3c-parser.ts). Records are cut at MAX_RECORD_BYTES; lines that are no record are counted
// (parse_error), records with invalid UTF-8 are kept and counted (invalid_encoding).
import type { promises as fs } from 'node:fs';
import type { LogRecord, SourceContext } from '../../pipeline/index.js';
import { isoOfMs } from '../iso-time.js';
import { RECORD_START } from './record-start.js';
import { parseW3cLine, type W3cState } from './w3c-parser.js';
import { clipUtf8, decodeUtf8, MAX_RECORD_BYTES, type Line } from './line-splitter.js';

export interface RecordSpec {
  id: string;
  format: 'text' | 'json' | 'w3c';
  recordStartTimestampFormat?: string;
  columns: string[];
}

/** Per-file record state between two reads. */
export interface RecordState {
  path: string;
  /** Multi-line record being assembled; `bytes` stops growing past MAX_RECORD_BYTES (the record is cut there). */
  pendingRecord?: { text: string[]; start: number; bytes: number };
  /** W3C directive state (current #Fields) at the read position. */
  w3c?: W3cState;
}

export class RecordBuilder {
  /** Invalid UTF-8 sequences replaced by U+FFFD. */
  invalidUtf8 = 0;
  private readonly startRe?: RegExp;
  private readonly wantsRawData: boolean;
  private readonly wantsFilePath: boolean;
  private readonly wantsComputer: boolean;

  constructor(
    private readonly spec: RecordSpec,
    private readonly ctx: Pick<SourceContext, 'drops' | 'computer'>,
  ) {
    this.startRe =
      spec.format === 'text' && spec.recordStartTimestampFormat
        ? RECORD_START[spec.recordStartTimestampFormat]
        : undefined;
    this.wantsRawData = spec.columns.includes('RawData');
    this.wantsFilePath = spec.columns.includes('FilePath');
    this.wantsComputer = spec.columns.includes('Computer');
  }

  /**
   * Complete lines (without their newline) → records; multi-line assembly for format text. `committed` is
   * the file offset after the last record returned (a record still being assembled is not committed).
   */
  fromLines(s: RecordState, lines: Line[], committedBefore: number): { records: LogRecord[]; committed: number } {
    const records: LogRecord[] = [];
    let committed = committedBefore;
    let invalid = 0;
    for (const l of lines) {
      const { line, invalid: bad } = this.decodeLine(l.bytes);
      if (bad) invalid++;
      if (this.startRe) {
        if (this.startRe.test(line) || !s.pendingRecord) {
          if (s.pendingRecord) {
            const rec = this.toRecord(s.pendingRecord.text.join('\n'), s);
            if (rec) records.push(rec);
            committed = l.start;
          }
          s.pendingRecord = { text: [line], start: l.start, bytes: Buffer.byteLength(line) };
        } else {
          // Continuation lines past the record limit are not kept (memory stays bounded without a start line).
          if (s.pendingRecord.bytes <= MAX_RECORD_BYTES) {
            s.pendingRecord.text.push(line);
            s.pendingRecord.bytes += Buffer.byteLength(line) + 1;
          }
        }
      } else {
        if (line.length > 0) {
          const rec = this.toRecord(line, s);
          if (rec) records.push(rec);
        }
        committed = l.end;
      }
    }
    // Records are kept with U+FFFD in place of the invalid bytes; counted so the damage is visible.
    if (invalid > 0) this.ctx.drops.drop('invalid_encoding', invalid, this.spec.id);
    return { records, committed };
  }

  /** The multi-line record being assembled, as a record (it ends here); undefined when there is none. */
  takePending(s: RecordState): LogRecord | undefined {
    if (!s.pendingRecord) return undefined;
    const rec = this.toRecord(s.pendingRecord.text.join('\n'), s);
    s.pendingRecord = undefined;
    return rec;
  }

  /** An unterminated last line (flushed after partialFlushMs), as a record. */
  fromPartialLine(s: RecordState, bytes: Buffer): LogRecord | undefined {
    const { line, invalid } = this.decodeLine(bytes);
    if (invalid) this.ctx.drops.drop('invalid_encoding', 1, this.spec.id);
    return this.toRecord(line, s);
  }

  /** A line's text without its CR; invalid UTF-8 becomes U+FFFD and is counted in invalidUtf8. */
  private decodeLine(bytes: Buffer): { line: string; invalid: boolean } {
    const { text, replaced } = decodeUtf8(bytes);
    this.invalidUtf8 += replaced;
    return { line: text.replace(/\r$/, ''), invalid: replaced > 0 };
  }

  /** One record, or undefined for a line that is not one (W3C directive) or could not be parsed (counted). */
  private toRecord(text: string, s: RecordState): LogRecord | undefined {
    // ≤ 3 UTF-8 bytes per UTF-16 unit: short lines never need the byte count
    const clipped =
      text.length * 3 > MAX_RECORD_BYTES && Buffer.byteLength(text) > MAX_RECORD_BYTES
        ? clipUtf8(text, MAX_RECORD_BYTES)
        : text;
    const rec: LogRecord = { TimeGenerated: isoOfMs(Date.now()) }; // formatted once per millisecond
    if (this.spec.format === 'json') {
      let obj: unknown;
      try {
        obj = JSON.parse(clipped);
      } catch {
        obj = undefined;
      }
      if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
        this.ctx.drops.drop('parse_error', 1, this.spec.id);
        return undefined;
      }
      const fields = obj as Record<string, unknown>;
      // Own keys only: a declared column `constructor` must not read Object.prototype's.
      for (const c of this.spec.columns) if (Object.hasOwn(fields, c) && fields[c] !== undefined) rec[c] = fields[c];
      if (typeof fields.TimeGenerated === 'string') rec.TimeGenerated = fields.TimeGenerated;
    } else if (this.spec.format === 'w3c') {
      const parsed = parseW3cLine(clipped, (s.w3c ??= {}));
      if (parsed.kind === 'directive' || parsed.kind === 'blank') return undefined;
      if (parsed.kind === 'error') {
        this.ctx.drops.drop('parse_error', 1, this.spec.id);
        return undefined;
      }
      for (const c of this.spec.columns) if (Object.hasOwn(parsed.values, c)) rec[c] = parsed.values[c];
      if (parsed.timeGenerated) rec.TimeGenerated = parsed.timeGenerated;
      if (this.wantsRawData) rec.RawData = clipped;
    } else {
      rec.RawData = clipped;
    }
    if (this.wantsFilePath) rec.FilePath = s.path;
    if (this.wantsComputer) rec.Computer = this.ctx.computer;
    return rec;
  }
}

/** W3C directive state (#Fields, #Date) in effect at `offset`: the directives before it, read again. */
export async function w3cStateBefore(fh: fs.FileHandle, offset: number, chunk: number): Promise<W3cState> {
  const state: W3cState = {};
  const buf = Buffer.allocUnsafe(chunk);
  let pos = 0;
  let carry = '';
  while (pos < offset) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(chunk, offset - pos), pos);
    if (bytesRead === 0) break;
    pos += bytesRead;
    const lines = (carry + buf.subarray(0, bytesRead).toString('latin1')).split('\n');
    carry = lines.pop() ?? '';
    for (const l of lines)
      if (l.startsWith('#') || l.startsWith('\u00ef\u00bb\u00bf#'))
        parseW3cLine(Buffer.from(l.replace(/^\u00ef\u00bb\u00bf/, ''), 'latin1').toString('utf8'), state);
  }
  return state;
}
