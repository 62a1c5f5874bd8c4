// The update handshake marker. docs/guest-agent-protocol.md §5.5 runs B's `update` before A's `uninstall`; B writes
// { from: A, to: B } so that A's uninstall removes only A's binaries and keeps the shared state
// (queues, checkpoints, config). B's install/enable clears it.
import { promises as fs } from 'node:fs';
import { writeFileAtomic, type AgentPaths } from '../../agent/config/index.js';

export interface UpdateMarker {
  from: string;
  to: string;
  at: string;
}

export async function writeUpdateMarker(paths: AgentPaths, marker: UpdateMarker): Promise<void> {
  await writeFileAtomic(paths.updateMarkerFile, JSON.stringify(marker) + '\n', { mode: 0o600, mkdirMode: 0o755 });
}

export async function readUpdateMarker(paths: AgentPaths): Promise<UpdateMarker | undefined> {
  try {
    const parsed = JSON.parse(await fs.readFile(paths.updateMarkerFile, 'utf8')) as Partial<UpdateMarker>;
    if (typeof parsed.from === 'string' && typeof parsed.to === 'string')
      return { from: parsed.from, to: parsed.to, at: String(parsed.at ?? '') };
  } catch {
    // absent or unreadable: no update in progress
  }
  return undefined;
}

export async function clearUpdateMarker(paths: AgentPaths): Promise<void> {
  await fs.rm(paths.updateMarkerFile, { force: true });
}
