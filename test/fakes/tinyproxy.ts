// Starts a real tinyproxy (Debian package) on a free loopback port with basic auth, in the foreground,
// logging to a temp dir; counts CONNECT tunnels from its log so tests can prove what went through it.
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { canConnect, freePort } from '../support/net.js';
import { execa, type ResultPromise } from 'execa';

export interface TinyproxyHandle {
  port: number;
  url: string;
  logFile: string;
  connectCount(): Promise<number>;
  stop(): Promise<void>;
}

export async function startTinyproxy(dir: string, auth?: { user: string; password: string }): Promise<TinyproxyHandle> {
  await fs.mkdir(dir, { recursive: true });
  const port = await freePort();
  const logFile = path.join(dir, 'tinyproxy.log');
  const conf = [
    `Port ${port}`,
    'Listen 127.0.0.1',
    'Timeout 30',
    `LogFile "${logFile}"`,
    'LogLevel Connect',
    `PidFile "${path.join(dir, 'tinyproxy.pid')}"`,
    'MaxClients 50',
    'Allow 127.0.0.1',
    'DisableViaHeader Yes',
    ...(auth ? [`BasicAuth ${auth.user} ${auth.password}`] : []),
  ].join('\n');
  const confFile = path.join(dir, 'tinyproxy.conf');
  await fs.writeFile(confFile, conf + '\n');
  const child: ResultPromise = execa('tinyproxy', ['-d', '-c', confFile], { reject: false, stdio: 'ignore' });
  for (let i = 0; i < 50; i++) {
    if (await canConnect(port)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    logFile,
    async connectCount() {
      const text = await fs.readFile(logFile, 'utf8').catch(() => '');
      return (text.match(/CONNECT/g) ?? []).length;
    },
    async stop() {
      child.kill('SIGTERM');
      await child;
    },
  };
}
