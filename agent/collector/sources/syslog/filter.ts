// DCR syslog selection (docs/azure-interfaces.md §2): facilityNames × logLevels as explicit SETS ('*' = all; logLevels
// is not a threshold). Compiled to bit masks so matching a message costs two AND operations.
import { DCR_LEVELS, facilityCode, severityCode } from './names.js';

export const SYSLOG_STREAM = 'Microsoft-Syslog';
export const CEF_STREAM = 'Microsoft-CommonSecurityLog';
export type SyslogStream = typeof SYSLOG_STREAM | typeof CEF_STREAM;

/** One DCR syslog data source's selection; `key` names its virtual streams ("<key>|<stream>"). */
export interface SyslogFilter {
  key: string;
  facilities: string[];
  levels: string[];
  /** Streams this selection feeds; default: the source's streams. */
  streams?: string[];
}

export interface CompiledFilter {
  key: string;
  /** Bit per facility code 0–23. */
  facilityMask: number;
  /** Selects messages without PRI (DCR facility `nopri`, or `*`). */
  nopri: boolean;
  /** Bit per severity 0–7. */
  levelMask: number;
  toSyslog: boolean;
  toCef: boolean;
}

const ALL_FACILITIES = (1 << 24) - 1;
const ALL_LEVELS = 0xff;

export function facilityMaskOf(names: string[]): { mask: number; nopri: boolean; mark: boolean } {
  let mask = 0;
  let nopri = false;
  let mark = false;
  for (const n of names) {
    const l = n.toLowerCase();
    if (l === '*') return { mask: ALL_FACILITIES, nopri: true, mark: false }; // rsyslog's * excludes mark too
    if (l === 'nopri') nopri = true;
    else if (l === 'mark') mark = true;
    else {
      const c = facilityCode(l);
      if (c !== undefined) mask |= 1 << c;
    }
  }
  return { mask, nopri, mark };
}

export function levelMaskOf(names: string[]): number {
  let mask = 0;
  for (const n of names) {
    if (n === '*') return ALL_LEVELS;
    const c = severityCode(n);
    if (c !== undefined) mask |= 1 << c;
  }
  return mask;
}

export function compileFilter(f: SyslogFilter, defaultStreams: readonly string[]): CompiledFilter {
  const streams = f.streams ?? defaultStreams;
  const fac = facilityMaskOf(f.facilities);
  return {
    key: f.key,
    facilityMask: fac.mask,
    nopri: fac.nopri,
    levelMask: levelMaskOf(f.levels),
    toSyslog: streams.includes(SYSLOG_STREAM),
    toCef: streams.includes(CEF_STREAM),
  };
}

export function filterSelects(f: CompiledFilter, facility: number, severity: number, hasPri: boolean): boolean {
  if ((f.levelMask & (1 << severity)) === 0) return false;
  return (f.facilityMask & (1 << facility)) !== 0 || (!hasPri && f.nopri);
}

/** DCR level name (lower-case long form) of a severity, for logs and docs. */
export function dcrLevelName(severity: number): string {
  return DCR_LEVELS[severity] ?? 'debug';
}
