// dcr: the DCRs the collector would run, gathered as it gathers them (inline settings, dcr.d files, and
// ARM or the control plane when the settings ask for a remote source) and validated by the collector's
// own plan builder. The resulting pipeline graph (destinations, syslog source) feeds the later checks.
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createNullLogger } from '../../telemetry/index.js';
import { createRemoteDcrSource } from '../../collector/remote-dcr-source.js';
import { agentSettingsOf } from '../../collector/dcr/index.js';
import { buildPipelineGraph, type DcrInput, type PipelineGraph } from '../../collector/pipeline/index.js';
import type { DoctorContext } from '../context.js';
import type { CheckResult } from '../report.js';

export interface DcrOutcome {
  check: CheckResult;
  graph?: PipelineGraph;
  /** The queue quota in bytes and what set it (an AgentSettings DCR or diskQuotaMB). */
  quota?: { bytes: number; source: string };
}

/** Same rule as the collector: arm / control-plane, or auto with no inline DCR and not offline. */
export function wantsRemote(ctx: DoctorContext): boolean {
  const c = ctx.config;
  if (!c) return false;
  return (
    c.dcrSource === 'arm' ||
    c.dcrSource === 'control-plane' ||
    (c.dcrSource === 'auto' && c.dataCollectionRules.length === 0 && !ctx.env.OPEN_AMA_OFFLINE)
  );
}

async function readLocalDcrs(dir: string): Promise<DcrInput[]> {
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const out: DcrInput[] = [];
  for (const name of names) {
    const file = path.join(dir, name);
    try {
      out.push({ json: JSON.parse(await fs.readFile(file, 'utf8')), origin: 'file', ref: file });
    } catch (err) {
      out.push({ json: undefined, origin: 'file', ref: file, error: `cannot read ${file}: ${(err as Error).message}` });
    }
  }
  return out;
}

export async function checkDcrs(ctx: DoctorContext, identityOk: boolean): Promise<DcrOutcome> {
  const config = ctx.config;
  const result = (verdict: CheckResult['verdict'], cause: string, fix: string, details?: string[]): CheckResult => ({
    id: 'dcr',
    title: 'DCR retrieval',
    verdict,
    cause,
    fix,
    ...(details && details.length ? { details } : {}),
  });
  if (!config) return { check: result('fail', 'no configuration, so no DCR', 'enable the extension first') };
  const inputs: DcrInput[] = [
    ...config.dataCollectionRules.map((json, i) => ({
      json,
      origin: 'inline' as const,
      ref: `settings.dataCollectionRules[${i}]`,
    })),
    ...(await readLocalDcrs(ctx.paths.dcrDir)),
  ];
  let remoteProblem: string | undefined;
  let remoteName: string | undefined;
  if (wantsRemote(ctx)) {
    const remote = createRemoteDcrSource(config, ctx.env, createNullLogger());
    remoteName = remote.name;
    if (!identityOk) remoteProblem = `not read from ${remote.name}: no managed-identity token (see identity)`;
    else {
      try {
        for (const d of await withDeadline(remote.fetch(), 3 * ctx.timeoutMs, `reading DCRs through ${remote.name}`))
          inputs.push({ json: d.json, origin: d.origin, ref: d.ref, ...(d.error ? { error: d.error } : {}) });
      } catch (err) {
        remoteProblem = `could not read DCRs through ${remote.name}: ${(err as Error).message}`;
      }
    }
  }
  const settings = agentSettingsOf(inputs);
  const quota = settings.diskQuota
    ? { bytes: settings.diskQuota.mb * 1048576, source: `AgentSettings DCR ${settings.diskQuota.from}` }
    : { bytes: config.diskQuotaMB * 1048576, source: 'diskQuotaMB' };
  const built = buildPipelineGraph(inputs, { computer: os.hostname(), config, env: ctx.env, outDir: ctx.paths.outDir });
  const loaded = built.dcrs.filter((d) => d.state === 'loaded');
  const rejected = built.dcrs.filter((d) => d.state === 'rejected');
  const details = [
    ...loaded.map(
      (d) =>
        `${d.immutableId} from ${d.source}: loaded${d.warnings?.length ? ` (${d.warnings.length} warning(s))` : ''}`,
    ),
    ...rejected.map((d) => `${d.immutableId} from ${d.source}: rejected: ${d.reason ?? 'invalid'}`),
  ];
  const sources = remoteName ? `settings, dcr.d and ${remoteName}` : 'settings and dcr.d';
  if (remoteProblem)
    return {
      check: result('fail', remoteProblem, remoteFix(remoteProblem, remoteName), details),
      graph: built.graph,
      quota,
    };
  if (loaded.length === 0 && rejected.length === 0)
    return {
      check: result(
        'fail',
        `no DCR from ${sources}: nothing is collected`,
        wantsRemote(ctx)
          ? 'associate a DCR with this machine (az monitor data-collection rule association create)'
          : 'put DCRs in the settings (dataCollectionRules) or in /etc/opt/open-ama/dcr.d, or set dcrSource to arm',
      ),
      graph: built.graph,
      quota,
    };
  if (rejected.length > 0)
    return {
      check: result(
        loaded.length === 0 ? 'fail' : 'warn',
        `${rejected.length} of ${built.dcrs.length} DCR(s) rejected: ${rejected.map((d) => `${d.immutableId}: ${d.reason ?? 'invalid'}`).join('; ')}`,
        rejected.some((d) => d.source === 'arm' || d.source === 'control-plane')
          ? remoteFix(rejected.map((d) => d.reason ?? '').join('; '), remoteName)
          : 'fix the DCR (open-ama dcr validate <file> explains each problem) and re-deploy it',
        details,
      ),
      graph: built.graph,
      quota,
    };
  return {
    check: result('ok', `${loaded.length} DCR(s) loaded from ${sources}`, '', details),
    graph: built.graph,
    quota,
  };
}

/** What to do about a DCR that could not be read from Azure, from the status in the message. */
function remoteFix(problem: string, remoteName: string | undefined): string {
  if (/\b403\b/.test(problem))
    return remoteName === 'control-plane'
      ? "check the DCR association and the machine identity's access to it"
      : "grant the machine's identity Reader on its DCRs and their DCE (the ARM route reads them with it)";
  if (/\b404\b/.test(problem))
    return 'associate a DCR with this machine (az monitor data-collection rule association create), or fix the DCE it names';
  if (/\b401\b/.test(problem)) return 'see the identity check: the token was refused';
  return 'fix the DCR (open-ama dcr validate explains each problem), or see the identity and endpoint checks; the collector re-reads DCRs every 5 minutes';
}

function withDeadline<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([p, deadline]).finally(() => clearTimeout(timer));
}
