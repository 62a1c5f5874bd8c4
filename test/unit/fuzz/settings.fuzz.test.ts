// Settings validation is total: arbitrary JSON and near-valid mutations of valid public/protected
// settings either give an AgentConfig or a HandlerError (SETTINGS_INVALID / PROTECTED_SETTINGS_INVALID)
// whose message names a JSON path and never a protected value; valid generated settings are accepted.
// The <seq>.settings reader in front of them is fuzzed too: damaged files fail as SETTINGS_MALFORMED only,
// without quoting the file.
import { describe, expect, test } from '@jest/globals';
import fc from 'fast-check';
import { buildAgentConfig } from '../../../handler/settings/index.js';
import { HandlerError } from '../../../handler/errors.js';
import { parseSettingsText } from '../../../handler/guest-agent/settings-file.js';
import { applyAll, mutationsArb, validSettingsArb, type Json } from './arbitraries.js';

const status = {
  handlerName: 'OpenAma.Monitor.OpenAmaLinuxAgent',
  extensionVersion: '0.1.0',
  statusFolder: '/s',
  seq: 0,
  logFolder: '/l',
};
const build = (pub: unknown, prot: unknown) =>
  buildAgentConfig({ publicSettings: pub, protectedSettings: prot, seq: 0, status, now: new Date(0) });

// A clause names where the problem is: `<json path>: <what is wrong>`, or one of the rules that name keys.
const PATH_CLAUSE = /^(?![\s:])[\s\S]*?: \S/;
const KEY_RULES =
  /^([^;]+ belong to the Geneva|azureMonitorConfiguration cannot be combined with \S|proxy\.auth is true but protectedSettings\.\S+)/;

/** Runs the handler's settings step; returns the rejection message (or null when accepted). */
function outcome(pub: unknown, prot: unknown): string | null {
  try {
    const cfg = build(pub, prot);
    expect(cfg.configVersion).toBe(0);
    return null;
  } catch (err) {
    expect(err).toBeInstanceOf(HandlerError);
    const e = err as HandlerError;
    expect(['SETTINGS_INVALID', 'PROTECTED_SETTINGS_INVALID']).toContain(e.code);
    const m = /^invalid (protected )?settings: (.*)$/s.exec(e.message);
    expect({ message: e.message, prefixed: m !== null }).toEqual({ message: e.message, prefixed: true });
    const body = m![2]!;
    expect({ message: e.message, namesPath: PATH_CLAUSE.test(body) || KEY_RULES.test(body) }).toEqual({
      message: e.message,
      namesPath: true,
    });
    return e.message;
  }
}

const anyJson = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;
const objectish = fc.oneof(
  anyJson,
  fc.dictionary(fc.string({ maxLength: 10 }), anyJson, { maxKeys: 4 }) as fc.Arbitrary<Json>,
);

describe('settings fuzz', () => {
  test('valid generated public + protected settings are accepted', () => {
    fc.assert(
      fc.property(validSettingsArb, ({ pub, prot }) => {
        expect(outcome(pub, prot)).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  test('arbitrary JSON as public or protected settings: accepted or a typed error naming a JSON path', () => {
    fc.assert(
      fc.property(objectish, objectish, (pub, prot) => {
        outcome(pub, prot);
        outcome(pub, null);
        outcome(null, prot);
      }),
      { numRuns: 300 },
    );
  });

  test('near-valid mutations of valid settings: accepted or a typed error naming a JSON path', () => {
    fc.assert(
      fc.property(validSettingsArb, mutationsArb, mutationsArb, fc.boolean(), ({ pub, prot }, mPub, mProt, which) => {
        outcome(applyAll(pub, mPub), which ? prot : applyAll(prot, mProt));
      }),
      { numRuns: 400 },
    );
  });

  test('a rejection never quotes a protected value, wherever in the protected settings it sits', () => {
    const SENTINEL = 'Fuzz-Sentinel-Pw-5521';
    const withSentinel = fc.tuple(validSettingsArb, mutationsArb).map(([{ pub, prot }, steps]) => ({
      pub,
      prot: applyAll(
        prot,
        steps.map((s) => ({ ...s, value: s.kind === 'retype' ? s.value : SENTINEL })),
      ),
    }));
    fc.assert(
      fc.property(withSentinel, ({ pub, prot }) => {
        const message = outcome(pub, prot);
        if (message !== null) expect(message).not.toContain(SENTINEL);
      }),
      { numRuns: 300 },
    );
  });

  test('damaged <seq>.settings files (cut, bytes flipped, arbitrary text) fail only as SETTINGS_MALFORMED, never quoting the file', () => {
    const SENTINEL = 'Sentinel-In-File-8813';
    const fileText = validSettingsArb.map(({ pub }) =>
      JSON.stringify({
        runtimeSettings: [
          {
            handlerSettings: {
              publicSettings: pub,
              protectedSettings: `MIIB${SENTINEL}`,
              protectedSettingsCertThumbprint: SENTINEL,
            },
          },
        ],
      }),
    );
    const damaged = fc.oneof(
      fc.tuple(fileText, fc.nat()).map(([t, n]) => t.slice(0, n % (t.length + 1))),
      fc
        .tuple(fileText, fc.nat(), fc.constantFrom('"', '{', ']', ',', '\\', '\u0000', '\uFEFF', 'x', ':'))
        .map(([t, n, c]) => {
          const i = n % t.length;
          return t.slice(0, i) + c + t.slice(i + 1);
        }),
      fc.string({ maxLength: 200 }).map((t) => `{"runtimeSettings":[{"handlerSettings":${t}`),
      fc.string({ maxLength: 200 }),
    );
    fc.assert(
      fc.property(damaged, (text) => {
        try {
          const parsed = parseSettingsText(text, '3.settings');
          outcome(parsed.publicSettings, null);
        } catch (err) {
          expect(err).toBeInstanceOf(HandlerError);
          expect((err as HandlerError).code).toBe('SETTINGS_MALFORMED');
          expect((err as HandlerError).message).toMatch(/^3\.settings/);
          expect((err as HandlerError).message).not.toContain(SENTINEL);
        }
      }),
      { numRuns: 300 },
    );
  });
});
