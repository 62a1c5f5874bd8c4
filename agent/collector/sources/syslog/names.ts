// Syslog facility and severity names (docs/azure-interfaces.md §2, docs/syslog.md): RFC 5424 codes → the Syslog table's names,
// DCR filter names (capitalised long forms) → severity numbers. Pure tables, shared by parser and filters.

/** Facility names by RFC 5424 code 0–23 (Facility column). */
export const FACILITIES = [
  'kern',
  'user',
  'mail',
  'daemon',
  'auth',
  'syslog',
  'lpr',
  'news',
  'uucp',
  'cron',
  'authpriv',
  'ftp',
  'ntp',
  'audit',
  'alert',
  'clock',
  'local0',
  'local1',
  'local2',
  'local3',
  'local4',
  'local5',
  'local6',
  'local7',
] as const;
export type FacilityName = (typeof FACILITIES)[number];

/** Extra DCR facility names: rsyslog's internal `mark` and `nopri` (a message without PRI). */
export const DCR_ONLY_FACILITIES = ['mark', 'nopri'] as const;

/** SeverityLevel column values by severity 0–7 (lower-case short names). */
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;
export type SeverityName = (typeof SEVERITIES)[number];

/** DCR logLevels names (lower-cased) by severity 0–7. */
export const DCR_LEVELS = ['emergency', 'alert', 'critical', 'error', 'warning', 'notice', 'info', 'debug'] as const;

const FACILITY_CODES = new Map<string, number>(FACILITIES.map((f, i) => [f, i]));
const LEVEL_CODES = new Map<string, number>([
  ...DCR_LEVELS.map((l, i) => [l, i] as [string, number]),
  ...SEVERITIES.map((l, i) => [l, i] as [string, number]),
]);

/** Facility code for a name (case-insensitive), undefined for `*`, `mark`, `nopri` and unknown names. */
export function facilityCode(name: string): number | undefined {
  return FACILITY_CODES.get(name.toLowerCase());
}

/** Severity number for a DCR level name or a short name (case-insensitive), else undefined. */
export function severityCode(name: string): number | undefined {
  return LEVEL_CODES.get(name.toLowerCase());
}
