// Faults of the HTTP proxy between the real collector and the ingestion endpoint, with a real
// tinyproxy (basic auth) on a fixed loopback port: the proxy down (connection refused), then back;
// the proxy rejecting the credentials (407), then accepting them. Records queue meanwhile and are all
// delivered once the proxy is fixed, through the proxy's CONNECT tunnel.
import { afterAll, afterEach, beforeAll, expect, test } from '@jest/globals';

import { promises as fs } from 'node:fs';

import * as path from 'node:path';
import { execa, type ResultPromise } from 'execa';

import { createWorld, killAllCollectors, type FaultWorld } from './collector.js';

import { connect, record, scaled, writeResults } from './ledger.js';

import { runLoadedScenario } from './scenario.js';

import { describeWhenInstalled, TINYPROXY } from '../support/os-requirements.js';
import { freePort, sleep, waitFor } from '../support/net.js';

const USER = 'alice';
const PASSWORD = 'Fault0ProxyPw';
let world: FaultWorld;
/** Wrapped: an execa child is a thenable, so an async function must not return it bare. */
interface Proxy {
  child: ResultPromise;
}
const proxies = new Set<Proxy>();

beforeAll(async () => {
  world = await createWorld('oa-fault-proxy-');
}, 60_000);
afterEach(async () => {
  await killAllCollectors();
  for (const p of [...proxies]) await stopProxy(p);
});
afterAll(async () => {
  await world.close();
  await writeResults('test/faults/proxy.test.ts');
});

/** tinyproxy in the foreground on `port` with basic auth `password`; resolves once it accepts. */
async function startProxy(dir: string, port: number, password: string): Promise<Proxy> {
  await fs.mkdir(dir, { recursive: true });
  const conf = path.join(dir, `tinyproxy-${password}.conf`);
  await fs.writeFile(
    conf,
    [
      `Port ${port}`,
      'Listen 127.0.0.1',
      'Timeout 30',
      `LogFile "${path.join(dir, 'tinyproxy.log')}"`,
      'LogLevel Connect',
      'MaxClients 50',
      'Allow 127.0.0.1',
      'DisableViaHeader Yes',
      `BasicAuth ${USER} ${password}`,
    ].join('\n') + '\n',
  );
  const proxy = { child: execa('tinyproxy', ['-d', '-c', conf], { reject: false, stdio: 'ignore' }) };
  proxies.add(proxy);
  await waitFor(
    async () => {
      try {
        (await connect(port)).destroy();
        return true;
      } catch {
        return false;
      }
    },
    10_000,
    'tinyproxy to listen',
  );
  return proxy;
}

async function stopProxy(p: Proxy): Promise<void> {
  proxies.delete(p);
  p.child.kill('SIGTERM');
  await p.child;
}

async function tunnels(dir: string): Promise<number> {
  return ((await fs.readFile(path.join(dir, 'tinyproxy.log'), 'utf8').catch(() => '')).match(/CONNECT/g) ?? []).length;
}

describeWhenInstalled('fault: proxy', [TINYPROXY])('fault: proxy', () => {
  test(
    'proxy down, then back: records queue, then all arrive through the tunnel',
    async () => {
      const port = await freePort();
      const dir = path.join(world.dir, 'proxy-down');
      let proxy = await startProxy(dir, port, PASSWORD);
      const downMs = scaled(8000);
      const r = await runLoadedScenario(world, {
        name: 'proxy-down',
        config: {
          proxy: {
            mode: 'application',
            address: `http://127.0.0.1:${port}`,
            username: USER,
            password: PASSWORD,
            bypass: [],
          },
        },
        async fault({ ingestion }) {
          await waitFor(() => ingestion.seqs.length > 0, 30_000, 'a first upload through the proxy');
          await stopProxy(proxy);
          await sleep(downMs);
          proxy = await startProxy(dir, port, PASSWORD);
          await sleep(1000);
        },
      });
      record('proxy-down', {
        sent: r.sent,
        received: r.received,
        lost: r.lost,
        duplicated: r.duplicated,
        downSeconds: downMs / 1000,
        tunnels: await tunnels(dir),
      });
      expect(r.lost).toBe(0);
      expect(r.duplicated).toBeLessThanOrEqual(r.recordsPerBatch); // a tunnel cut mid-request may re-send one batch
      expect(await tunnels(dir)).toBeGreaterThan(1);
    },
    scaled(180_000),
  );

  test(
    'proxy rejects the credentials (407), then accepts them: degraded meanwhile, then all delivered',
    async () => {
      const port = await freePort();
      const dir = path.join(world.dir, 'proxy-auth');
      let proxy = await startProxy(dir, port, 'SomeoneElsesPw1');
      let degraded = '';
      const r = await runLoadedScenario(world, {
        name: 'proxy-auth',
        config: {
          proxy: {
            mode: 'application',
            address: `http://127.0.0.1:${port}`,
            username: USER,
            password: PASSWORD,
            bypass: [],
          },
        },
        async fault({ collector }) {
          await waitFor(
            async () => {
              const d = (await collector.health()).destinations[0];
              degraded = d?.state === 'degraded' ? (d.lastError ?? '') : '';
              return degraded !== '';
            },
            30_000,
            'the destination to be reported degraded',
          );
          await sleep(scaled(2000));
          await stopProxy(proxy);
          proxy = await startProxy(dir, port, PASSWORD);
        },
      });
      record('proxy-auth-rejected', { sent: r.sent, received: r.received, lost: r.lost, duplicated: r.duplicated });
      expect(degraded).toMatch(/407|401/);
      expect(degraded).not.toContain(PASSWORD);
      expect(r.lost).toBe(0);
      expect(r.duplicated).toBe(0);
    },
    scaled(180_000),
  );
});
