// runTool, how the collector runs the syslog daemons' own tools (rsyslogd -N1, syslog-ng --syntax-only,
// systemctl reload): real child processes, no shell, stdin closed, a timeout that kills, and an output that
// says why a tool failed — including a tool that is not installed.
import { describe, expect, test } from '@jest/globals';
import { runTool } from '../../../../../agent/collector/sources/syslog/daemon-config/tools.js';

describe('runTool', () => {
  test('exit 0 is ok, with stderr and stdout as the output', async () => {
    expect(await runTool('node', ['-e', 'process.stderr.write("warn\\n"); process.stdout.write("v1.2")'])).toEqual({
      ok: true,
      output: 'warn\nv1.2',
    });
  });

  test('a non-zero exit is not ok and keeps what the tool said', async () => {
    const r = await runTool('node', ['-e', 'console.error("error: syntax error on line 3"); process.exit(1)']);
    expect(r).toEqual({ ok: false, output: 'error: syntax error on line 3' });
  });

  test('arguments are passed as they are (no shell), and stdin is closed (a reader does not wait)', async () => {
    const r = await runTool('node', [
      '-e',
      'let n = 0; process.stdin.on("data", (d) => (n += d.length)).on("end", () => console.log(process.argv[1], n))',
      '$(touch /tmp/oa-no-shell); `id`',
    ]);
    expect(r).toEqual({ ok: true, output: '$(touch /tmp/oa-no-shell); `id` 0' });
  });

  test('a tool that runs past the timeout is killed and reported as failed', async () => {
    const started = Date.now();
    const r = await runTool('node', ['-e', 'setTimeout(() => {}, 60_000)'], 300);
    expect(r.ok).toBe(false);
    expect(Date.now() - started).toBeLessThan(30_000); // not the tool's 60 s: it was killed
  });

  test('a tool that is not installed: not ok, and the output says so', async () => {
    const r = await runTool('/nonexistent/sbin/rsyslogd', ['-v']);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(/ENOENT/);
  });
});
