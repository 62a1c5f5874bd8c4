// `open-ama dcr validate|explain|fix FILE` — offline DCR tools: validate like the agent, explain what
// the agent would run (sources, filters, streams, destinations, transforms run here or left to the
// service), and add the companion stream declarations the Logs Ingestion API needs; `fix --apply` does
// that to a DCR in Azure (deploy/dcr-fix-apply.ts).
import { readFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import { runFixApplyArgv, withFixApplyOptions, type FixApplyArgv } from '../deploy/dcr-fix-cli.js';
import { validateDcr } from '../agent/collector/dcr/validate.js';
import { addCompanionDeclarations } from '../agent/collector/dcr/fix.js';
import { buildPipelineGraph } from '../agent/collector/pipeline/plan-to-graph.js';
import { describeGraph } from '../agent/collector/pipeline/graph.js';
import { compileTransform } from '../agent/collector/transform/index.js';
import { AGENT_CONFIG_SCHEMA_VERSION, DEFAULT_RESOURCE_LIMITS, type AgentConfig } from '../agent/config/index.js';

interface DcrArgv {
  action: 'validate' | 'explain' | 'fix';
  file: string;
}

function dummyConfig(): AgentConfig {
  return {
    schemaVersion: AGENT_CONFIG_SCHEMA_VERSION,
    configVersion: 0,
    writtenAt: '',
    proxy: { mode: 'none', bypass: [] },
    dcrSource: 'inline',
    dataCollectionRules: [],
    diskQuotaMB: 10000,
    logLevel: 'info',
    resourceLimits: DEFAULT_RESOURCE_LIMITS,
    status: { handlerName: '', extensionVersion: '', statusFolder: '', seq: 0, logFolder: '' },
  };
}

export async function runDcr(a: DcrArgv, out: NodeJS.WritableStream = process.stdout): Promise<number> {
  const json = JSON.parse(await readFile(a.file, 'utf8')) as unknown;
  if (a.action === 'fix') {
    const { dcr, added } = addCompanionDeclarations(json);
    out.write(JSON.stringify(dcr, null, 2) + '\n');
    process.stderr.write(added.length ? `added ${added.join(', ')}\n` : 'nothing to add\n');
    return 0;
  }
  const v = validateDcr(json, a.file);
  if (!v.ok) {
    out.write(`invalid: ${v.reason}\n`);
    return 1;
  }
  if (a.action === 'validate') {
    out.write(
      `valid: ${v.dcr.immutableId}${v.warnings.length ? `\n${v.warnings.map((w) => `warning: ${w}`).join('\n')}` : ''}\n`,
    );
    return 0;
  }
  const built = buildPipelineGraph([{ json, origin: 'file', ref: a.file }], {
    computer: 'this-machine',
    config: dummyConfig(),
    env: {},
    outDir: '/var/opt/open-ama/out',
  });
  out.write(describeGraph(built.graph) + '\n');
  for (const r of built.graph.routes) {
    if (!r.transformKql || r.transformKql.trim() === 'source') continue;
    const t = compileTransform(r.transformKql, r.transformMode ?? 'full');
    const part =
      r.transformMode === 'prefilter'
        ? 'leading where filters only; the service runs the rest'
        : t.kind === 'agent' && t.rest
          ? `up to the first operator outside the subset; left to the service: ${t.rest.servicePart} (${t.rest.reason})`
          : 'whole transform';
    out.write(
      `transform on ${r.laneId}: ${t.kind === 'agent' ? `runs on the agent (${part}) — filtered records never leave the machine` : t.kind === 'service' ? `left to the service: ${t.reason}` : 'nothing to run on the agent'}\n`,
    );
  }
  for (const w of [...v.warnings, ...built.warnings]) out.write(`warning: ${w}\n`);
  return 0;
}

export const dcrCommand: CommandModule = {
  command: 'dcr <action> [file]',
  describe: 'Validate, explain or fix a data collection rule offline (fix --apply: a DCR in Azure)',
  builder: (y: Argv) =>
    withFixApplyOptions(
      y
        .positional('action', { choices: ['validate', 'explain', 'fix'] as const })
        .positional('file', { type: 'string' })
        .check((a) => {
          if (!a.apply && a.file === undefined) throw new Error('give the DCR file');
          return true;
        }),
    ),
  handler: async (a) => {
    try {
      process.exitCode = (a as FixApplyArgv).apply
        ? await runFixApplyArgv(a as FixApplyArgv)
        : await runDcr(a as unknown as DcrArgv);
    } catch (err) {
      process.stderr.write(`open-ama dcr: ${(err as Error).message}\n`);
      process.exitCode = 2;
    }
  },
};
