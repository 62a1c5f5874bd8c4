// Heartbeat source (docs/dcr-support.md, docs/azure-interfaces.md §8, §4.4): one record per minute on the
// Custom-OpenAmaHeartbeat stream (→ OpenAmaHeartbeat_CL), with the Heartbeat table's columns, for every
// DCR that declares that stream. The first record is sent at start so a new agent shows up at once.
import * as os from 'node:os';
import { readFileSync } from 'node:fs';
import type { Component, SourceContext } from '../../pipeline/index.js';

export const HEARTBEAT_STREAM = 'Custom-OpenAmaHeartbeat';
export const HEARTBEAT_INTERVAL_MS = 60_000;

export interface HeartbeatSpec {
  id: string;
  version: string;
  intervalMs?: number;
}

export class HeartbeatSource implements Component {
  readonly id: string;
  private timer?: NodeJS.Timeout;
  private readonly os = readOsRelease();

  constructor(
    private readonly spec: HeartbeatSpec,
    private readonly ctx: SourceContext,
  ) {
    this.id = spec.id;
  }

  async start(): Promise<void> {
    if (this.timer) return;
    void this.beat();
    this.timer = setInterval(() => void this.beat(), this.spec.intervalMs ?? HEARTBEAT_INTERVAL_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  record(now = new Date()): Record<string, unknown> {
    return {
      TimeGenerated: now.toISOString(),
      Computer: this.ctx.computer,
      Category: 'Azure Monitor Agent',
      Version: this.spec.version,
      OSType: 'Linux',
      OSName: this.os.name,
      OSMajorVersion: this.os.major,
      OSMinorVersion: this.os.minor,
      ComputerIP: primaryIp(),
      Agent: 'open-ama',
    };
  }

  private async beat(): Promise<void> {
    try {
      await this.ctx.sink.write(HEARTBEAT_STREAM, [this.record()]);
    } catch (err) {
      this.ctx.logger.warn(`heartbeat not queued: ${(err as Error).message}`);
    }
  }
}

function readOsRelease(): { name: string; major: string; minor: string } {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const get = (k: string): string => new RegExp(`^${k}="?([^"\\n]*)"?`, 'm').exec(text)?.[1] ?? '';
    const [major = '', minor = ''] = get('VERSION_ID').split('.');
    return { name: get('NAME') || 'Linux', major, minor };
  } catch {
    return { name: 'Linux', major: '', minor: '' };
  }
}

function primaryIp(): string {
  for (const addrs of Object.values(os.networkInterfaces())) {
    for (const a of addrs ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return '';
}
