// Benchmark report: the rows every profile adds (value, unit, optional target, rsyslog and syslog-ng references),
// printed as ONE table, written as bench/results/latest.json and drawn as bench/results/latest.svg
// (hand-written SVG: per row with a target or a reference, horizontal bars of our figure vs the target
// and vs the peers, normalised to the largest).
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

export interface Target {
  /** 'min': value must be ≥ target; 'max': value must be ≤ target. */
  kind: 'min' | 'max';
  value: number;
}

export interface Row {
  profile: string;
  figure: string;
  value: number;
  unit: string;
  target?: Target;
  /** rsyslog's figure for the same measurement (same unit), when there is one. */
  rsyslog?: number;
  /** syslog-ng's (the durable peer: disk buffer → HTTPS JSON batches) for the same measurement. */
  syslogng?: number;
  note?: string;
}

export interface BenchEnv {
  cpus: number;
  cpu: string;
  node: string;
  /** What ran the agent: the packaged ZIP's runtime or the development Node. */
  runtime?: string;
  date: string;
  mode: 'default' | 'long';
  durationSeconds?: number;
  notes: string[];
}

export function met(r: Row): boolean | undefined {
  if (!r.target || !Number.isFinite(r.value)) return undefined;
  return r.target.kind === 'min' ? r.value >= r.target.value : r.value <= r.target.value;
}

function fmt(v: number): string {
  if (!Number.isFinite(v)) return 'n/a';
  if (Math.abs(v) >= 1000) return Math.round(v).toLocaleString('en-US');
  if (Math.abs(v) >= 100) return v.toFixed(0);
  if (Math.abs(v) >= 10) return v.toFixed(1);
  return v.toFixed(Math.abs(v) >= 1 ? 2 : 3);
}

/** Ratio of ours to a peer's as a readable "×" figure. */
function ratio(ours: number, peer: number | undefined): string {
  if (peer === undefined || !Number.isFinite(peer) || peer === 0) return '';
  return `${(ours / peer).toFixed(2)}×`;
}

export function renderTable(rows: Row[], env: BenchEnv): string {
  const head = [
    'profile',
    'figure',
    'value',
    'unit',
    'target',
    'met',
    'rsyslog',
    'ours/rsyslog',
    'syslog-ng',
    'ours/syslog-ng',
  ];
  const cells = rows.map((r) => {
    const m = met(r);
    return [
      r.profile,
      r.figure,
      fmt(r.value),
      r.unit,
      r.target ? `${r.target.kind === 'min' ? '≥' : '≤'} ${fmt(r.target.value)}` : '',
      m === undefined ? '' : m ? 'met' : 'NOT MET',
      r.rsyslog !== undefined ? fmt(r.rsyslog) : '',
      ratio(r.value, r.rsyslog),
      r.syslogng !== undefined ? fmt(r.syslogng) : '',
      ratio(r.value, r.syslogng),
    ];
  });
  const w = head.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]): string =>
    c
      .map((x, i) => (i === 2 || i >= 6 ? x.padStart(w[i]!) : x.padEnd(w[i]!)))
      .join('  ')
      .trimEnd();
  const out = [
    `open-ama benchmarks (${env.mode}) — ${env.cpus} × ${env.cpu}, Node ${env.node}, ${env.date}${env.durationSeconds ? `, ${env.durationSeconds.toFixed(0)} s` : ''}`,
    line(head),
    line(w.map((n) => '-'.repeat(n))),
    ...cells.map(line),
  ];
  const notes = rows.filter((r) => r.note).map((r) => `  · ${r.profile} / ${r.figure}: ${r.note}`);
  if (notes.length + env.notes.length > 0) out.push('', 'notes:', ...env.notes.map((n) => `  · ${n}`), ...notes);
  return out.join('\n');
}

const esc = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSvg(rows: Row[], env: BenchEnv): string {
  const shown = rows.filter(
    (r) => (r.target || r.rsyslog !== undefined || r.syslogng !== undefined) && Number.isFinite(r.value),
  );
  const labelW = 430;
  const barW = 420;
  const rowH = 58;
  const width = labelW + barW + 170;
  const height = 70 + shown.length * rowH + 30;
  const parts: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${esc(`open-ama benchmarks (${env.mode}) — ${env.date}`)}</text>`,
    `<text x="10" y="42" fill="#555">${esc(`${env.cpus} × ${env.cpu}, Node ${env.node}. Bars per row scaled to the largest figure. Blue: open-ama (green edge = target met, red = not met); grey: target; orange: rsyslog; purple: syslog-ng.`)}</text>`,
  ];
  shown.forEach((r, i) => {
    const y = 62 + i * rowH;
    const values = [r.value, r.target?.value ?? 0, r.rsyslog ?? 0, r.syslogng ?? 0];
    const max = Math.max(...values.map((v) => Math.abs(v)), 1e-9);
    const bar = (v: number): number => Math.max(1, (Math.abs(v) / max) * barW);
    const m = met(r);
    parts.push(
      `<text x="10" y="${y + 14}">${esc(r.profile)}</text>`,
      `<text x="10" y="${y + 30}" fill="#555">${esc(`${r.figure} (${r.unit})`)}</text>`,
    );
    let by = y;
    const drawn: [string, number, string, string][] = [
      ['ours', r.value, '#3b6fd8', m === undefined ? 'none' : m ? '#1a9c3c' : '#d0302b'],
    ];
    if (r.target) drawn.push([`target ${r.target.kind === 'min' ? '≥' : '≤'}`, r.target.value, '#b9b9b9', 'none']);
    if (r.rsyslog !== undefined) drawn.push(['rsyslog', r.rsyslog, '#f0a030', 'none']);
    if (r.syslogng !== undefined) drawn.push(['syslog-ng', r.syslogng, '#8a4fbf', 'none']);
    const h = Math.floor((rowH - 10) / drawn.length);
    for (const [name, v, fill, stroke] of drawn) {
      parts.push(
        `<rect x="${labelW}" y="${by}" width="${bar(v).toFixed(1)}" height="${h - 3}" fill="${fill}" stroke="${stroke}" stroke-width="2"/>`,
        `<text x="${labelW + bar(v) + 6}" y="${by + h - 6}" font-size="11">${esc(`${name} ${fmt(v)}`)}</text>`,
      );
      by += h;
    }
  });
  parts.push('</svg>');
  return parts.join('\n') + '\n';
}

export function writeReport(repo: string, rows: Row[], env: BenchEnv): { json: string; svg: string } {
  const dir = path.join(repo, 'bench/results');
  mkdirSync(dir, { recursive: true });
  const json = path.join(dir, 'latest.json');
  const svg = path.join(dir, 'latest.svg');
  writeFileSync(
    json,
    JSON.stringify(
      {
        env,
        rows: rows.map((r) => ({
          ...r,
          met: met(r),
          ratioToRsyslog: r.rsyslog ? +(r.value / r.rsyslog).toFixed(3) : undefined,
          ratioToSyslogNg: r.syslogng ? +(r.value / r.syslogng).toFixed(3) : undefined,
        })),
      },
      null,
      2,
    ) + '\n',
  );
  writeFileSync(svg, renderSvg(rows, env));
  return { json, svg };
}
