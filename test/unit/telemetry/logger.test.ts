// The agent's file logger (agent/telemetry/logger.ts) on a real temp dir: the line shape operators and the
// doctor read, redaction of registered secrets and secret-named keys, the level threshold, the rotation
// naming (<name>.log live, <name>1.log newest … <name><maxFiles-1>.log), no line split across files, nothing
// lost by closeLogger, and defaultMeta changed after creation (the handler adds seq once it knows it).
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { closeLogger, createLogger, createNullLogger } from '../../../agent/telemetry/logger.js';
import { registerSecret } from '../../../agent/telemetry/redact.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'open-ama-logger-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const linesOf = (file: string): Record<string, unknown>[] =>
  readFileSync(path.join(dir, file), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>);

test('one JSON line per call: level, ISO timestamp, defaultMeta, meta, message; below the level dropped', async () => {
  const logger = createLogger({
    logDir: dir,
    fileName: 'collector.log',
    level: 'info',
    defaultMeta: { component: 'collector' },
  });
  logger.info('ready', { configVersion: 3 });
  logger.debug('not written at info');
  logger.warn('slow');
  logger.defaultMeta = { ...logger.defaultMeta, seq: 7 };
  logger.error('broken');
  await closeLogger(logger);
  const lines = linesOf('collector.log');
  expect(lines.map((l) => [l.level, l.message])).toEqual([
    ['info', 'ready'],
    ['warn', 'slow'],
    ['error', 'broken'],
  ]);
  expect(lines[0]).toMatchObject({ component: 'collector', configVersion: 3 });
  expect(Date.parse(String(lines[0]!.timestamp))).not.toBeNaN();
  expect(String(lines[0]!.timestamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(lines[2]).toMatchObject({ component: 'collector', seq: 7 });
  expect(lines[0]).not.toHaveProperty('seq');
});

test('secrets never reach the file: registered values scrubbed from messages and meta, secret-named keys masked', async () => {
  registerSecret('hunter2-proxy-pass');
  const logger = createLogger({ logDir: dir, fileName: 'handler.log' });
  logger.warn('proxy http://u:hunter2-proxy-pass@10.0.0.1:3128 refused', {
    detail: 'pass=hunter2-proxy-pass',
    token: 'eyJ0eXAi.abc.def',
  });
  await closeLogger(logger);
  const text = readFileSync(path.join(dir, 'handler.log'), 'utf8');
  expect(text).not.toContain('hunter2-proxy-pass');
  expect(text).not.toContain('eyJ0eXAi');
  expect(text).toContain('[REDACTED]');
});

test('size rotation keeps maxFiles files with the old names, whole lines in each, the newest in <name>.log', async () => {
  const logger = createLogger({ logDir: dir, fileName: 'supervisor.log', maxBytes: 1000, maxFiles: 3 });
  for (let i = 0; i < 60; i++) logger.info(`line ${i} ${'x'.repeat(40)}`);
  await closeLogger(logger);
  expect(readdirSync(dir).sort()).toEqual(['supervisor.log', 'supervisor1.log', 'supervisor2.log']);
  const byFile = ['supervisor2.log', 'supervisor1.log', 'supervisor.log'].map((f) => {
    expect(readFileSync(path.join(dir, f)).length).toBeLessThanOrEqual(1000);
    return linesOf(f).map((l) => Number(String(l.message).split(' ')[1]));
  });
  const seen = byFile.flat();
  // Oldest files dropped, the rest in order across files, ending with the last call.
  expect(seen).toEqual(seen.map((_, i) => 60 - seen.length + i));
  expect(seen.at(-1)).toBe(59);
  expect(byFile[0]!.length).toBeGreaterThan(0);
});

test('a logger reopened on an existing file appends and rotates by the size already there', async () => {
  const first = createLogger({ logDir: dir, fileName: 'collector.log', maxBytes: 600, maxFiles: 2 });
  for (let i = 0; i < 5; i++) first.info(`first ${i} ${'y'.repeat(40)}`);
  await closeLogger(first);
  const second = createLogger({ logDir: dir, fileName: 'collector.log', maxBytes: 600, maxFiles: 2 });
  for (let i = 0; i < 5; i++) second.info(`second ${i} ${'y'.repeat(40)}`);
  await closeLogger(second);
  const all = [...linesOf('collector1.log'), ...linesOf('collector.log')].map((l) =>
    String(l.message).split(' ').slice(0, 2).join(' '),
  );
  expect(all.slice(-5)).toEqual(['second 0', 'second 1', 'second 2', 'second 3', 'second 4']);
  expect(readFileSync(path.join(dir, 'collector.log')).length).toBeLessThanOrEqual(600);
});

test('calls after closeLogger and on the null logger are dropped without throwing', async () => {
  const logger = createLogger({ logDir: dir, fileName: 'collector.log' });
  logger.info('before');
  await closeLogger(logger);
  expect(() => logger.error('after')).not.toThrow();
  expect(linesOf('collector.log').map((l) => l.message)).toEqual(['before']);
  expect(() => createNullLogger().error('nowhere')).not.toThrow();
});

test('an unwritable log folder does not stop the process: no throw at creation or at a call', async () => {
  const notADir = path.join(dir, 'file');
  writeFileSync(notADir, '');
  const logger = createLogger({ logDir: dir, fileName: 'file/collector.log' });
  expect(() => logger.error('lost, said once on stderr')).not.toThrow();
  await closeLogger(logger);
});

test('fields never replace level, timestamp or message, and a field JSON cannot write does not lose the line', async () => {
  const logger = createLogger({ logDir: dir, fileName: 'collector.log' });
  logger.warn('real message', { level: 'debug', message: 'fake', timestamp: 'not a time', detail: 1 });
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  expect(() => logger.error('with a cycle', { cyclic, n: 10n })).not.toThrow();
  await closeLogger(logger);
  const lines = linesOf('collector.log');
  expect(lines[0]).toMatchObject({ level: 'warn', message: 'real message', detail: 1 });
  expect(Object.keys(lines[0]!).slice(0, 2)).toEqual(['level', 'timestamp']);
  expect(String(lines[0]!.timestamp)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  expect(lines[1]).toMatchObject({ level: 'error', message: 'with a cycle', fields: '[not serialisable]' });
});
