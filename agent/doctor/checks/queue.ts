// queue: the durable queue on disk per lane (destination × stream, one directory each under
// /var/opt/open-ama/queue) against the disk quota (an AgentSettings DCR's MaxDiskQuotaInMB, else
// diskQuotaMB), and the free space of the filesystem holding it. At the quota the collector drops the
// oldest unsent data (counted as "quota", docs/reliability.md), so nearing it is a warning.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import type { DoctorContext } from '../context.js';
import type { CheckResult } from '../report.js';

export const QUOTA_WARN_RATIO = 0.8;
export const QUOTA_FAIL_RATIO = 0.98;
/** Bounded walk: a lane directory holds a few segment files; more than this is not ours. */
const MAX_FILES_PER_LANE = 10_000;

async function dirBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await fs.readdir(dir, { withFileTypes: true }).catch(() => []);
  for (const e of entries.slice(0, MAX_FILES_PER_LANE)) {
    if (!e.isFile()) continue;
    total += await fs.lstat(path.join(dir, e.name)).then(
      (s) => s.size,
      () => 0,
    );
  }
  return total;
}

function mb(bytes: number): string {
  return bytes >= 1048576 ? `${(bytes / 1048576).toFixed(1)} MB` : `${Math.ceil(bytes / 1024)} KB`;
}

export async function checkQueue(
  ctx: DoctorContext,
  quota: { bytes: number; source: string } | undefined,
): Promise<CheckResult> {
  const base = { id: 'queue', title: 'disk queue' };
  const dir = ctx.paths.queueDir;
  const lanes = (await fs.readdir(dir, { withFileTypes: true }).catch(() => [])).filter((e) => e.isDirectory());
  const sizes = await Promise.all(
    lanes.map(async (l) => ({ lane: l.name, bytes: await dirBytes(path.join(dir, l.name)) })),
  );
  sizes.sort((a, b) => b.bytes - a.bytes);
  const used = sizes.reduce((s, x) => s + x.bytes, 0);
  const details = sizes.map((s) => `${s.lane}: ${mb(s.bytes)}`);
  const q = quota ?? (ctx.config ? { bytes: ctx.config.diskQuotaMB * 1048576, source: 'diskQuotaMB' } : undefined);
  const free = await fs.statfs(ctx.paths.stateDir).then(
    (s) => s.bavail * s.bsize,
    () => undefined,
  );
  const quotaText = q
    ? `${mb(used)} of the ${mb(q.bytes)} quota (${q.source}) in ${sizes.length} lane(s)`
    : `${mb(used)} in ${sizes.length} lane(s)`;
  if (q && used >= q.bytes * QUOTA_FAIL_RATIO)
    return {
      ...base,
      verdict: 'fail',
      cause: `${quotaText}: the quota is reached, the oldest unsent data is being dropped`,
      fix: 'fix the failing destination (see destinations) so the backlog drains; raise diskQuotaMB (or MaxDiskQuotaInMB) only if the disk allows',
      details,
    };
  if (q && used >= q.bytes * QUOTA_WARN_RATIO)
    return {
      ...base,
      verdict: 'warn',
      cause: `${quotaText}: over ${Math.round(QUOTA_WARN_RATIO * 100)}% of the quota, uploads are not keeping up`,
      fix: 'see destinations for the failing upload; at the quota the oldest data is dropped',
      details,
    };
  if (q && free !== undefined && free < q.bytes - used)
    return {
      ...base,
      verdict: 'warn',
      cause: `${quotaText}, but only ${mb(free)} free on the filesystem of ${ctx.paths.stateDir}: the disk fills before the quota`,
      fix: `free disk space or lower diskQuotaMB below ${Math.floor((free + used) / 1048576)} MB`,
      details,
    };
  return { ...base, verdict: 'ok', cause: quotaText, fix: '', ...(details.length ? { details } : {}) };
}
