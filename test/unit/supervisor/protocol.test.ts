// Control socket requests are parsed defensively: every malformed request gets a reason, never a throw.
import { describe, expect, test } from '@jest/globals';
import { parseControlRequest } from '../../../agent/supervisor/control/protocol.js';

describe('control protocol', () => {
  test('accepts the four requests', () => {
    expect(parseControlRequest('{"op":"ping"}')).toEqual({ op: 'ping' });
    expect(parseControlRequest('{"op":"status","extra":1}')).toEqual({ op: 'status' });
    expect(parseControlRequest('{"op":"stop"}')).toEqual({ op: 'stop' });
    expect(parseControlRequest('{"op":"apply-config","configVersion":3,"timeoutMs":5000}')).toEqual({
      op: 'apply-config',
      configVersion: 3,
      timeoutMs: 5000,
    });
  });

  test.each([
    ['not json', /not JSON/],
    ['null', /JSON object/],
    ['{"op":"reboot"}', /unknown op "reboot"/],
    ['{"op":"apply-config","configVersion":-1,"timeoutMs":5}', /non-negative integer configVersion/],
    ['{"op":"apply-config","configVersion":"3","timeoutMs":5}', /non-negative integer configVersion/],
    ['{"op":"apply-config","configVersion":3,"timeoutMs":0}', /positive integer timeoutMs/],
  ])('rejects %s with a reason', (line, reason) => {
    const r = parseControlRequest(line);
    expect('error' in r && r.error).toMatch(reason);
  });
});
