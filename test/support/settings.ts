// The handler's enable-path settings validation (buildAgentConfig) called as enable calls it, for the settings
// unit suites: `buildSettings` returns the agent config, `settingsRejection` the HandlerError it throws (and
// fails the test when the settings are accepted).
import { expect } from '@jest/globals';
import type { AgentConfig } from '../../agent/config/index.js';
import { HandlerError } from '../../handler/errors.js';
import { buildAgentConfig } from '../../handler/settings/index.js';

const status = { handlerName: 'h', extensionVersion: '0.1.0', statusFolder: '/s', seq: 0, logFolder: '/l' };

export const buildSettings = (pub: unknown, prot: unknown = null): AgentConfig =>
  buildAgentConfig({ publicSettings: pub, protectedSettings: prot, seq: 0, status, now: new Date(0) });

export function settingsRejection(pub: unknown, prot: unknown = null): HandlerError {
  try {
    buildSettings(pub, prot);
  } catch (err) {
    expect(err).toBeInstanceOf(HandlerError);
    return err as HandlerError;
  }
  throw new Error('settings were accepted');
}
