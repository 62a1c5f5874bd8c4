// Every recordStartTimestampFormat of docs/azure-interfaces.md §2 (the DCR schema's enum): a line in that format starts a
// record, continuation lines (stack frames, indented text, other formats' timestamps where they differ) do not.
import { describe, expect, test } from '@jest/globals';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { RECORD_START } from '../../../../../agent/collector/sources/text-logs/record-start.js';
import { REPO } from '../../../../support/collector-process.js';

const CASES: [format: string, starts: string[], continues: string[]][] = [
  [
    'ISO 8601',
    ['2026-11-25T10:00:00Z boom', '2026-11-25T10:00:00.123+01:00 x', '2026-11-25T10:00:00 plain'],
    ['  at a()', '2026-11-25 10:00:00 space', 'Caused by: x', ''],
  ],
  [
    'YYYY-MM-DD HH:MM:SS',
    ['2026-11-25 10:00:00 INFO ok', '2026-01-02 23:59:59,123 WARN'],
    ['2026-11-25T10:00:00Z', '\tat x', '26-11-25 10:00:00'],
  ],
  [
    'M/D/YYYY HH:MM:SS AM/PM',
    ['11/25/2026 10:00:00 AM started', '1/2/2026 1:05:09 PM x'],
    ['11/25/2026 10:00:00 stopped', '2026-11-25 10:00:00', ' 1/2/2026 1:05:09 PM'],
  ],
  [
    'Mon DD, YYYY HH:MM:SS',
    ['Nov 25, 2026 10:00:00 x', 'Jan 2, 2026 1:05:09 PM y'],
    ['Nov 25 2026 10:00:00', 'nov 25, 2026 10:00:00', '  Nov 25, 2026 10:00:00'],
  ],
  [
    'yyMMdd HH:mm:ss',
    ['261125 10:00:00 mysqld', '260102  9:05:09 x', '260102 9:05:09 y'],
    ['2611251 10:00:00', '26-11-25 10:00:00', ' 261125 10:00:00', '261325 10:00:00 month 13'],
  ],
  [
    'ddMMyy HH:mm:ss',
    ['251126 10:00:00 x', '020126 9:05:09 y'],
    ['25/11/26 10:00:00', 'x 251126 10:00:00', '321126 10:00:00 day 32', '251326 10:00:00 month 13'],
  ],
  [
    'MMM d hh:mm:ss',
    ['Nov 25 10:00:00 host sshd[1]: x', 'Nov  5 08:00:00 db1 systemd: y', 'Jan 1 00:00:00 z'],
    ['Nov 25, 2026 10:00:00', '  Nov 25 10:00:00', 'November 25 10:00:00'],
  ],
  [
    'dd/MMM/yyyy:HH:mm:ss zzz',
    ['25/Nov/2026:10:00:00 +0000 GET /', '02/Jan/2026:23:59:59 -0500 x'],
    ['127.0.0.1 - - [25/Nov/2026:10:00:00 +0000]', '25/Nov/2026 10:00:00 +0000', '25/11/2026:10:00:00 +0000'],
  ],
  [
    'yyyy-MM-ddTHH:mm:ssK',
    ['2026-11-25T10:00:00Z x', '2026-11-25T10:00:00+01:00 y', '2026-11-25T10:00:00.5-0800 z'],
    ['2026-11-25 10:00:00Z', '  2026-11-25T10:00:00Z', '2026-11-25T10:00Z'],
  ],
];

describe('recordStartTimestampFormat', () => {
  test('the table covers exactly the formats the DCR schema accepts (docs/azure-interfaces.md §2)', () => {
    const schema = readFileSync(path.join(REPO, 'settings-schemas/data-collection-rule.schema.json'), 'utf8');
    const list = JSON.parse(/"recordStartTimestampFormat": (\{[^}]*\})/.exec(schema)![1]!) as { enum: string[] };
    expect(Object.keys(RECORD_START).sort()).toEqual([...list.enum].sort());
    expect(CASES.map((c) => c[0]).sort()).toEqual([...list.enum].sort());
  });

  test.each(CASES)('%s', (format, starts, continues) => {
    const re = RECORD_START[format]!;
    for (const line of starts) expect([line, re.test(line)]).toEqual([line, true]);
    for (const line of continues) expect([line, re.test(line)]).toEqual([line, false]);
  });
});
