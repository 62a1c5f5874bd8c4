// Writes status/<seq>.status exactly as the guest agent parses it (docs/guest-agent-protocol.md §6.1, §6.2): a JSON
// array with one element, version 1.0, timestampUTC YYYY-MM-DDTHH:MM:SSZ, lower-case status values,
// formattedMessage {lang, message} at both levels, messages redacted then truncated so the whole file
// stays within MAX_STATUS_BYTES, atomic temp + rename. Shared with the supervisor, which keeps the
// status current: imports only agent/config, agent/telemetry and the dependency-free handler/errors.
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

export const STATUS_VALUES: readonly StatusValue[] = ['transitioning', 'warning', 'error', 'success'];
export const MAX_MESSAGE_CHARS = 1024;
export const MAX_NAME_CHARS = 128;
export const MAX_SUBSTATUS = 20;
/** "A few KiB" (§6.3): far below the agent's 128 KiB truncation, small enough for the portal. */
export const MAX_STATUS_BYTES = 8 * 1024;
export const TRUNCATION_SUFFIX = ' ... [TRUNCATED]';

const SUBSTATUS_MESSAGE_LIMITS = [MAX_MESSAGE_CHARS, 512, 256, 128, 64];
const SEVERITY: Record<StatusValue, number> = { success: 0, transitioning: 1, warning: 2, error: 3 };

export function statusFilePath(statusFolder: string, seq: number): string {
  return path.join(statusFolder, `${seq}.status`);
}

/** Redacts registered secrets first (so a cut can never expose half a secret), then truncates. */
export function clipMessage(text: string, max = MAX_MESSAGE_CHARS): string {
  const clean = redactString(String(text));
  if (clean.length <= max) return clean;
  let cut = Math.max(0, max - TRUNCATION_SUFFIX.length);
  const code = clean.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--; // do not split a surrogate pair
  return `${clean.slice(0, cut)}${TRUNCATION_SUFFIX}`;
}

/** UTC time without milliseconds, e.g. 2025-06-01T10:20:30Z. */
export function formatStatusTime(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function buildStatusDocument(handlerName: string, status: ExtensionStatus, now: Date = new Date()): unknown[] {
  const all = status.substatus ?? [];
  for (let cap = Math.min(all.length, MAX_SUBSTATUS); cap >= 0; cap--) {
    for (const limit of SUBSTATUS_MESSAGE_LIMITS) {
      const doc = compose(handlerName, status, now, capSubstatus(all, cap), limit);
      if (Buffer.byteLength(JSON.stringify(doc)) <= MAX_STATUS_BYTES) return doc;
    }
  }
  // Unreachable in practice: with no substatus the document is bounded by MAX_MESSAGE_CHARS.
  return compose(handlerName, status, now, [], 64);
}

export async function writeStatusFile(
  statusFolder: string,
  seq: number,
  handlerName: string,
  status: ExtensionStatus,
): Promise<void> {
  const file = statusFilePath(statusFolder, seq);
  try {
    await writeFileAtomic(file, JSON.stringify(buildStatusDocument(handlerName, status)), { mode: 0o644 });
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? redactString((err as Error).message);
    throw new HandlerError(
      'STATUS_WRITE_FAILED',
      `cannot write the status file ${file}: ${reason}; the status folder must be a writable directory`,
      { cause: err },
    );
  }
}

function compose(
  handlerName: string,
  status: ExtensionStatus,
  now: Date,
  subs: SubStatus[],
  subLimit: number,
): unknown[] {
  const applied = status.configurationAppliedTime ? new Date(status.configurationAppliedTime) : undefined;
  return [
    {
      version: 1.0,
      timestampUTC: formatStatusTime(now),
      status: {
        name: clipMessage(handlerName, 256),
        operation: clipMessage(status.operation, 64),
        status: statusValue(status.status),
        code: integer(status.code),
        ...(applied && !Number.isNaN(applied.getTime()) ? { configurationAppliedTime: formatStatusTime(applied) } : {}),
        formattedMessage: { lang: 'en-US', message: clipMessage(status.message) },
        substatus: subs.map((s) => ({
          name: clipMessage(s.name, MAX_NAME_CHARS),
          status: statusValue(s.status),
          code: integer(s.code),
          formattedMessage: { lang: 'en-US', message: clipMessage(s.message, subLimit) },
        })),
      },
    },
  ];
}

/** At most `cap` entries; when some must go, the last kept slot summarises them with their worst status. */
function capSubstatus(all: SubStatus[], cap: number): SubStatus[] {
  if (all.length <= cap) return all;
  if (cap === 0) return [];
  const kept = all.slice(0, cap - 1);
  const omitted = all.slice(cap - 1);
  const worst = omitted.reduce(
    (w, s) => (SEVERITY[statusValue(s.status)] > SEVERITY[w] ? statusValue(s.status) : w),
    'success' as StatusValue,
  );
  const names = omitted.map((s) => String(s.name)).join(', ');
  return [
    ...kept,
    {
      name: 'OmittedSubstatus',
      status: worst,
      code: 0,
      message: `${omitted.length} more substatus entries omitted to keep the status small: ${names}`,
    },
  ];
}

/** The agent reports anything but the four lower-case values as error, and a bad substatus voids the file. */
function statusValue(v: unknown): StatusValue {
  return STATUS_VALUES.includes(v as StatusValue) ? (v as StatusValue) : 'error';
}

function integer(v: unknown): number {
  return typeof v === 'number' && Number.isSafeInteger(v) ? v : 0;
}
