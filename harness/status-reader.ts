// Reads status/<seq>.status with the guest agent's rules (docs/guest-agent-protocol.md §6.1, §6.2): missing →
// transitioning (the agent's message), unreadable → error -1, not JSON / not an array / bad shape →
// error 1012, capitalised or unknown status values → error, empty array or null → "no status".
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export interface AgentViewOfStatus {
  status: 'transitioning' | 'warning' | 'error' | 'success' | 'none';
  code: number;
  message: string;
  operation?: string;
  substatus: { name: string; status: string; message: string }[];
  /** Why the agent rejected the file, when it did. */
  problem?: string;
}

const VALID = new Set(['transitioning', 'warning', 'error', 'success']);

function fm(v: unknown): { ok: boolean; message: string } {
  if (v === undefined) return { ok: true, message: '' };
  if (typeof v !== 'object' || v === null) return { ok: false, message: '' };
  const o = v as Record<string, unknown>;
  if (!('lang' in o) || !('message' in o)) return { ok: false, message: '' };
  return { ok: true, message: String(o.message ?? '') };
}

export function interpretStatusText(text: string, name: string, file: string): AgentViewOfStatus {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    return {
      status: 'error',
      code: 1012,
      message: `The extension status file ${file} was in an incorrect format: ${text.slice(0, 2000)}`,
      substatus: [],
      problem: 'not valid JSON',
    };
  }
  if (doc === null || (Array.isArray(doc) && doc.length === 0))
    return { status: 'none', code: 0, message: '', substatus: [], problem: 'empty status (no status value)' };
  if (!Array.isArray(doc))
    return {
      status: 'error',
      code: 1012,
      message: 'The extension status must be an array',
      substatus: [],
      problem: 'not an array',
    };
  const invalid = (why: string): AgentViewOfStatus => ({
    status: 'error',
    code: 1012,
    message: `Could not get a valid status from the extension ${name}: ${why}`,
    substatus: [],
    problem: why,
  });
  const st = (doc[0] as { status?: unknown } | null)?.status as Record<string, unknown> | undefined;
  if (!st || typeof st !== 'object') return invalid('status is missing');
  if (typeof st.status !== 'string') return invalid('status.status is missing');
  const top = fm(st.formattedMessage);
  if (!top.ok) return invalid('formattedMessage must have lang and message');
  const subs: AgentViewOfStatus['substatus'] = [];
  for (const s of Array.isArray(st.substatus) ? st.substatus : []) {
    if (s === null) continue;
    const so = s as Record<string, unknown>;
    if (typeof so.status !== 'string' || !VALID.has(so.status))
      return invalid(`substatus status "${String(so.status)}" is not one of transitioning, warning, error, success`);
    const m = fm(so.formattedMessage);
    if (!m.ok) return invalid('substatus formattedMessage must have lang and message');
    subs.push({ name: String(so.name ?? ''), status: so.status, message: m.message });
  }
  const value = VALID.has(st.status) ? (st.status as AgentViewOfStatus['status']) : 'error';
  let message = top.message;
  if (text.length > 131072) message = message.length > 1024 ? `${message.slice(0, 1024)} ... [TRUNCATED]` : message;
  return {
    status: value,
    code: typeof st.code === 'number' ? st.code : 0,
    message,
    operation: typeof st.operation === 'string' ? st.operation : undefined,
    substatus: subs,
    ...(VALID.has(st.status)
      ? {}
      : { problem: `status "${st.status}" is not lower-case transitioning/warning/error/success` }),
  };
}

export async function readStatusLikeAgent(statusFolder: string, seq: number, name: string): Promise<AgentViewOfStatus> {
  const file = path.join(statusFolder, `${seq}.status`);
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
      return {
        status: 'transitioning',
        code: 0,
        message: `This status is being reported by the Guest Agent since no status file was reported by extension ${name}: Status file ${file} does not exist`,
        substatus: [],
        problem: 'no status file',
      };
    }
    return {
      status: 'error',
      code: -1,
      message: "We couldn't read any status for this extension",
      substatus: [],
      problem: 'unreadable',
    };
  }
  return interpretStatusText(text, name, file);
}
