// Writes the heartbeat file (PROTOCOL.md §6.6): array, element 0, heartbeat {status Ready|NotReady,
// code, formattedMessage {lang, message}}; atomic. Must be refreshed at least every 10 minutes.
import { writeFileAtomic } from '../../agent/config/index.js';
import { redactString } from '../../agent/telemetry/index.js';

export interface Heartbeat {
  status: 'Ready' | 'NotReady';
  message: string;
}

export function buildHeartbeatDocument(hb: Heartbeat): unknown[] {
  return [{ version: 1.0, heartbeat: { status: hb.status, code: 0, formattedMessage: { lang: 'en-US', message: redactString(hb.message).slice(0, 1024) } } }];
}

export async function writeHeartbeat(file: string, hb: Heartbeat): Promise<void> {
  await writeFileAtomic(file, JSON.stringify(buildHeartbeatDocument(hb)), { mode: 0o644 });
}
