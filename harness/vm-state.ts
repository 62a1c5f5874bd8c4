// The simulated VM's extension state, persisted in <root>/harness-state.json so scenarios chain across
// invocations (--root): installed version, HandlerState (docs/guest-agent-protocol.md §2), current seq.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';

export type HandlerState = 'NotInstalled' | 'Installed' | 'Enabled' | 'FailedUpgrade';

export interface VmState {
  name: string;
  version?: string;
  handlerState: HandlerState;
  seq: number;
  publicSettings?: unknown;
  protectedSettings?: unknown;
  cipher: 'des-ede3-cbc' | 'aes-256-cbc';
  syslogPort?: number;
}

export async function loadVmState(root: string, name: string): Promise<VmState> {
  try {
    return JSON.parse(await fs.readFile(path.join(root, 'harness-state.json'), 'utf8')) as VmState;
  } catch {
    return { name, handlerState: 'NotInstalled', seq: 0, cipher: 'des-ede3-cbc' };
  }
}

export async function saveVmState(root: string, s: VmState): Promise<void> {
  await fs.mkdir(root, { recursive: true });
  await fs.writeFile(path.join(root, 'harness-state.json'), JSON.stringify(s, null, 2), { mode: 0o600 });
  // The agent keeps HandlerState in config/; mirror it there for realism.
}
