// Text-log checkpoint versions: v1 (bare map) and v2 ({v: 2, files}) are read into the same form, with
// "ran before" right for each; malformed entries are skipped and counted; an unknown version is reported
// and never read as an empty first run (that would tail files from their end and lose their unread lines).
import { describe, expect, test } from '@jest/globals';
import {
  CHECKPOINT_VERSION,
  readCheckpoints,
  toStored,
} from '../../../../../agent/collector/sources/text-logs/checkpoints.js';

const cp = { path: '/var/log/app.log', offset: 120, fingerprint: 'abcdef0123456789:120' };

describe('text-log checkpoints', () => {
  test('nothing stored: never ran here', () => {
    expect(readCheckpoints(undefined)).toEqual({ files: new Map(), ranBefore: false, skipped: 0 });
  });

  test('v1 (the bare map) is migrated: same files, ran before', () => {
    const r = readCheckpoints({ '2049:77': cp });
    expect([...r.files]).toEqual([['2049:77', cp]]);
    expect(r.ranBefore).toBe(true);
    expect(r.problem).toBeUndefined();
  });

  test('an empty v1 map was no evidence of a run (v1 saved nothing before the first record)', () => {
    expect(readCheckpoints({}).ranBefore).toBe(false);
  });

  test('v2 is read as is; an empty v2 still says the source ran', () => {
    const r = readCheckpoints({ v: 2, files: { '2049:77': cp } });
    expect([...r.files]).toEqual([['2049:77', cp]]);
    expect(readCheckpoints({ v: 2, files: {} })).toEqual({ files: new Map(), ranBefore: true, skipped: 0 });
  });

  test('malformed entries are skipped and counted, the others kept', () => {
    const r = readCheckpoints({
      v: 2,
      files: { a: cp, b: { path: 1, offset: 0, fingerprint: '' }, c: { ...cp, offset: -1 }, d: null },
    });
    expect([...r.files.keys()]).toEqual(['a']);
    expect(r.skipped).toBe(3);
  });

  test('an unknown version or shape is reported, and files are then read from their start (ran before)', () => {
    for (const doc of [{ v: 3, files: {}, extra: 1 }, { v: 2, files: [] }, 'text', [cp]]) {
      const r = readCheckpoints(doc);
      expect(r.files.size).toBe(0);
      expect(r.ranBefore).toBe(true);
      expect(r.problem).toBeTruthy();
    }
  });

  test('what is saved is the current version, and reads back unchanged', () => {
    const stored = toStored([['1:2', { ...cp, extra: 'not saved' } as typeof cp]]);
    expect(stored).toEqual({ v: CHECKPOINT_VERSION, files: { '1:2': cp } });
    expect([...readCheckpoints(JSON.parse(JSON.stringify(stored))).files]).toEqual([['1:2', cp]]);
  });
});
