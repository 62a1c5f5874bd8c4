// Counter catalogue (docs/azure-interfaces.md §2) and specifier parsing: "Object(instance)\Counter" (Linux form; a
// leading backslash marks a Windows specifier, ignored — except `\VmInsights\DetailedMetrics`, the VM
// insights set, which is flagged for vm-insights.ts and needs the counters it is computed from). `*` = all instances.
import { isVmInsightsSpecifier } from './vm-insights.js';

export interface CounterSpec {
  object: string;
  instance: string;
  counter: string;
}

export const SUPPORTED: Record<string, string[]> = {
  Processor: [
    '% Processor Time',
    '% Idle Time',
    '% User Time',
    '% Nice Time',
    '% Privileged Time',
    '% IO Wait Time',
    '% Interrupt Time',
  ],
  Memory: [
    'Available MBytes Memory',
    '% Available Memory',
    'Used Memory MBytes',
    '% Used Memory',
    'Pages/sec',
    'Page Reads/sec',
    'Page Writes/sec',
    'Available MBytes Swap',
    '% Available Swap Space',
    'Used MBytes Swap Space',
    '% Used Swap Space',
  ],
  'Logical Disk': [
    '% Free Inodes',
    '% Used Inodes',
    'Free Megabytes',
    '% Free Space',
    '% Used Space',
    'Logical Disk Bytes/sec',
    'Disk Read Bytes/sec',
    'Disk Write Bytes/sec',
    'Disk Transfers/sec',
    'Disk Reads/sec',
    'Disk Writes/sec',
  ],
  Network: [
    'Total Bytes Transmitted',
    'Total Bytes Received',
    'Total Bytes',
    'Total Packets Transmitted',
    'Total Packets Received',
    'Total Rx Errors',
    'Total Tx Errors',
    'Total Collisions',
  ],
  System: ['Uptime', 'Load1', 'Load5', 'Load15', 'Users', 'Unique Users', 'CPUs'],
  Process: ['Pct User Time', 'Pct Privileged Time', 'Used Memory', 'Virtual Shared Memory'],
};

export function parseSpecifier(s: string): CounterSpec | undefined {
  if (s.startsWith('\\')) return undefined;
  const m = /^([^(\\]+)\(([^)]*)\)\\(.+)$/.exec(s.trim());
  if (!m) return undefined;
  return { object: m[1]!.trim(), instance: m[2]!.trim() || '*', counter: m[3]!.trim() };
}

/** Expands "*" counters and validates names; unknown ones are returned for a one-time warning. */
export function resolveSpecifiers(specifiers: string[]): {
  counters: CounterSpec[];
  unknown: string[];
  vmInsights: boolean;
} {
  const counters: CounterSpec[] = [];
  const unknown: string[] = [];
  let vmInsights = false;
  for (const raw of specifiers) {
    if (isVmInsightsSpecifier(raw)) {
      vmInsights = true;
      continue;
    }
    const spec = parseSpecifier(raw);
    if (!spec) {
      unknown.push(raw);
      continue;
    }
    const object = Object.keys(SUPPORTED).find((o) => o.toLowerCase() === spec.object.toLowerCase());
    if (!object) {
      unknown.push(raw);
      continue;
    }
    const names =
      spec.counter === '*'
        ? SUPPORTED[object]!
        : SUPPORTED[object]!.filter((c) => c.toLowerCase() === spec.counter.toLowerCase());
    if (names.length === 0) unknown.push(raw);
    for (const counter of names) counters.push({ object, instance: spec.instance, counter });
  }
  return { counters, unknown, vmInsights };
}
