// Measurement-only collector bundles for the CPU upper bounds of docs/performance.md ("How far parsing,
// encoding and gzip can take the CPU"). Each is this checkout's collector, built as the product is
// (packaging/esbuild-options.mjs, minified), with a stage of the hot path made almost free:
//   A  the frame encoder writes a Syslog record's columns other than SyslogMessage as one fixed byte template
//      (the message itself is still written: the Logs Ingestion fake counts records by its "seq=");
//   B  A, and parseMessage returns a fixed record around the line decoded as latin1 (no header parse);
//   C  B, and request bodies gzipped at level 0 (stored blocks).
// Never shipped, never a product path: the edits are made to the sources as esbuild loads them. Each edit
// must match exactly once, so a change to the code it replaces stops this script instead of measuring
// something else. Usage (after `npm run build`, which generates the settings validators):
//   node bench/upper-bounds.mjs [out dir, default dist/upper-bounds]
//   npm run bench -- --only=max --baseline=dist/upper-bounds/B.mjs --rounds=8
//     (the row's ratio is this build ÷ B: 0.80 means B does 1.25× the records per CPU-second)
//   OPEN_AMA_BENCH_COLLECTOR=dist/upper-bounds/C.mjs npm run bench -- --only=sustained
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bundleOptions } from '../packaging/esbuild-options.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const outdir = resolve(process.argv[2] ?? join(repo, 'dist/upper-bounds'));

const TEMPLATE =
  '{"TimeGenerated":"2026-12-03T16:38:11.506Z","Computer":"vm","EventTime":"2026-12-05T18:13:05.000Z",' +
  '"Facility":"auth","HostName":"db-primary","HostIP":"","SeverityLevel":"err","ProcessID":26807,' +
  '"ProcessName":"app","CollectorHostName":"vm","SyslogMessage":';

const encoderFree = {
  file: 'agent/collector/destinations/record-frames.ts',
  find: '  private writeRecord(record: LogRecord, off: number): number {\n',
  insert: `    if (typeof record.SyslogMessage === 'string') {
      off = this.writeBytes((globalThis.__upperBoundTemplate ??= Buffer.from(${JSON.stringify(TEMPLATE)})), off);
      off = this.writeString(record.SyslogMessage, off);
      this.ensure(off, 1);
      this.buf[off++] = 0x7d;
      return off;
    }
`,
};
const parserFree = {
  file: 'agent/collector/sources/syslog/parse-message.ts',
  find: 'export function parseMessage(input: Buffer | string, ctx: ParseContext, start = 0, end = input.length): ParsedMessage {\n',
  insert: `  if (typeof input !== 'string') {
    const text = input.toString('latin1', start, end);
    return { facility: 'auth', facilityCode: 4, severity: 3, hasPri: true, problems: [], record: {
      TimeGenerated: '', Computer: ctx.computer, EventTime: '', Facility: 'auth', HostName: 'h', HostIP: '',
      SeverityLevel: 'err', SyslogMessage: text, ProcessID: 1, ProcessName: 'a', CollectorHostName: ctx.computer } };
  }
`,
};
const gzipFree = {
  file: 'agent/collector/destinations/batcher.ts',
  find: 'const GZIP_LEVEL = 1;\n',
  replace: 'const GZIP_LEVEL = 0;\n',
};

const BUNDLES = { A: [encoderFree], B: [encoderFree, parserFree], C: [encoderFree, parserFree, gzipFree] };

/** An esbuild plugin that applies `edits` to the files they name as they are loaded. */
function editSources(edits) {
  return {
    name: 'upper-bound-edits',
    setup(b) {
      b.onLoad({ filter: /\.ts$/ }, (args) => {
        const mine = edits.filter((e) => args.path === join(repo, e.file));
        if (mine.length === 0) return undefined;
        let text = readFileSync(args.path, 'utf8');
        for (const e of mine) {
          const at = text.indexOf(e.find);
          if (at < 0 || text.indexOf(e.find, at + 1) >= 0)
            throw new Error(`${e.file}: the text to edit is not there exactly once: ${JSON.stringify(e.find)}`);
          text = text.replace(e.find, e.replace ?? e.find + e.insert);
        }
        return { contents: text, loader: 'ts' };
      });
    },
  };
}

const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
for (const [name, edits] of Object.entries(BUNDLES)) {
  await build({
    ...bundleOptions({ repo, version, minify: true }),
    entryPoints: [join(repo, 'agent/collector/main.ts')],
    outfile: join(outdir, `${name}.mjs`),
    plugins: [editSources(edits)],
  });
  console.log(`${join(outdir, `${name}.mjs`)}: ${edits.map((e) => e.file).join(', ')}`);
}
