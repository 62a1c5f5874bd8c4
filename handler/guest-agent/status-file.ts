// Writes status/<seq>.status exactly as the guest agent parses it (PROTOCOL.md §6.1, §6.3): a JSON
// array with one element, lower-case status values, formattedMessage {lang, message} at both levels,
// messages redacted and truncated so the file stays a few KiB, atomic temp + rename. Used by the
// handler and by the supervisor (which keeps the substatus current).
import * as path from 'node:path';
import { writeFileAtomic } from '../../agent/config/index.js';
import { redactString } from '../../agent/telemetry/index.js';
import { HandlerError } from '../errors.js';

export type StatusValue = 'transitioning' | 'warning' | 'error' | 'success';

export interface SubStatus {
  name: string;
  status: StatusValue;
  code: number;
  message: string;
}

export interface ExtensionStatus {
  operation: string;
  status: StatusValue;
  code: number;
  message: string;
  substatus?: SubStatus[];
  configurationAppliedTime?: string;
}

export const MAX_MESSAGE_CHARS = 1024;
export const MAX_SUBSTATUS = 20;

function clip(text: string, max = MAX_MESSAGE_CHARS): string {
  const clean = redactString(text);
  return clean.length <= max ? clean : `${clean.slice(0, max - 16)} ... [TRUNCATED]`;
}

function utc(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function buildStatusDocument(handlerName: string, status: ExtensionStatus, now: Date = new Date()): unknown[] {
  return [
    {
      version: 1.0,
      timestampUTC: utc(now),
      status: {
        name: handlerName,
        operation: status.operation,
        status: status.status,
        code: status.code,
        ...(status.configurationAppliedTime ? { configurationAppliedTime: utc(new Date(status.configurationAppliedTime)) } : {}),
        formattedMessage: { lang: 'en-US', message: clip(status.message) },
        substatus: (status.substatus ?? []).slice(0, MAX_SUBSTATUS).map((s) => ({
          name: clip(s.name, 128),
          status: s.status,
          code: s.code,
          formattedMessage: { lang: 'en-US', message: clip(s.message) },
        })),
      },
    },
  ];
}

export async function writeStatusFile(statusFolder: string, seq: number, handlerName: string, status: ExtensionStatus): Promise<void> {
  const file = path.join(statusFolder, `${seq}.status`);
  try {
    await writeFileAtomic(file, JSON.stringify(buildStatusDocument(handlerName, status)), { mode: 0o644 });
  } catch (err) {
    throw new HandlerError('STATUS_WRITE_FAILED', `cannot write the status file ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`, { cause: err });
  }
}
