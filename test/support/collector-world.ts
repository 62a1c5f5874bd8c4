// The world a collector integration test runs in: a temp dir, a test CA made by real openssl (the
// collector trusts it through NODE_EXTRA_CA_CERTS), and the IMDS fake that hands out tokens. Loopback
// ingestion fakes are started per test with world.ingestion() and stopped with the world.
// useCollectorWorld() registers the beforeAll/afterAll hooks; createCollectorWorld() is the same for callers
// that manage their own hooks (the fault suite, benchmarks).
import { afterAll, beforeAll } from '@jest/globals';
import { mkdtempSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { FakeImdsServer } from '../fakes/imds-server.js';
import { FakeIngestionServer, type FakeIngestionOptions } from '../fakes/ingestion-server.js';
import { createTestCa, type TestCa } from '../fakes/test-ca.js';
import { killAllCollectors } from './collector-process.js';

type ImdsOptions = ConstructorParameters<typeof FakeImdsServer>[0];

export interface CollectorWorld {
  dir: string;
  ca: TestCa;
  imds: FakeImdsServer;
  /** A fresh OPEN_AMA_ROOT under dir. */
  newRoot(name: string): string;
  /** Collector environment: trusts the test CA, asks the IMDS fake, listens for syslog on `syslogPort` if given. */
  env(syslogPort?: number): Record<string, string>;
  /** A started Logs Ingestion fake with the world's certificate, stopped by close(). */
  ingestion(options?: FakeIngestionOptions): Promise<FakeIngestionServer>;
  close(): Promise<void>;
}

export interface WorldOptions {
  imds?: ImdsOptions;
  /** Extra environment for the openssl runs (the clock-jump scenario backdates the certificates). */
  caEnv?: Record<string, string>;
}

export async function createCollectorWorld(prefix: string, o: WorldOptions = {}): Promise<CollectorWorld> {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  const ca = await createTestCa(path.join(dir, 'ca'), o.caEnv);
  const imds = new FakeImdsServer(o.imds ?? { mode: 'imds' });
  await imds.start();
  const fakes: FakeIngestionServer[] = [];
  return {
    dir,
    ca,
    imds,
    newRoot: (name) => mkdtempSync(path.join(dir, `${name}-`)),
    env: (syslogPort) => ({
      NODE_EXTRA_CA_CERTS: ca.caCertPath,
      OPEN_AMA_IMDS_URL: imds.base,
      ...(syslogPort !== undefined ? { OPEN_AMA_SYSLOG_PORT: String(syslogPort) } : {}),
    }),
    async ingestion(options) {
      const fake = new FakeIngestionServer(ca, options);
      await fake.start();
      fakes.push(fake);
      return fake;
    },
    async close() {
      await killAllCollectors();
      for (const f of fakes) await f.stop();
      await imds.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Registers beforeAll/afterAll for a world; its fields are there from the first test on. */
export function useCollectorWorld(prefix: string, o: WorldOptions = {}): CollectorWorld {
  const world = {} as CollectorWorld;
  beforeAll(async () => {
    Object.assign(world, await createCollectorWorld(prefix, o));
  });
  afterAll(async () => {
    await world.close?.();
  });
  return world;
}
