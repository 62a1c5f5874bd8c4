// `open-ama dcr explain|validate|fix` through the real command entry (bundled with esbuild, run as a
// process): exit codes, stdout/stderr split, --json, invalid JSON with line and column, not-a-DCR, typos as
// validate errors, and fix → validate on a corpus file once Azure's immutableId and endpoint are present.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from '@jest/globals';
import { execa } from 'execa';
import { bundleCli } from '../../support/cli-bundle.js';

let dir: string;
let cli: string;
const corpus = (f: string): string => path.resolve('test/fixtures/dcrs', f);
const run = (...args: string[]) => execa(process.execPath, [cli, 'dcr', ...args], { reject: false });

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'open-ama-dcr-cli-'));
  cli = await bundleCli(dir, 'test/fixtures/dcr-cli-entry.ts');
}, 120_000);

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('open-ama dcr (real entry)', () => {
  test('explain: the VM insights template explains with ServiceMap ignored and the blockers listed, exit 0', async () => {
    const r = await run('explain', corpus('eslz-dataCollectionRule-VmInsights.json'));
    expect(r.exitCode).toBe(0);
    expect(r.stdout).toMatch(
      /Microsoft-ServiceMap → VMInsightsPerf-Logs-Dest: ignored: produced only by extensions source/,
    );
    expect(r.stdout).toMatch(/DCR \[parameters\('userGivenDcrName'\)\]/);
    expect(r.stdout).toMatch(/no immutableId[\s\S]*Custom-OpenAma-InsightsMetrics[\s\S]*ingestion endpoint/);
    const j = await run('explain', '--json', corpus('quickstart-datacollectionrule-create-syslog.json'));
    expect(j.exitCode).toBe(0);
    const body = JSON.parse(j.stdout) as {
      dcrs: { form: string; defects: unknown[]; sources: { detail: string }[] }[];
    };
    expect(body.dcrs).toHaveLength(1);
    expect(body.dcrs[0]!.form).toBe('template resource');
    expect(body.dcrs[0]!.defects).toEqual([]);
    expect(body.dcrs[0]!.sources[0]!.detail).toMatch(/UUCP/);
  });

  test('explain rejects a defective DCR naming the element; invalid JSON with line and column; not a DCR', async () => {
    const bad = await run('explain', corpus('rest-2024-03-11-DataCollectionRulesCreateEmbeddedDCE.json'));
    expect(bad.exitCode).toBe(1);
    expect(bad.stderr).toMatch(/dataFlows\/0\/destinations: sends to destination "myworkspace"/);
    await writeFile(path.join(dir, 'broken.json'), '{\n  "properties": {\n    "dataFlows": [ }\n}\n');
    const broken = await run('explain', path.join(dir, 'broken.json'));
    expect(broken.exitCode).toBe(1);
    expect(broken.stderr).toMatch(/not valid JSON at line 3 column 20/);
    await writeFile(
      path.join(dir, 'other.json'),
      JSON.stringify({ resources: [{ type: 'Microsoft.Compute/virtualMachines' }] }),
    );
    const other = await run('explain', path.join(dir, 'other.json'));
    expect(other.exitCode).toBe(1);
    expect(other.stderr).toMatch(/not a DCR/);
  });

  test('fix then validate: accepted once Azure assigned the immutableId and endpoint; typos fail validate', async () => {
    const fixed = await run('fix', corpus('quickstart-datacollectionrule-create-syslog.json'));
    expect(fixed.exitCode).toBe(0);
    expect(fixed.stderr).toMatch(
      /declared Custom-OpenAma-Syslog[\s\S]*added the flow Custom-OpenAmaHeartbeat → la-data-destination/,
    );
    const template = JSON.parse(fixed.stdout) as { resources: { properties: Record<string, unknown> }[] };
    const before = await run('validate', corpus('quickstart-datacollectionrule-create-syslog.json'));
    expect(before.exitCode).toBe(1);
    expect(before.stderr).toMatch(/no immutableId[\s\S]*Custom-OpenAma-Syslog/);
    const props = template.resources[0]!.properties;
    props.immutableId = 'dcr-0123456789abcdef0123456789abcdef';
    props.endpoints = { logsIngestion: 'https://x.eastus-1.ingest.monitor.azure.com' };
    const file = path.join(dir, 'created.json');
    await writeFile(file, JSON.stringify(template));
    const ok = await run('validate', file);
    expect(ok.stderr).toBe('');
    expect(ok.exitCode).toBe(0);
    expect(ok.stdout).toMatch(/^valid: /);
    const again = await run('fix', file);
    expect(again.stderr).toMatch(/nothing to change/);
    expect(JSON.parse(again.stdout)).toEqual(JSON.parse(await readFile(file, 'utf8')));

    const sys = (props.dataSources as { syslog: Record<string, unknown>[] }).syslog[0]!;
    sys.facilityName = sys.facilityNames;
    delete sys.facilityNames;
    await writeFile(file, JSON.stringify(template));
    const typo = await run('validate', '--json', file);
    expect(typo.exitCode).toBe(1);
    expect(typo.stderr).toMatch(
      /error: .*\/resources\/0: \/properties\/dataSources\/syslog\/0\/facilityName: .*did you mean "facilityNames"/,
    );
    expect((JSON.parse(typo.stdout) as { valid: boolean }).valid).toBe(false);
  });
});
