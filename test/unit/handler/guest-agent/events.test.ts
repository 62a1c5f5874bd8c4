// Telemetry events (docs/guest-agent-protocol.md §7): \d+.json files with fixed-width nanosecond names, all eight keys as
// strings, Message redacted/trimmed/bounded, written in <logFolder>/.events-tmp then moved in, batched,
// rate-limited to 360 per 300 s across writers (processes), and never throwing.
import { afterAll, afterEach, beforeEach, describe, expect, test } from '@jest/globals';
import { promises as fs } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import {
  EVENTS_PER_WINDOW,
  EventWriter,
  WINDOW_MS,
  type GuestAgentEvent,
} from '../../../../handler/guest-agent/index.js';
import { clearRegisteredSecrets, registerSecret } from '../../../../agent/telemetry/index.js';

let root: string;
let logFolder: string;
let eventsFolder: string;
beforeEach(async () => {
  root = await fs.mkdtemp(path.join(os.tmpdir(), 'oa-events-'));
  logFolder = path.join(root, 'log');
  eventsFolder = path.join(logFolder, 'events');
  await fs.mkdir(eventsFolder, { recursive: true, mode: 0o700 });
});
afterEach(async () => {
  await fs.rm(root, { recursive: true, force: true });
});
afterAll(() => clearRegisteredSecrets());

const writer = (extra: Partial<ConstructorParameters<typeof EventWriter>[0]> = {}): EventWriter =>
  new EventWriter({ eventsFolder, logFolder, version: '1.2.3', autoFlushMs: 3_600_000, ...extra });

async function collected(): Promise<{ names: string[]; events: GuestAgentEvent[] }> {
  const names = (await fs.readdir(eventsFolder)).sort();
  const events: GuestAgentEvent[] = [];
  for (const n of names)
    events.push(...(JSON.parse(await fs.readFile(path.join(eventsFolder, n), 'utf8')) as GuestAgentEvent[]));
  return { names, events };
}

describe('EventWriter', () => {
  test('writes batched events in files named by a 19-digit nanosecond timestamp', async () => {
    const w = writer();
    w.emit('Enable', 'Informational', 'first');
    w.emit('Enable', 'Warning', 'second');
    await w.flush();
    w.emit('Disable', 'Error', 'third');
    await w.flush();
    const { names, events } = await collected();
    expect(names).toHaveLength(2); // one file per flush, not per event
    for (const n of names) expect(n).toMatch(/^\d{19}\.json$/);
    const ns = BigInt(names[0]!.slice(0, 19));
    expect(Number(ns / 1_000_000n)).toBeGreaterThan(Date.now() - 60_000); // wall-clock nanoseconds
    expect(events.map((e) => e.Message)).toEqual(['first', 'second', 'third']);
    expect(w.written).toBe(3);
  });

  test('every event has exactly the eight keys, all strings (EventPid and EventTid too)', async () => {
    const w = writer({ operationId: 'op-1' });
    w.emit('Install', 'Informational', 'installed');
    await w.flush();
    const [e] = (await collected()).events;
    expect(Object.keys(e!).sort()).toEqual([
      'EventLevel',
      'EventPid',
      'EventTid',
      'Message',
      'OperationId',
      'TaskName',
      'Timestamp',
      'Version',
    ]);
    for (const v of Object.values(e!)) expect(typeof v).toBe('string');
    expect(e).toMatchObject({
      Version: '1.2.3',
      TaskName: 'Install',
      EventLevel: 'Informational',
      EventPid: String(process.pid),
      OperationId: 'op-1',
    });
    expect(e!.Timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
  });

  test('Message is redacted, trimmed, never empty and at most 3072 characters', async () => {
    registerSecret('Event-Secret-4411');
    const w = writer();
    w.emit('Enable', 'Error', `  proxy refused Event-Secret-4411 and https://user:pw1234@proxy:3128/  `);
    w.emit('Enable', 'Error', '   ');
    w.emit('Enable', 'Error', 'z'.repeat(10_000));
    await w.flush();
    const { events } = await collected();
    expect(events[0]!.Message).toBe('proxy refused [REDACTED] and https://[REDACTED]@proxy:3128/');
    expect(events[1]!.Message.length).toBeGreaterThan(0);
    expect(events[2]!.Message).toHaveLength(3072);
    expect(JSON.stringify(events)).not.toContain('Event-Secret-4411');
  });

  test('files are completed in <logFolder>/.events-tmp and moved in: nothing partial or extra in eventsFolder', async () => {
    const w = writer();
    for (let i = 0; i < 250; i++) w.emit('Enable', 'Verbose', `event ${i}`);
    await w.flush();
    const { names, events } = await collected();
    expect(names.every((n) => /^\d{19}\.json$/.test(n))).toBe(true);
    expect(names.length).toBeLessThanOrEqual(3); // batched
    expect(events).toHaveLength(250);
    const tmp = await fs.readdir(path.join(logFolder, '.events-tmp'));
    expect(tmp.filter((n) => n.endsWith('.tmp'))).toEqual([]); // staging files were moved, not left
  });

  test('two writers (two short-lived handler runs) share the 360-per-300-s budget; a new window allows more', async () => {
    let now = Date.UTC(2025, 5, 1);
    const clock = (): number => now;
    const a = writer({ clock });
    for (let i = 0; i < 300; i++) a.emit('Enable', 'Verbose', `a${i}`);
    await a.flush();
    const b = writer({ clock });
    for (let i = 0; i < 300; i++) b.emit('Enable', 'Verbose', `b${i}`);
    await b.flush();
    expect((await collected()).events).toHaveLength(EVENTS_PER_WINDOW);
    expect(a.written + b.written).toBe(EVENTS_PER_WINDOW);
    expect(b.dropped).toBe(600 - EVENTS_PER_WINDOW);

    now += WINDOW_MS;
    const c = writer({ clock });
    c.emit('Enable', 'Informational', 'next period');
    await c.flush();
    expect(c.written).toBe(1);
  });

  test('one writer alone never exceeds the budget within its process lifetime', async () => {
    const w = writer({ clock: () => Date.UTC(2025, 5, 2) });
    for (let i = 0; i < 500; i++) w.emit('Enable', 'Verbose', `e${i}`);
    await w.flush();
    expect(w.written).toBe(EVENTS_PER_WINDOW);
    expect(w.dropped).toBe(500 - EVENTS_PER_WINDOW);
  });

  test('without an eventsFolder nothing is written anywhere', async () => {
    const w = new EventWriter({ logFolder, version: '1.2.3' });
    w.emit('Enable', 'Informational', 'x');
    await w.flush();
    expect((await fs.readdir(logFolder)).sort()).toEqual(['events']);
    expect(await fs.readdir(eventsFolder)).toEqual([]);
  });

  test('an unwritable events folder never throws: the events are counted as dropped and a warning is logged', async () => {
    await fs.rm(eventsFolder, { recursive: true });
    await fs.writeFile(eventsFolder, 'not a directory');
    const warnings: string[] = [];
    const logger = { warn: (m: string) => void warnings.push(m) } as unknown as ConstructorParameters<
      typeof EventWriter
    >[0]['logger'];
    const w = writer({ logger });
    expect(() => w.emit('Enable', 'Error', 'x')).not.toThrow();
    await expect(w.flush()).resolves.toBeUndefined();
    expect(w.dropped).toBe(1);
    expect(warnings.join('\n')).toMatch(/telemetry events not written/);
  });
});
