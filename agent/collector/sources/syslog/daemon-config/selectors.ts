// The union of the DCRs' facility × level SETS (docs/azure-interfaces.md §2), rendered for the syslog daemon so it
// forwards exactly what some DCR selects. rsyslog: a legacy selector ("auth,authpriv.*;daemon.warning",
// "local4.=info;local4.=err" for sets that are not a threshold) — facilities 13–15 have no rsyslog name
// and are added as a RainerScript condition around prifilt(). syslog-ng: a filter expression.
import { facilityMaskOf, levelMaskOf } from '../filter.js';
import { FACILITIES, SEVERITIES } from '../names.js';

export interface SyslogSelector {
  facilities: string[];
  levels: string[];
}

/** Facilities rsyslog and syslog-ng cannot name (audit, alert, clock): matched by number. */
const UNNAMED = new Set([13, 14, 15]);
const ALL_LEVELS = 0xff;

/** Level mask per facility code 0–23, plus rsyslog's `mark`. */
export interface SelectionUnion {
  byFacility: number[];
  mark: number;
}

export function unionOf(selectors: SyslogSelector[]): SelectionUnion {
  const byFacility = new Array<number>(24).fill(0);
  let mark = 0;
  for (const s of selectors) {
    const fac = facilityMaskOf(s.facilities);
    const levels = levelMaskOf(s.levels);
    for (let f = 0; f < 24; f++) if (fac.mask & (1 << f)) byFacility[f]! |= levels;
    if (fac.mark) mark |= levels;
  }
  return { byFacility, mark };
}

export function isEmptyUnion(u: SelectionUnion): boolean {
  return u.mark === 0 && u.byFacility.every((m) => m === 0);
}

/** Facility codes grouped by identical non-empty level masks, in facility order. */
function groups(u: SelectionUnion, include: (code: number) => boolean): Map<number, number[]> {
  const out = new Map<number, number[]>();
  u.byFacility.forEach((mask, code) => {
    if (mask !== 0 && include(code)) out.set(mask, [...(out.get(mask) ?? []), code]);
  });
  return out;
}

/** rsyslog priority parts for a level mask: "*", a threshold "warning", or "=info" per level. */
function rsyslogLevels(mask: number): string[] {
  if (mask === ALL_LEVELS) return ['*'];
  const top = 31 - Math.clz32(mask);
  if (mask === (1 << (top + 1)) - 1) return [SEVERITIES[top]!];
  return SEVERITIES.filter((_l, i) => mask & (1 << i)).map((l) => `=${l}`);
}

/** The legacy selector for the nameable facilities, '' when none is selected. */
export function rsyslogSelector(u: SelectionUnion): string {
  const parts: string[] = [];
  const g = groups(u, (c) => !UNNAMED.has(c));
  const named = u.byFacility.filter((_m, c) => !UNNAMED.has(c));
  const allSame = named.every((m) => m === named[0]) && named[0] !== 0 && u.byFacility.every((m) => m === named[0]);
  if (allSame) {
    parts.push(...rsyslogLevels(named[0]!).map((l) => `*.${l}`));
  } else {
    for (const [mask, codes] of g) {
      const facs = codes.map((c) => FACILITIES[c]).join(',');
      parts.push(...rsyslogLevels(mask).map((l) => `${facs}.${l}`));
    }
  }
  if (u.mark) parts.push(...rsyslogLevels(u.mark).map((l) => `mark.${l}`));
  return parts.join(';');
}

/** RainerScript condition for the facilities rsyslog cannot name, '' when none is selected. */
export function rsyslogUnnamedCondition(u: SelectionUnion): string {
  const allSame = u.byFacility.every((m) => m === u.byFacility[0]) && u.byFacility[0] !== 0;
  if (allSame) return ''; // "*.<levels>" already covers them
  const conds: string[] = [];
  for (const [mask, codes] of groups(u, (c) => UNNAMED.has(c))) {
    const fac = codes.map((c) => `$syslogfacility == ${c}`).join(' or ');
    conds.push(mask === ALL_LEVELS ? `(${fac})` : `((${fac}) and (${severityCondition(mask, '$syslogseverity')}))`);
  }
  return conds.join(' or ');
}

function severityCondition(mask: number, v: string): string {
  const top = 31 - Math.clz32(mask);
  if (mask === (1 << (top + 1)) - 1) return `${v} <= ${top}`;
  return SEVERITIES.map((_l, i) => i)
    .filter((i) => mask & (1 << i))
    .map((i) => `${v} == ${i}`)
    .join(' or ');
}

/** syslog-ng filter expression for the union ('' never: callers check isEmptyUnion first). */
export function syslogNgFilterExpression(u: SelectionUnion): string {
  const conds: string[] = [];
  for (const [mask, codes] of groups(u, () => true)) {
    const named = codes.filter((c) => !UNNAMED.has(c)).map((c) => FACILITIES[c]);
    const facParts = [
      ...(named.length ? [`facility(${named.join(', ')})`] : []),
      ...codes.filter((c) => UNNAMED.has(c)).map((c) => `"\${FACILITY_NUM}" == "${c}"`),
    ];
    const fac = facParts.length === 1 ? facParts[0]! : `(${facParts.join(' or ')})`;
    conds.push(mask === ALL_LEVELS ? fac : `(${fac} and level(${syslogNgLevels(mask)}))`);
  }
  return conds.join(' or ');
}

function syslogNgLevels(mask: number): string {
  const top = 31 - Math.clz32(mask);
  if (mask === (1 << (top + 1)) - 1) return top === 0 ? 'emerg' : `emerg..${SEVERITIES[top]}`;
  return SEVERITIES.filter((_l, i) => mask & (1 << i)).join(', ');
}
