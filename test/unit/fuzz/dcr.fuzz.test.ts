// DCR validation is total: arbitrary JSON and mutated real-shaped DCRs never throw, every rejection
// carries a reason; valid generated DCRs are accepted; one broken DCR among valid ones is rejected
// alone when the pipeline graph is built (the others load and get their routes).
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { validateDcr } from '../../../agent/collector/dcr/validate.js';
import { buildPipelineGraph, type BuildContext } from '../../../agent/collector/pipeline/plan-to-graph.js';
import { buildAgentConfig } from '../../../handler/settings/index.js';
import { applyAll, immutableIdArb, mutationsArb, validDcrArb, type Json } from './arbitraries.js';

const config = buildAgentConfig({
  publicSettings: {},
  protectedSettings: null,
  seq: 0,
  status: { handlerName: 'h', extensionVersion: '0.1.0', statusFolder: '/s', seq: 0, logFolder: '/l' },
});
const ctx: BuildContext = { computer: 'vm', config, env: { OPEN_AMA_SYSLOG_PORT: '0' }, outDir: '/tmp/out' };

function expectTotal(json: unknown): boolean {
  const v = validateDcr(json, 'ref.json');
  if (v.ok) {
    expect(typeof v.dcr.immutableId).toBe('string');
    expect(Array.isArray(v.warnings)).toBe(true);
  } else {
    expect(typeof v.immutableId).toBe('string');
    expect(v.immutableId.length).toBeGreaterThan(0);
    expect(typeof v.reason).toBe('string');
    expect(v.reason.trim().length).toBeGreaterThan(0);
  }
  return v.ok;
}

/** Changes a valid DCR so that it is certainly invalid, each way a rule or the schema refuses it. */
const breakDcr = (dcr: Json, how: number): Json => {
  const copy = JSON.parse(JSON.stringify(dcr)) as { properties?: Record<string, Json> } & Record<string, Json>;
  const p = (copy.properties ?? copy) as Record<string, Json>;
  switch (how) {
    case 0:
      p.immutableId = 'dcr-not-hex';
      break;
    case 1:
      p.dataFlows = [{ streams: ['Custom-Nothing_CL'], destinations: ['nowhere'] }];
      break;
    case 2:
      p.destinations = { openAmaFile: [{ name: 'x' }, { name: 'x' }] };
      break;
    case 3:
      p.dataFlows = 5;
      break;
    default:
      p.dataSources = {
        logFiles: [{ name: 'f', streams: ['Custom-Undeclared_CL'], filePatterns: ['/var/log/x'], format: 'text' }],
      };
  }
  return copy;
};

describe('DCR validation fuzz', () => {
  test('valid generated DCRs are accepted', () => {
    fc.assert(
      fc.property(validDcrArb, (dcr) => expect(expectTotal(dcr)).toBe(true)),
      { numRuns: 200 },
    );
  });

  test('arbitrary JSON never throws and every rejection has a reason', () => {
    const shapes = fc.oneof(
      fc.jsonValue({ maxDepth: 5 }),
      fc.dictionary(
        fc.constantFrom(
          'properties',
          'immutableId',
          'dataSources',
          'destinations',
          'dataFlows',
          'streamDeclarations',
          'endpoints',
        ),
        fc.jsonValue({ maxDepth: 3 }),
        { maxKeys: 6 },
      ),
    );
    fc.assert(
      fc.property(shapes, (json) => void expectTotal(json)),
      { numRuns: 400 },
    );
  });

  test('mutated real-shaped DCRs never throw and every rejection has a reason', () => {
    fc.assert(
      fc.property(validDcrArb, mutationsArb, (dcr, steps) => void expectTotal(applyAll(dcr, steps))),
      { numRuns: 500 },
    );
  });

  test('one broken DCR among valid ones is rejected alone; the others load', () => {
    const ids = fc.uniqueArray(immutableIdArb, { minLength: 2, maxLength: 5 });
    fc.assert(
      fc.property(
        ids,
        fc.array(validDcrArb, { minLength: 5, maxLength: 5 }),
        fc.nat(),
        fc.nat({ max: 4 }),
        (idList, dcrs, badAt, how) => {
          const inputs = idList.map((id, i) => {
            const d = JSON.parse(JSON.stringify(dcrs[i])) as { properties?: Record<string, Json> } & Record<
              string,
              Json
            >;
            (d.properties ?? d).immutableId = id;
            return d as Json;
          });
          const bad = badAt % inputs.length;
          inputs[bad] = breakDcr(inputs[bad]!, how);
          const { dcrs: health } = buildPipelineGraph(
            inputs.map((json, i) => ({ json, origin: 'inline', ref: `dcr-${i}.json` })),
            ctx,
          );
          expect(health.map((h) => h.state)).toEqual(inputs.map((_, i) => (i === bad ? 'rejected' : 'loaded')));
          expect(health[bad]!.reason).toEqual(expect.stringMatching(/\S/));
        },
      ),
      { numRuns: 150 },
    );
  });

  test('mutated DCRs in a batch never stop the valid ones from loading', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(validDcrArb, fc.option(mutationsArb)), { minLength: 1, maxLength: 4 }), (items) => {
        const inputs = items.map(([d, steps], i) => ({
          json: steps ? applyAll(d, steps) : d,
          origin: 'inline' as const,
          ref: `dcr-${i}.json`,
        }));
        const { dcrs } = buildPipelineGraph(inputs, ctx);
        for (const h of dcrs) if (h.state === 'rejected') expect(h.reason).toEqual(expect.stringMatching(/\S/));
        const verdicts = inputs.map((i) => validateDcr(i.json, i.ref).ok);
        expect(dcrs.filter((h) => h.state === 'loaded').length).toBeLessThanOrEqual(verdicts.filter(Boolean).length);
        expect(dcrs.filter((h) => h.state === 'rejected').length).toBe(verdicts.filter((ok) => !ok).length);
      }),
      { numRuns: 150 },
    );
  });
});
