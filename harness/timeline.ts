// Prints the harness timeline: one line per step (operation, version, seq, exit code, duration,
// status as the agent sees it) plus substatus, heartbeat and events; colours by cli/colors.ts (picocolors;
// a terminal, NO_COLOR, FORCE_COLOR).
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { colors } from '../cli/colors.js';
import type { StepRecord } from './guest-agent.js';
import type { ExtensionLayout } from './layout.js';

export const green = (s: string): string => colors.green(s);
export const red = (s: string): string => colors.red(s);
export const dim = (s: string): string => colors.dim(s);

export function printStep(s: StepRecord, out: NodeJS.WritableStream = process.stdout): void {
  const mark = s.ok ? green('✔') : red('✘');
  const r = s.result;
  const head = `${mark} ${s.operation.padEnd(14)} v${s.version} seq ${s.seq}`;
  const exit = r
    ? ` exit ${r.timedOut ? 'TIMEOUT' : r.exitCode} in ${(r.durationMs / 1000).toFixed(1)} s${r.agentErrorCode ? ` (agent error ${r.agentErrorCode})` : ''}`
    : '';
  out.write(`${head}${exit}\n`);
  if (s.status) {
    out.write(
      `    status ${s.status.status}${s.status.operation ? ` (${s.status.operation})` : ''}: ${s.status.message}${s.status.problem ? red(` [${s.status.problem}]`) : ''}\n`,
    );
    for (const sub of s.status.substatus) out.write(dim(`      · ${sub.name}: ${sub.status} — ${sub.message}\n`));
  }
  if (r && !s.ok) out.write(dim(`    ${r.message.split('\n').slice(0, 12).join('\n    ')}\n`));
  if (s.note) out.write(`    ${s.ok ? dim(s.note) : red(s.note)}\n`);
}

export interface HeartbeatView {
  status: string;
  message: string;
  problem?: string;
}

/** docs/guest-agent-protocol.md §6.3 as the agent reads it. */
export async function readHeartbeat(l: ExtensionLayout): Promise<HeartbeatView> {
  try {
    const st = await fs.stat(l.heartbeatFile);
    const doc = JSON.parse(await fs.readFile(l.heartbeatFile, 'utf8')) as {
      heartbeat?: { status?: string; formattedMessage?: { message?: string } };
    }[];
    if (!Array.isArray(doc) || !doc[0]?.heartbeat)
      return { status: 'NotReady', message: 'Malformed heartbeat file', problem: 'malformed' };
    if (Date.now() - st.mtimeMs > 600_000)
      return { status: 'Unresponsive', message: 'Extension heartbeat is not responsive', problem: 'stale' };
    return { status: doc[0].heartbeat.status ?? '', message: doc[0].heartbeat.formattedMessage?.message ?? '' };
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT'
      ? { status: 'NotReady', message: 'Failed to get heart beat file', problem: 'missing' }
      : { status: 'NotReady', message: 'Malformed heartbeat file', problem: 'malformed' };
  }
}

/** Collects events like the agent (§7): valid \d+.json files, eight keys; then deletes every file. */
export async function collectEvents(
  l: ExtensionLayout,
): Promise<{ valid: { TaskName: string; EventLevel: string; Message: string }[]; invalid: number }> {
  const valid: { TaskName: string; EventLevel: string; Message: string }[] = [];
  let invalid = 0;
  const names = await fs.readdir(l.eventsFolder).catch(() => [] as string[]);
  for (const n of names.sort().reverse()) {
    const f = path.join(l.eventsFolder, n);
    try {
      if (!/^\d+\.json$/i.test(n)) throw new Error('name');
      const doc = JSON.parse(await fs.readFile(f, 'utf8')) as unknown;
      for (const e of (Array.isArray(doc) ? doc : [doc]) as Record<string, unknown>[]) {
        const keys = [
          'Version',
          'Timestamp',
          'TaskName',
          'EventLevel',
          'Message',
          'EventPid',
          'EventTid',
          'OperationId',
        ];
        if (
          keys.every(
            (k) => typeof e[k] === 'string' || ((k === 'EventPid' || k === 'EventTid') && typeof e[k] === 'number'),
          )
        )
          valid.push({ TaskName: String(e.TaskName), EventLevel: String(e.EventLevel), Message: String(e.Message) });
        else invalid++;
      }
    } catch {
      invalid++;
    }
    await fs.rm(f, { force: true });
  }
  return { valid, invalid };
}
