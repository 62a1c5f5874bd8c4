// Writes the heartbeat file (docs/guest-agent-protocol.md §6.3): a JSON array whose element 0 is {version 1.0,
// heartbeat {status Ready|NotReady, code 0, formattedMessage {lang, message}}}, atomic. The agent reports
// "Unresponsive" when its mtime is over 600 s old, so callers rewrite it every few minutes. Shared with
// the supervisor: imports only agent/config and agent/telemetry.
import { writeFileAtomic } from '../../agent/config/index.js';
import { redactString } from '../../agent/telemetry/index.js';

export type HeartbeatStatus = 'Ready' | 'NotReady';

export interface Heartbeat {
  status: HeartbeatStatus;
  message: string;
}

export const MAX_HEARTBEAT_MESSAGE_CHARS = 1024;

export function buildHeartbeatDocument(hb: Heartbeat): unknown[] {
  // The agent copies status verbatim into the handler status: only the two documented values.
  const status: HeartbeatStatus = hb.status === 'Ready' ? 'Ready' : 'NotReady';
  const message = redactString(String(hb.message)).slice(0, MAX_HEARTBEAT_MESSAGE_CHARS);
  return [{ version: 1.0, heartbeat: { status, code: 0, formattedMessage: { lang: 'en-US', message } } }];
}

export async function writeHeartbeat(file: string, hb: Heartbeat): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(buildHeartbeatDocument(hb)), { mode: 0o644 });
}
