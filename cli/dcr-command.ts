// `open-ama dcr explain|validate|fix FILE [--json]` — offline DCR tools on any form a user has (ARM resource,
// request body, az CLI output, array, ARM template, REST example; see dcr/explain-input.ts).
// explain: what open-ama does with every part (exit 0 for a DCR, 1 when the file is no DCR or a DCR is
// defective); validate: would open-ama run it as it is — every blocker, defect and typo on stderr, exit 1 if
// any; fix: prints the file with companion streams/flows and heartbeat flows added, summary on stderr;
// `fix --apply` does that to a DCR in Azure with the same fixDcr (deploy/dcr-fix-apply.ts).
import { readFile } from 'node:fs/promises';
import type { Argv, CommandModule } from 'yargs';
import {
  analyzeDcr,
  findingText,
  type DcrAnalysis,
  findDcrs,
  parseJsonText,
  type FoundDcr,
  fixDcrInPlace,
} from '../agent/collector/dcr/index.js';
import { commandFailure } from '../deploy/azure-errors.js';
import { runFixApplyArgv, withFixApplyOptions, type FixApplyArgv } from '../deploy/dcr-fix-cli.js';
import { renderAnalysis } from './dcr-render.js';

export interface DcrArgv {
  action: 'validate' | 'explain' | 'fix';
  file: string;
  json?: boolean;
}

interface Io {
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

function refOf(file: string, d: FoundDcr): string {
  return d.pointer ? `${file}#${d.pointer}` : file;
}

function withoutRunnable(a: DcrAnalysis): Omit<DcrAnalysis, 'runnable'> {
  const { runnable: _runnable, ...rest } = a;
  return rest;
}

function explain(a: DcrArgv, dcrs: FoundDcr[], io: Io): number {
  const analyses = dcrs.map((d) => ({ found: d, analysis: analyzeDcr(d.json, refOf(a.file, d)) }));
  if (a.json) {
    const body = analyses.map(({ found, analysis }) => ({
      pointer: found.pointer,
      form: found.form,
      ...withoutRunnable(analysis),
    }));
    io.out.write(JSON.stringify({ file: a.file, dcrs: body }, null, 2) + '\n');
  } else {
    io.out.write(analyses.map(({ found, analysis }) => renderAnalysis(analysis, found)).join('\n'));
  }
  const defective = analyses.filter(({ analysis }) => analysis.defects.length > 0);
  for (const { analysis } of defective)
    io.err.write(`${analysis.ref}: defective DCR: ${analysis.defects.map(findingText).join('; ')}\n`);
  return defective.length > 0 ? 1 : 0;
}

function validate(a: DcrArgv, dcrs: FoundDcr[], io: Io): number {
  let failed = 0;
  const results = dcrs.map((d) => {
    const an = analyzeDcr(d.json, refOf(a.file, d));
    const errors = [...an.defects, ...an.blockers, ...an.typos];
    if (errors.length > 0) failed++;
    return { an, errors };
  });
  if (a.json) {
    io.out.write(
      JSON.stringify(
        {
          file: a.file,
          valid: failed === 0,
          dcrs: results.map(({ an, errors }) => ({
            ref: an.ref,
            immutableId: an.immutableId,
            valid: errors.length === 0,
            errors,
            warnings: an.warnings,
          })),
        },
        null,
        2,
      ) + '\n',
    );
  }
  for (const { an, errors } of results) {
    for (const e of errors) io.err.write(`error: ${an.ref}: ${findingText(e)}\n`);
    for (const w of an.warnings) io.err.write(`warning: ${an.ref}: ${findingText(w)}\n`);
    if (!a.json)
      io.out.write(
        errors.length === 0
          ? `valid: ${an.ref} (${an.immutableId ?? ''})${an.warnings.length ? `, ${an.warnings.length} part(s) ignored on Linux` : ''}\n`
          : `invalid: ${an.ref}: ${errors.length} error(s)\n`,
      );
  }
  return failed > 0 ? 1 : 0;
}

function fix(a: DcrArgv, value: unknown, dcrs: FoundDcr[], io: Io): number {
  const summary: string[] = [];
  const tables: Record<string, unknown> = {};
  for (const d of dcrs) {
    const r = fixDcrInPlace(d.json);
    for (const c of r.changes) summary.push(`${refOf(a.file, d)}: ${c}`);
    for (const n of r.notes) io.err.write(`note: ${refOf(a.file, d)}: ${n}\n`);
    Object.assign(tables, r.customTables);
  }
  if (a.json) {
    io.out.write(
      JSON.stringify({ file: a.file, changes: summary, customTables: tables, fixed: value }, null, 2) + '\n',
    );
    return 0;
  }
  io.out.write(JSON.stringify(value, null, 2) + '\n');
  if (summary.length === 0) io.err.write('nothing to change: the DCR already has what open-ama needs\n');
  else {
    io.err.write(`changed:\n${summary.map((s) => `  ${s}`).join('\n')}\n`);
    const names = Object.keys(tables);
    if (names.length)
      io.err.write(
        `the workspace needs the custom table(s) ${names.join(', ')} ("open-ama dcr fix --apply" creates them)\n`,
      );
  }
  return 0;
}

export async function runDcr(a: DcrArgv, io: Io = { out: process.stdout, err: process.stderr }): Promise<number> {
  const parsed = parseJsonText(await readFile(a.file, 'utf8'));
  const found = parsed.ok ? findDcrs(parsed.value) : undefined;
  const reason = !parsed.ok ? parsed.reason : found && !found.ok ? found.reason : undefined;
  if (reason !== undefined || !parsed.ok || !found?.ok) {
    if (a.json) io.out.write(JSON.stringify({ file: a.file, error: reason }, null, 2) + '\n');
    io.err.write(`${a.file}: ${reason ?? 'not a DCR'}\n`);
    return 1;
  }
  if (a.action === 'explain') return explain(a, found.dcrs, io);
  if (a.action === 'validate') return validate(a, found.dcrs, io);
  return fix(a, parsed.value, found.dcrs, io);
}

export const dcrCommand: CommandModule = {
  command: 'dcr <action> [file]',
  describe: 'Explain, validate or fix a data collection rule offline (fix --apply: a DCR in Azure)',
  builder: (y: Argv) =>
    withFixApplyOptions(
      y
        .positional('action', { choices: ['explain', 'validate', 'fix'] as const })
        .positional('file', { type: 'string' })
        .option('json', { type: 'boolean', default: false, describe: 'machine-readable output' })
        .example('$0 dcr explain my-dcr.json', 'what open-ama does with every source, flow and destination')
        .example('$0 dcr validate --json my-dcr.json', 'every blocker, defect and typo as JSON (exit 1 if any)')
        .example('$0 dcr fix my-dcr.json > fixed.json', 'add the companion streams and flows open-ama needs')
        .example(
          '$0 dcr fix --apply --subscription S --resource-group G --name my-dcr --dry-run',
          'the same on a DCR in Azure',
        )
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
      // An unreadable file exits 2; Azure refusing fix --apply (sign-in, permission) exits 1 with what to do.
      const f = commandFailure(err, 'read dcr');
      process.stderr.write(`open-ama dcr: ${f.message}\n`);
      process.exitCode = f.exitCode;
    }
  },
};
