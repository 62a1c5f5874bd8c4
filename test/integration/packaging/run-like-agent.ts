// Test support for the packaging tests: unpacks a ZIP the way the guest agent does (modes dropped, then
// chmod u+x on every file) and runs a command line through a shell with a chosen environment and cwd.
import { spawn } from 'node:child_process';
import { chmod, readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { extractZip } from '../../../packaging/zip-contents.js';

export async function unpackLikeGuestAgent(zipPath: string, extDir: string): Promise<void> {
  for (const file of await extractZip(zipPath, extDir)) await chmod(file, (await stat(file)).mode | 0o100);
}

export async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `<shell> -c "<commandLine>"` with exactly `env` (nothing inherited) in `cwd`, as the agent runs commands. */
export function runThroughShell(
  shell: string,
  commandLine: string,
  cwd: string,
  env: Record<string, string>,
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(shell, ['-c', commandLine], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
